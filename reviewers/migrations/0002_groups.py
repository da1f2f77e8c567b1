"""The Editors and Reviewers groups with their permissions."""
from django.contrib.auth.management import create_permissions
from django.db import migrations

REVIEWER_PERMS = [
    ("claims", "view_article"), ("claims", "view_claim"), ("claims", "view_candidate"),
    ("claims", "view_sourcedocument"),
    ("reviewers", "view_verdict"), ("reviewers", "add_verdict"), ("reviewers", "change_verdict"),
    ("reviewers", "view_citation"), ("reviewers", "add_citation"), ("reviewers", "view_ratingscale"),
    ("reviewers", "view_rating"), ("reviewers", "view_assignment"),
]
EDITOR_EXTRA = [
    ("claims", "add_article"), ("claims", "change_article"), ("claims", "change_claim"),
    ("claims", "add_sourcedocument"), ("claims", "change_sourcedocument"), ("claims", "delete_sourcedocument"),
    ("reviewers", "approve_verdict"), ("reviewers", "add_ratingscale"), ("reviewers", "change_ratingscale"),
    ("reviewers", "add_rating"), ("reviewers", "change_rating"), ("reviewers", "add_assignment"),
    ("reviewers", "change_assignment"),
]


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def perms(pairs):
        return [Permission.objects.get(content_type__app_label=app, codename=code) for app, code in pairs]

    reviewers, _ = Group.objects.get_or_create(name="Reviewers")
    reviewers.permissions.set(perms(REVIEWER_PERMS))
    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.set(perms(REVIEWER_PERMS + EDITOR_EXTRA))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Reviewers", "Editors"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reviewers", "0001_initial"),
        ("claims", "0003_fulltext"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
