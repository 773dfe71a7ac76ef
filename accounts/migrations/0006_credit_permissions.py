"""Grant the staff groups what they need to see of the credit domain."""

from django.db import migrations

from portal.schema import group_permissions_grant, group_permissions_revoke

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
    group_permissions_grant(apps, GROUP_PERMISSIONS, app_label="accounts")


def revoke(apps, schema_editor):
    group_permissions_revoke(apps, GROUP_PERMISSIONS, app_label="accounts")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_ledger_guards"), ("accounts", "0002_staff_groups")]
    operations = [migrations.RunPython(grant, revoke)]
