"""What each staff group may do with appeals. Supervisors approve overturns (four eyes) and do
second-level reviews."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_PERMISSIONS = {
    "Appeals reviewer": ["view_appeal", "review_appeal"],
    "Supervisor": ["view_appeal", "review_appeal", "approve_appeal", "view_appealapproval"],
    "Support agent": ["view_appeal"],
    "Compliance officer": ["view_appeal", "view_appealapproval"],
}


def forward(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUP_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="appeals", codename__in=codenames))


def backward(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=GROUP_PERMISSIONS):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="appeals"))


class Migration(migrations.Migration):
    dependencies = [("appeals", "0001_initial"), ("accounts", "0002_staff_groups")]
    operations = [migrations.RunPython(forward, backward)]
