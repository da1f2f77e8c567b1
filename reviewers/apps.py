from django.apps import AppConfig


class ReviewersConfig(AppConfig):
    name = "reviewers"
    verbose_name = "Review"
    default_auto_field = "django.db.models.BigAutoField"
