"""The core system's service account: a permission to use the integration API and a group that
holds it. Put the service account (and only it) in the group, then issue its token."""

from django.db import migrations

PERMISSION = ("use_integration_api", "Can push data through the core-system integration API")
GROUP = "Core system integration"


def forward(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _created = ContentType.objects.get_or_create(app_label="accounts", model="creditaccount")
    codename, name = PERMISSION
    permission, _created = Permission.objects.get_or_create(
        content_type=content_type, codename=codename, defaults={"name": name}
    )
    group, _created = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(permission)


def backward(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name=GROUP).delete()
    Permission.objects.filter(content_type__app_label="accounts", codename=PERMISSION[0]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_policy_v1_and_permissions"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    operations = [migrations.RunPython(forward, backward)]
