"""What each staff group may do with appeals. Supervisors approve overturns (four eyes) and do
second-level reviews."""

from django.db import migrations

from portal.schema import group_permissions_grant, group_permissions_revoke

GROUP_PERMISSIONS = {
    "Appeals reviewer": ["view_appeal", "review_appeal"],
    "Supervisor": ["view_appeal", "review_appeal", "approve_appeal", "view_appealapproval"],
    "Support agent": ["view_appeal"],
    "Compliance officer": ["view_appeal", "view_appealapproval"],
}


def forward(apps, schema_editor):
    group_permissions_grant(apps, GROUP_PERMISSIONS, app_label="appeals")


def backward(apps, schema_editor):
    group_permissions_revoke(apps, GROUP_PERMISSIONS, app_label="appeals")


class Migration(migrations.Migration):
    dependencies = [("appeals", "0001_initial"), ("accounts", "0002_staff_groups")]
    operations = [migrations.RunPython(forward, backward)]
