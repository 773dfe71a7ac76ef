"""Customer segments (versioned rule sets), per-segment policy overrides, the segment on each decision, and stress tests."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import accounts.models.segments
from portal.schema import group_permissions_grant

GROUP_PERMISSIONS = {
    "Risk analyst": [
        "view_segmentset",
        "add_segmentset",
        "change_segmentset",
        "delete_segmentset",
        "view_segmentrule",
        "add_segmentrule",
        "change_segmentrule",
        "delete_segmentrule",
        "view_stresstest",
        "run_stresstest",
    ],
    "Supervisor": ["view_segmentset", "view_segmentrule", "view_stresstest"],
    "Compliance officer": ["view_segmentset", "view_segmentrule", "view_stresstest"],
}


def grant(apps, schema_editor):
    group_permissions_grant(apps, GROUP_PERMISSIONS, app_label="accounts")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0027_h18a_anomaly"), migrations.swappable_dependency(settings.AUTH_USER_MODEL)]

    operations = [
        migrations.AddField(
            model_name="policyversion",
            name="segment_overrides",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text='For example {"new-customers": {"score_drop_points": 40, "base_cut_percent": 20}}.',
                validators=[accounts.models.segments.segment_overrides_validate],
                verbose_name="thresholds and cuts per segment",
            ),
        ),
        migrations.AddField(
            model_name="riskdecision",
            name="segment",
            field=models.CharField(blank=True, default="", max_length=40, verbose_name="segment"),
        ),
        migrations.CreateModel(
            name="SegmentSet",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                (
                    "status",
                    models.CharField(
                        choices=[("draft", "draft"), ("active", "active"), ("retired", "retired")],
                        default="draft",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("notes", models.TextField(blank=True, verbose_name="what changed and why")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                ("activated_at", models.DateTimeField(blank=True, null=True, verbose_name="activated")),
                (
                    "activated_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "segment set",
                "verbose_name_plural": "segment sets",
                "ordering": ["-pk"],
            },
        ),
        migrations.CreateModel(
            name="SegmentRule",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "position",
                    models.PositiveSmallIntegerField(
                        help_text="Rules are tried from the lowest number up.", verbose_name="order"
                    ),
                ),
                (
                    "key",
                    models.SlugField(
                        help_text="Short stable name, e.g. new-customers.", max_length=40, verbose_name="key"
                    ),
                ),
                ("label", models.CharField(max_length=100, verbose_name="label")),
                (
                    "min_tenure_days",
                    models.PositiveIntegerField(blank=True, null=True, verbose_name="open at least (days)"),
                ),
                (
                    "max_tenure_days",
                    models.PositiveIntegerField(blank=True, null=True, verbose_name="open less than (days)"),
                ),
                (
                    "min_utilisation_percent",
                    models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="utilisation at least (%)"),
                ),
                (
                    "max_utilisation_percent",
                    models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="utilisation under (%)"),
                ),
                (
                    "min_late_installments",
                    models.PositiveSmallIntegerField(
                        blank=True, null=True, verbose_name="late repayments in 12 months, at least"
                    ),
                ),
                (
                    "max_late_installments",
                    models.PositiveSmallIntegerField(
                        blank=True, null=True, verbose_name="late repayments in 12 months, at most"
                    ),
                ),
                (
                    "product",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.creditproduct",
                        verbose_name="product",
                    ),
                ),
                (
                    "segment_set",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="rules", to="accounts.segmentset"
                    ),
                ),
            ],
            options={
                "verbose_name": "segment rule",
                "verbose_name_plural": "segment rules",
                "ordering": ["segment_set", "position"],
            },
        ),
        migrations.CreateModel(
            name="StressTest",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("score_shock_points", models.PositiveSmallIntegerField(verbose_name="scores down by (points)")),
                (
                    "overdue_share_percent",
                    models.DecimalField(
                        decimal_places=2, max_digits=5, verbose_name="share of accounts given a linked overdue (%)"
                    ),
                ),
                (
                    "overdue_days",
                    models.PositiveSmallIntegerField(default=30, verbose_name="days overdue given to that share"),
                ),
                ("macro_tightening", models.BooleanField(default=False, verbose_name="macro-economic tightening on")),
                (
                    "status",
                    models.CharField(
                        choices=[("queued", "queued"), ("running", "running"), ("done", "done"), ("failed", "failed")],
                        default="queued",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("accounts_total", models.PositiveIntegerField(default=0, verbose_name="accounts in the book")),
                ("accounts_done", models.PositiveIntegerField(default=0, verbose_name="accounts done")),
                ("result", models.JSONField(blank=True, default=dict, verbose_name="result")),
                ("error", models.CharField(blank=True, max_length=500, verbose_name="error")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="requested")),
                ("started_at", models.DateTimeField(blank=True, null=True, verbose_name="started")),
                ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="finished")),
                (
                    "baseline_version",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.policyversion",
                        verbose_name="compared with",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="requested by",
                    ),
                ),
                (
                    "policy_version",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="stress_tests",
                        to="accounts.policyversion",
                        verbose_name="policy version",
                    ),
                ),
                (
                    "segment_set",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.segmentset",
                        verbose_name="segment set",
                    ),
                ),
            ],
            options={
                "verbose_name": "stress test",
                "verbose_name_plural": "stress tests",
                "ordering": ["-created_at", "-pk"],
                "permissions": [("run_stresstest", "Can run stress tests of policy versions")],
            },
        ),
        migrations.AddConstraint(
            model_name="segmentset",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "active")), fields=("status",), name="one_active_segment_set"
            ),
        ),
        migrations.AddConstraint(
            model_name="segmentset",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["draft", "active", "retired"])), name="segment_set_status_valid"
            ),
        ),
        migrations.AddConstraint(
            model_name="segmentrule",
            constraint=models.UniqueConstraint(fields=("segment_set", "key"), name="segment_key_once_per_set"),
        ),
        migrations.AddConstraint(
            model_name="segmentrule",
            constraint=models.UniqueConstraint(
                fields=("segment_set", "position"), name="segment_position_once_per_set"
            ),
        ),
        migrations.AddConstraint(
            model_name="segmentrule",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("min_tenure_days__isnull", True),
                    ("max_tenure_days__isnull", True),
                    ("min_tenure_days__lte", models.F("max_tenure_days")),
                    _connector="OR",
                ),
                name="segment_tenure_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="segmentrule",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("min_utilisation_percent__isnull", True),
                    ("max_utilisation_percent__isnull", True),
                    ("min_utilisation_percent__lte", models.F("max_utilisation_percent")),
                    _connector="OR",
                ),
                name="segment_utilisation_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="segmentrule",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("min_late_installments__isnull", True),
                    ("max_late_installments__isnull", True),
                    ("min_late_installments__lte", models.F("max_late_installments")),
                    _connector="OR",
                ),
                name="segment_late_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="stresstest",
            constraint=models.CheckConstraint(
                condition=models.Q(("score_shock_points__lte", 300)), name="stress_score_shock_max"
            ),
        ),
        migrations.AddConstraint(
            model_name="stresstest",
            constraint=models.CheckConstraint(
                condition=models.Q(("overdue_share_percent__gte", 0), ("overdue_share_percent__lte", 100)),
                name="stress_overdue_share_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="stresstest",
            constraint=models.CheckConstraint(
                condition=models.Q(("overdue_days__gte", 1), ("overdue_days__lte", 365)),
                name="stress_overdue_days_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="stresstest",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["queued", "running", "done", "failed"])), name="stress_status_valid"
            ),
        ),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
