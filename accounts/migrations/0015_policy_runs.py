"""Policy runs: which signals the policy has seen is kept by runs over ranges of signal ids,
not by marking each signal (migration 0015). Signals evaluated before this migration are covered
by a starting point: a run without a policy up to the first signal still waiting, so those wait
for the first real run. Risk analysts, supervisors and appeals reviewers read the runs."""

import django.db.models.deletion
from django.db import migrations, models

from portal.schema import group_permissions_grant

GROUP_PERMISSIONS = {
    "Risk analyst": ["view_riskevaluationrun"],
    "Supervisor": ["view_riskevaluationrun"],
    "Appeals reviewer": ["view_riskevaluationrun"],
}


def starting_point(apps, schema_editor):
    RiskSignal = apps.get_model("accounts", "RiskSignal")
    RiskEvaluationRun = apps.get_model("accounts", "RiskEvaluationRun")
    waiting = RiskSignal.objects.filter(evaluated_at=None).order_by("pk").values_list("pk", flat=True).first()
    last = RiskSignal.objects.order_by("-pk").values_list("pk", flat=True).first()
    through = (waiting - 1) if waiting is not None else last
    if through:
        RiskEvaluationRun.objects.create(policy_version=None, after_signal_id=0, through_signal_id=through)


def grant(apps, schema_editor):
    group_permissions_grant(apps, GROUP_PERMISSIONS, app_label="accounts")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0014_drop_redundant_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="RiskEvaluationChunk",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("account_ids", models.JSONField(verbose_name="accounts")),
                ("queued_at", models.DateTimeField(verbose_name="queued")),
                ("done_at", models.DateTimeField(blank=True, null=True, verbose_name="done")),
                ("decisions", models.PositiveIntegerField(default=0, verbose_name="decisions")),
            ],
            options={
                "verbose_name": "policy run chunk",
                "verbose_name_plural": "policy run chunks",
            },
        ),
        migrations.CreateModel(
            name="RiskEvaluationRun",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("after_signal_id", models.BigIntegerField(unique=True, verbose_name="after signal")),
                ("through_signal_id", models.BigIntegerField(verbose_name="through signal")),
                ("started_at", models.DateTimeField(auto_now_add=True, verbose_name="started")),
                ("accounts", models.PositiveIntegerField(default=0, verbose_name="accounts with new signals")),
                ("candidates", models.PositiveIntegerField(default=0, verbose_name="accounts the policy may act on")),
            ],
            options={
                "verbose_name": "policy run",
                "verbose_name_plural": "policy runs",
                "ordering": ["-through_signal_id"],
            },
        ),
        migrations.AddField(
            model_name="riskevaluationrun",
            name="policy_version",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="runs",
                to="accounts.policyversion",
                verbose_name="policy version",
            ),
        ),
        migrations.AddField(
            model_name="riskevaluationchunk",
            name="run",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="chunks", to="accounts.riskevaluationrun"
            ),
        ),
        migrations.AddConstraint(
            model_name="riskevaluationrun",
            constraint=models.CheckConstraint(
                condition=models.Q(("through_signal_id__gt", models.F("after_signal_id"))),
                name="risk_run_covers_signals",
            ),
        ),
        migrations.AddIndex(
            model_name="riskevaluationchunk",
            index=models.Index(condition=models.Q(("done_at", None)), fields=["queued_at"], name="risk_chunk_undone"),
        ),
        migrations.RunPython(starting_point, migrations.RunPython.noop),
        migrations.RemoveIndex(
            model_name="risksignal",
            name="risk_signal_unevaluated",
        ),
        migrations.RemoveField(
            model_name="risksignal",
            name="evaluated_at",
        ),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
