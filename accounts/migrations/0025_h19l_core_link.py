"""Creates CoreInstruction, the outbox of signed instructions for the core system, and lets support staff see and retry them."""

import uuid

import django.utils.timezone
from django.db import migrations, models

from portal.schema import group_permissions_grant, group_permissions_revoke

GROUP_PERMISSIONS = {
    "Support agent": ["view_coreinstruction", "retry_coreinstruction"],
    "Supervisor": ["view_coreinstruction", "retry_coreinstruction"],
}


def grant(apps, schema_editor):
    group_permissions_grant(apps, GROUP_PERMISSIONS, app_label="accounts")


def revoke(apps, schema_editor):
    group_permissions_revoke(apps, GROUP_PERMISSIONS, app_label="accounts")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0024_h19r_repayment")]

    operations = [
        migrations.CreateModel(
            name="CoreInstruction",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(max_length=64, verbose_name="kind")),
                ("subject_reference", models.CharField(max_length=64, verbose_name="subject reference")),
                ("payload", models.JSONField(default=dict, verbose_name="payload")),
                (
                    "idempotency_key",
                    models.UUIDField(default=uuid.uuid4, editable=False, unique=True, verbose_name="idempotency key"),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "waiting to be sent"),
                            ("sending", "being sent"),
                            ("accepted", "accepted by the core system"),
                            ("confirmed", "confirmed"),
                            ("refused", "refused"),
                            ("failed", "failed"),
                        ],
                        default="pending",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("attempts", models.PositiveIntegerField(default=0, verbose_name="attempts")),
                ("next_attempt_at", models.DateTimeField(blank=True, null=True, verbose_name="next attempt")),
                ("claimed_at", models.DateTimeField(blank=True, null=True, verbose_name="claimed")),
                ("last_error", models.TextField(blank=True, verbose_name="last error")),
                ("sent_at", models.DateTimeField(blank=True, null=True, verbose_name="sent")),
                ("outcome_detail", models.TextField(blank=True, verbose_name="core system's detail")),
                ("outcome_data", models.JSONField(blank=True, default=dict, verbose_name="core system's data")),
                ("answered_at", models.DateTimeField(blank=True, null=True, verbose_name="answered")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="created")),
            ],
            options={
                "verbose_name": "core system instruction",
                "verbose_name_plural": "core system instructions",
                "ordering": ["-created_at", "-pk"],
                "permissions": [("retry_coreinstruction", "Can send a core system instruction again")],
                "indexes": [
                    models.Index(fields=["status", "next_attempt_at"], name="core_instruction_due"),
                    models.Index(fields=["subject_reference"], name="core_instruction_subject"),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("status__in", ["pending", "sending", "accepted", "confirmed", "refused", "failed"])
                        ),
                        name="core_instruction_status_valid",
                    )
                ],
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
