"""Notices and audit events keep only the indexes their queries use.

A policy run writes a notice and two audit events for each of tens of thousands of decisions, and
every index is written with every row. Gone: the notice's recipient index (the (recipient,
read_at) index leads with the recipient) and the pattern-matching ``_like`` copies PostgreSQL got
for kind, idempotency key and action, which are only ever matched exactly. The plain indexes stay,
renamed (see portal.schema for why not AlterField)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from portal.schema import column_indexes_tidy, column_indexes_untidy

# (table, column, keyword arguments, whether PostgreSQL had a _like index)
COLUMNS = [
    ("portal_notification", "recipient_id", {}, False),
    ("portal_notification", "kind", {"keep_as": "notification_kind"}, True),
    ("portal_notification", "idempotency_key", {"unique_as": "notification_idempotency_key_unique"}, True),
    ("portal_auditevent", "action", {"keep_as": "audit_action"}, True),
]


def forwards(apps, schema_editor):
    for table, column, options, _like in COLUMNS:
        column_indexes_tidy(schema_editor, table, column, **options)


def backwards(apps, schema_editor):
    for table, column, options, like in reversed(COLUMNS):
        column_indexes_untidy(schema_editor, table, column, like=like, **options)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0004_notification_text_lz4"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="action",
                    field=models.CharField(max_length=64, verbose_name="action"),
                ),
                migrations.AlterField(
                    model_name="notification",
                    name="idempotency_key",
                    field=models.CharField(blank=True, max_length=200, null=True),
                ),
                migrations.AlterField(
                    model_name="notification",
                    name="kind",
                    field=models.CharField(max_length=64, verbose_name="kind"),
                ),
                migrations.AlterField(
                    model_name="notification",
                    name="recipient",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notifications",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="recipient",
                    ),
                ),
                migrations.AddIndex(
                    model_name="auditevent",
                    index=models.Index(fields=["action"], name="audit_action"),
                ),
                migrations.AddIndex(
                    model_name="notification",
                    index=models.Index(fields=["kind"], name="notification_kind"),
                ),
                migrations.AddConstraint(
                    model_name="notification",
                    constraint=models.UniqueConstraint(
                        fields=("idempotency_key",), name="notification_idempotency_key_unique"
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        )
    ]
