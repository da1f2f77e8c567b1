from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Articles and claims"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.backends.signals import connection_created

        from claims.api import caching, schema  # noqa: F401  (schema registers the OpenAPI auth extension)

        # Every connection, in every thread and process, reports the writes that make API cache
        # entries stale (a no-op while the caches are off: caching.enabled()).
        connection_created.connect(caching.install, dispatch_uid="factdesk-api-cache")
