"""A notice whose email failed for good can be sent again from the admin, once the cause is
fixed; support agents and supervisors get the permission."""

from django.db import migrations

from portal.schema import group_permissions_grant

GROUP_PERMISSIONS = {"Support agent": ["resend_notification"], "Supervisor": ["resend_notification"]}


def grant(apps, schema_editor):
    group_permissions_grant(apps, GROUP_PERMISSIONS, app_label="portal")


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0005_lean_indexes"),
        ("accounts", "0002_staff_groups"),  # the groups
    ]

    operations = [
        migrations.AlterModelOptions(
            name="notification",
            options={
                "ordering": ["-created_at", "-id"],
                "permissions": [("resend_notification", "Can send a notice's failed email again")],
                "verbose_name": "notification",
                "verbose_name_plural": "notifications",
            },
        ),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
