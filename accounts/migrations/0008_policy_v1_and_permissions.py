"""The first active limit policy (the documented defaults) and the staff permissions for it."""

from django.db import migrations

from portal.schema import group_permissions_grant

GROUP_PERMISSIONS = {
    "Risk analyst": [
        "view_policyversion",
        "add_policyversion",
        "change_policyversion",
        "view_risksignal",
        "view_riskdecision",
    ],
    "Supervisor": ["view_policyversion", "view_risksignal", "view_riskdecision", "approve_riskdecision"],
    "Compliance officer": ["view_policyversion", "view_riskdecision"],
    "Support agent": ["view_riskdecision"],
    "Appeals reviewer": ["view_policyversion", "view_risksignal", "view_riskdecision"],
}


def forward(apps, schema_editor):
    group_permissions_grant(apps, GROUP_PERMISSIONS, app_label="accounts")
    PolicyVersion = apps.get_model("accounts", "PolicyVersion")
    if not PolicyVersion.objects.filter(status="active").exists():
        PolicyVersion.objects.create(
            name="Baseline",
            status="active",
            notes="Score fall of 50+ points from the 6-month high cuts 30 %, 50 % with another factor; "
            "severe combinations freeze; cuts over 50 % and freezes need approval.",
        )


def backward(apps, schema_editor):
    apps.get_model("accounts", "PolicyVersion").objects.filter(name="Baseline", decisions__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0007_risk_policy"), ("accounts", "0006_credit_permissions")]
    operations = [migrations.RunPython(forward, backward)]
