"""Grant the staff groups what they need to see of the credit domain."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_PERMISSIONS = {
    "Support agent": ["view_creditaccount", "view_limitchange", "view_reasoncode", "view_creditproduct"],
    "Appeals reviewer": ["view_creditaccount", "view_limitchange", "view_reasoncode", "view_creditproduct"],
    "Supervisor": ["view_creditaccount", "view_limitchange", "view_reasoncode", "view_creditproduct"],
    "Compliance officer": ["view_creditaccount", "view_limitchange", "view_reasoncode", "view_creditproduct"],
    "Risk analyst": [
        "view_creditaccount",
        "view_limitchange",
        "view_reasoncode",
        "change_reasoncode",
        "view_creditproduct",
    ],
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUP_PERMISSIONS.items():
        group = Group.objects.get(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="accounts", codename__in=codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUP_PERMISSIONS.items():
        group = Group.objects.get(name=name)
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="accounts", codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_ledger_guards"), ("accounts", "0002_staff_groups")]
    operations = [migrations.RunPython(grant, revoke)]
