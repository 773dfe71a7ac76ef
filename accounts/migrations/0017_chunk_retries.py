"""A policy-run chunk that keeps failing is not queued for ever: it counts its requeues and keeps
its last error; after five it is given up until a risk analyst, who gets the new permission,
queues it again from the run's admin page."""

from django.db import migrations, models

from portal.schema import group_permissions_grant

GROUP_PERMISSIONS = {"Risk analyst": ["retry_riskevaluationrun"]}


def grant(apps, schema_editor):
    group_permissions_grant(apps, GROUP_PERMISSIONS, app_label="accounts")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0016_lean_indexes"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="riskevaluationrun",
            options={
                "ordering": ["-through_signal_id"],
                "permissions": [("retry_riskevaluationrun", "Can queue a policy run's given-up chunks again")],
                "verbose_name": "policy run",
                "verbose_name_plural": "policy runs",
            },
        ),
        migrations.AddField(
            model_name="riskevaluationchunk",
            name="last_error",
            field=models.CharField(blank=True, max_length=500, verbose_name="last error"),
        ),
        migrations.AddField(
            model_name="riskevaluationchunk",
            name="requeues",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="times queued again"),
        ),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
