"""Editors see provider runs (the live status on the claim page and in the admin)."""
from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR_PERMS = [("claims", "view_providerrun")]
REVIEWER_PERMS = [("claims", "view_providerrun")]


def apply(Group, Permission) -> None:
    """Shared with tests/conftest.py, which re-creates the groups after a transactional test's flush."""
    def perms(pairs):
        return [Permission.objects.get(content_type__app_label=app, codename=code) for app, code in pairs]

    for name, pairs in (("Editors", EDITOR_PERMS), ("Reviewers", REVIEWER_PERMS)):
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.add(*perms(pairs))


def forwards(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    apply(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def backwards(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=["Editors", "Reviewers"]):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="claims", codename="view_providerrun"))


class Migration(migrations.Migration):
    dependencies = [("reviewers", "0003_note"), ("claims", "0002_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
