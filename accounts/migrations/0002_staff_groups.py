"""The staff groups and what each may do. Later features grant their own permissions to these
groups in their own migrations."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_PERMISSIONS = {
    "Support agent": [
        "accounts.view_user",
        "accounts.view_customerrecord",
        "accounts.view_identitybindingattempt",
        "portal.view_notification",
    ],
    "Appeals reviewer": [
        "accounts.view_user",
        "accounts.view_customerrecord",
        "portal.view_notification",
    ],
    "Supervisor": [
        "accounts.view_user",
        "accounts.view_customerrecord",
        "accounts.view_identitybindingattempt",
        "portal.view_notification",
        "portal.view_auditevent",
    ],
    "Compliance officer": [
        "accounts.view_user",
        "accounts.view_customerrecord",
        "accounts.view_identitybindingattempt",
        "portal.view_notification",
        "portal.view_auditevent",
    ],
    "Risk analyst": [
        "accounts.view_customerrecord",
    ],
    "Content editor": [],
}


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUP_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("portal", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_groups, remove_groups)]
