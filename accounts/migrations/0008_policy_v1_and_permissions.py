"""The first active limit policy (the documented defaults) and the staff permissions for it."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

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
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUP_PERMISSIONS.items():
        Group.objects.get(name=name).permissions.add(
            *Permission.objects.filter(content_type__app_label="accounts", codename__in=codenames)
        )
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
