"""Repayment options: quotes and instructions for the core system, a daily rate on products, and the
account's masked repayment source and autopay state; support agents decide hardship plans."""

import uuid
from decimal import Decimal

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from portal.schema import group_permissions_grant, group_permissions_revoke

# Support agents decide hardship requests; a supervisor gives the second approval above the
# threshold (never of their own decision: a CHECK and the service refuse it).
GROUP_PERMISSIONS = {
    "Support agent": ["view_repaymentinstruction", "view_repaymentquote", "decide_hardship"],
    "Supervisor": ["view_repaymentinstruction", "view_repaymentquote", "approve_hardship"],
}


def grant(apps, schema_editor):
    group_permissions_grant(apps, GROUP_PERMISSIONS, app_label="accounts")


def revoke(apps, schema_editor):
    group_permissions_revoke(apps, GROUP_PERMISSIONS, app_label="accounts")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0023_h19a_limit_offers"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="creditaccount",
            name="autopay_enabled",
            field=models.BooleanField(db_default=False, default=False, verbose_name="automatic repayment"),
        ),
        migrations.AddField(
            model_name="creditaccount",
            name="repayment_source_masked",
            field=models.CharField(
                blank=True, db_default="", default="", max_length=64, verbose_name="repayment source account"
            ),
        ),
        migrations.AddField(
            model_name="creditproduct",
            name="daily_interest_rate",
            field=models.DecimalField(
                decimal_places=6,
                db_default=Decimal("0.000500"),
                default=Decimal("0.000500"),
                max_digits=8,
                verbose_name="daily interest rate",
            ),
        ),
        migrations.CreateModel(
            name="RepaymentQuote",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "reference",
                    models.UUIDField(default=uuid.uuid4, editable=False, unique=True, verbose_name="reference"),
                ),
                ("full", models.BooleanField(verbose_name="repays everything")),
                ("amount", models.DecimalField(decimal_places=2, max_digits=12, verbose_name="amount to repay")),
                (
                    "principal",
                    models.DecimalField(decimal_places=2, max_digits=12, verbose_name="outstanding principal"),
                ),
                (
                    "accrued_interest",
                    models.DecimalField(decimal_places=2, max_digits=12, verbose_name="interest accrued to today"),
                ),
                ("owed_today", models.DecimalField(decimal_places=2, max_digits=12, verbose_name="owed today")),
                ("interest_saved", models.DecimalField(decimal_places=2, max_digits=12, verbose_name="interest saved")),
                ("valid_until", models.DateTimeField(verbose_name="valid until")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="quoted")),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="repayment_quotes",
                        to="accounts.creditaccount",
                    ),
                ),
            ],
            options={
                "verbose_name": "early repayment quote",
                "verbose_name_plural": "early repayment quotes",
                "ordering": ["-created_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="RepaymentInstruction",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "reference",
                    models.UUIDField(default=uuid.uuid4, editable=False, unique=True, verbose_name="reference"),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("early_repayment", "early repayment"),
                            ("due_day_change", "change of due day"),
                            ("autopay", "automatic repayment"),
                            ("hardship_plan", "hardship plan"),
                        ],
                        max_length=16,
                        verbose_name="kind",
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("requested", "requested"),
                            ("awaiting_approval", "awaiting a second approval"),
                            ("offered", "new schedule offered"),
                            ("accepted", "accepted"),
                            ("sent", "sent to the lender"),
                            ("confirmed", "confirmed"),
                            ("refused", "refused by the lender"),
                            ("declined", "declined by you"),
                            ("rejected", "rejected"),
                        ],
                        default="requested",
                        max_length=20,
                        verbose_name="status",
                    ),
                ),
                ("parameters", models.JSONField(blank=True, default=dict, verbose_name="parameters")),
                (
                    "amount",
                    models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True, verbose_name="amount"),
                ),
                ("reason", models.TextField(blank=True, verbose_name="reason")),
                ("evidence_name", models.CharField(blank=True, max_length=120, verbose_name="evidence file")),
                ("evidence_stored_name", models.CharField(blank=True, max_length=64)),
                ("evidence_content_type", models.CharField(blank=True, max_length=40)),
                ("proposed_schedule", models.JSONField(blank=True, default=list, verbose_name="proposed schedule")),
                ("decided_at", models.DateTimeField(blank=True, null=True, verbose_name="decided")),
                ("approved_at", models.DateTimeField(blank=True, null=True, verbose_name="approved")),
                ("decision_note", models.TextField(blank=True, verbose_name="decision note")),
                ("core_detail", models.TextField(blank=True, verbose_name="lender's answer")),
                ("requested_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="requested")),
                ("offered_at", models.DateTimeField(blank=True, null=True, verbose_name="offered")),
                ("answered_at", models.DateTimeField(blank=True, null=True, verbose_name="answered by the borrower")),
                ("sent_at", models.DateTimeField(blank=True, null=True, verbose_name="sent")),
                ("completed_at", models.DateTimeField(blank=True, null=True, verbose_name="completed")),
                (
                    "account",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="repayment_instructions",
                        to="accounts.creditaccount",
                    ),
                ),
                (
                    "approved_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "quote",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="instruction",
                        to="accounts.repaymentquote",
                    ),
                ),
            ],
            options={
                "verbose_name": "repayment instruction",
                "verbose_name_plural": "repayment instructions",
                "ordering": ["-requested_at", "-pk"],
                "permissions": [
                    ("decide_hardship", "Can decide hardship plan requests"),
                    ("approve_hardship", "Can give the second approval of a hardship plan"),
                ],
            },
        ),
        migrations.AddConstraint(
            model_name="repaymentquote",
            constraint=models.CheckConstraint(
                condition=models.Q(("amount__gt", 0)), name="repayment_quote_amount_positive"
            ),
        ),
        migrations.AddConstraint(
            model_name="repaymentquote",
            constraint=models.CheckConstraint(
                condition=models.Q(("interest_saved__gte", 0)), name="repayment_quote_saved_not_negative"
            ),
        ),
        migrations.AddIndex(
            model_name="repaymentinstruction",
            index=models.Index(fields=["account", "kind", "requested_at"], name="accounts_re_account_ecd4b5_idx"),
        ),
        migrations.AddConstraint(
            model_name="repaymentinstruction",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind__in", ["early_repayment", "due_day_change", "autopay", "hardship_plan"])),
                name="repayment_instruction_kind_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="repaymentinstruction",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "status__in",
                        [
                            "requested",
                            "awaiting_approval",
                            "offered",
                            "accepted",
                            "sent",
                            "confirmed",
                            "refused",
                            "declined",
                            "rejected",
                        ],
                    )
                ),
                name="repayment_instruction_status_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="repaymentinstruction",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("approved_by__isnull", True),
                    models.Q(("approved_by", models.F("decided_by")), _negated=True),
                    _connector="OR",
                ),
                name="repayment_instruction_two_people",
            ),
        ),
        migrations.RunPython(grant, revoke),
    ]
