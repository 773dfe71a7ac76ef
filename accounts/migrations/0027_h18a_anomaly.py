"""Anomaly detection: balance movements, model versions, scoring runs and chunks, account features, reviews, and their staff permissions."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from portal.schema import group_permissions_grant, group_permissions_revoke

GROUP_PERMISSIONS = {
    "Risk analyst": [
        "view_anomalymodelversion",
        "change_anomalymodelversion",
        "view_anomalyreview",
        "decide_anomalyreview",
        "view_anomalyscoringrun",
    ],
    "Supervisor": ["view_anomalymodelversion", "view_anomalyreview"],
}


def forward(apps, schema_editor):
    group_permissions_grant(apps, GROUP_PERMISSIONS, app_label="accounts")


def backward(apps, schema_editor):
    group_permissions_revoke(apps, GROUP_PERMISSIONS, app_label="accounts")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0026_h19o_offer_sources")]

    operations = [
        migrations.CreateModel(
            name="AnomalyScoringChunk",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("account_ids", models.JSONField(verbose_name="accounts")),
                ("queued_at", models.DateTimeField(verbose_name="queued")),
                ("done_at", models.DateTimeField(blank=True, null=True, verbose_name="done")),
                ("scored", models.PositiveIntegerField(default=0, verbose_name="scored")),
                ("skipped", models.PositiveIntegerField(default=0, verbose_name="skipped: feature missing")),
                ("skipped_features", models.JSONField(blank=True, default=dict, verbose_name="missing features")),
                ("reviews", models.PositiveIntegerField(default=0, verbose_name="reviews opened")),
                ("requeues", models.PositiveSmallIntegerField(default=0, verbose_name="times queued again")),
                ("last_error", models.CharField(blank=True, max_length=500, verbose_name="last error")),
            ],
            options={
                "verbose_name": "anomaly scoring chunk",
                "verbose_name_plural": "anomaly scoring chunks",
            },
        ),
        migrations.CreateModel(
            name="AccountFeatures",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("features_version", models.PositiveSmallIntegerField(verbose_name="feature list version")),
                ("window_start", models.DateTimeField(verbose_name="window from")),
                ("window_end", models.DateTimeField(verbose_name="window to")),
                ("values", models.JSONField(verbose_name="values")),
                ("score", models.FloatField(blank=True, null=True, verbose_name="score")),
                (
                    "account",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.creditaccount",
                    ),
                ),
                (
                    "chunk",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="features",
                        to="accounts.anomalyscoringchunk",
                    ),
                ),
            ],
            options={
                "verbose_name": "account features",
                "verbose_name_plural": "account features",
            },
        ),
        migrations.CreateModel(
            name="AnomalyModelVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "status",
                    models.CharField(
                        choices=[("draft", "draft"), ("active", "active"), ("retired", "retired")],
                        default="draft",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("features_version", models.PositiveSmallIntegerField(verbose_name="feature list version")),
                ("features", models.JSONField(default=list, verbose_name="features")),
                ("parameters", models.JSONField(default=dict, verbose_name="parameters")),
                ("metrics", models.JSONField(default=dict, verbose_name="metrics")),
                ("peer_statistics", models.JSONField(default=dict, verbose_name="peer figures")),
                ("threshold", models.FloatField(verbose_name="score threshold")),
                ("trained_from", models.DateTimeField(verbose_name="training window from")),
                ("trained_to", models.DateTimeField(verbose_name="training window to")),
                ("training_accounts", models.PositiveIntegerField(verbose_name="accounts trained on")),
                ("artefact_name", models.CharField(max_length=200, verbose_name="artefact file")),
                ("artefact_sha256", models.CharField(max_length=64, verbose_name="artefact SHA-256")),
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
            ],
            options={
                "verbose_name": "anomaly model version",
                "verbose_name_plural": "anomaly model versions",
                "ordering": ["-pk"],
            },
        ),
        migrations.CreateModel(
            name="AnomalyReview",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("score", models.FloatField(verbose_name="score")),
                ("explanation", models.JSONField(default=list, verbose_name="what stands out")),
                (
                    "status",
                    models.CharField(
                        choices=[("open", "open"), ("confirmed", "confirmed"), ("dismissed", "dismissed")],
                        default="open",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("created_at", models.DateTimeField(db_index=True, verbose_name="opened")),
                ("reviewed_at", models.DateTimeField(blank=True, null=True, verbose_name="reviewed")),
                ("review_note", models.TextField(blank=True, verbose_name="review note")),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="anomaly_reviews",
                        to="accounts.creditaccount",
                        verbose_name="account",
                    ),
                ),
                (
                    "features",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="accounts.accountfeatures",
                    ),
                ),
                (
                    "model_version",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reviews",
                        to="accounts.anomalymodelversion",
                        verbose_name="model version",
                    ),
                ),
                (
                    "reviewed_by",
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
                "verbose_name": "anomaly review",
                "verbose_name_plural": "anomaly reviews",
                "ordering": ["-created_at", "-pk"],
                "permissions": [("decide_anomalyreview", "Can confirm or dismiss anomaly reviews")],
            },
        ),
        migrations.CreateModel(
            name="AnomalyScoringRun",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("after_movement_id", models.BigIntegerField(unique=True, verbose_name="after movement")),
                ("through_movement_id", models.BigIntegerField(verbose_name="through movement")),
                ("started_at", models.DateTimeField(verbose_name="started")),
                ("accounts", models.PositiveIntegerField(default=0, verbose_name="accounts with new activity")),
                (
                    "model_version",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="runs",
                        to="accounts.anomalymodelversion",
                        verbose_name="model version",
                    ),
                ),
            ],
            options={
                "verbose_name": "anomaly scoring run",
                "verbose_name_plural": "anomaly scoring runs",
                "ordering": ["-through_movement_id"],
            },
        ),
        migrations.AddField(
            model_name="anomalyscoringchunk",
            name="run",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="chunks", to="accounts.anomalyscoringrun"
            ),
        ),
        migrations.CreateModel(
            name="BalanceMovement",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("amount", models.DecimalField(decimal_places=2, max_digits=12, verbose_name="amount")),
                ("balance_after", models.DecimalField(decimal_places=2, max_digits=12, verbose_name="balance after")),
                ("recorded_at", models.DateTimeField(verbose_name="recorded")),
                (
                    "account",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.creditaccount",
                    ),
                ),
            ],
            options={
                "verbose_name": "balance movement",
                "verbose_name_plural": "balance movements",
            },
        ),
        migrations.AddConstraint(
            model_name="anomalymodelversion",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "active")), fields=("status",), name="one_active_anomaly_model"
            ),
        ),
        migrations.AddConstraint(
            model_name="anomalymodelversion",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["draft", "active", "retired"])), name="anomaly_model_status_valid"
            ),
        ),
        migrations.AddConstraint(
            model_name="anomalyreview",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "open")),
                fields=("account", "model_version"),
                name="one_open_anomaly_review",
            ),
        ),
        migrations.AddConstraint(
            model_name="anomalyreview",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["open", "confirmed", "dismissed"])),
                name="anomaly_review_status_valid",
            ),
        ),
        migrations.AddIndex(
            model_name="accountfeatures",
            index=models.Index(fields=["account", "window_end"], name="account_features_account_time"),
        ),
        migrations.AddConstraint(
            model_name="anomalyscoringrun",
            constraint=models.CheckConstraint(
                condition=models.Q(("through_movement_id__gt", models.F("after_movement_id"))),
                name="anomaly_run_covers_movements",
            ),
        ),
        migrations.AddIndex(
            model_name="anomalyscoringchunk",
            index=models.Index(
                condition=models.Q(("done_at", None)), fields=["queued_at"], name="anomaly_chunk_undone"
            ),
        ),
        migrations.AddIndex(
            model_name="balancemovement",
            index=models.Index(fields=["account", "recorded_at"], name="balance_movement_account_time"),
        ),
        migrations.RunPython(forward, backward),
    ]
