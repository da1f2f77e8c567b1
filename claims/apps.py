from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Articles and claims"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from claims.api import schema  # noqa: F401  (registers the OpenAPI auth extension)
