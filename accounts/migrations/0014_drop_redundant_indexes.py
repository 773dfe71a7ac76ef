"""Drop indexes that another index already covers; each one cost every signal and score insert
(and the UPDATE that marks a million signals evaluated) a B-tree insertion for nothing.

- ``RiskSignal.account``: the (account, kind, -observed_at) index leads with it.
- ``CreditScore.account`` and the (account, -scored_at) index: the ``score_once_per_time``
  unique index on (account, scored_at) leads with the account and, read backwards, gives an
  account's scores newest first.
- ``RiskSignal.external_id``'s ``_like`` (varchar_pattern_ops) index, which PostgreSQL-only
  Django adds to a unique CharField for LIKE 'prefix%' lookups: external ids are only matched
  exactly (``in_bulk``, ``ON CONFLICT``, the import's join), which the unique index serves. The
  admin's search is ``icontains`` (UPPER(...) LIKE '%…%'), which this index never served."""

from django.db import migrations, models
from django.db.models.deletion import CASCADE


def _external_id_like_index(schema_editor):
    # The name Django gave it when the field was created (0007), computed the same way.
    return schema_editor.quote_name(
        schema_editor._create_index_name("accounts_risksignal", ["external_id"], suffix="_like")
    )


def drop_external_id_like(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {_external_id_like_index(schema_editor)}")


def create_external_id_like(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {_external_id_like_index(schema_editor)}"
            " ON accounts_risksignal (external_id varchar_pattern_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0013_ledger_check_per_statement"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="creditscore",
            name="accounts_cr_account_f83000_idx",
        ),
        migrations.AlterField(
            model_name="creditscore",
            name="account",
            field=models.ForeignKey(
                db_index=False, on_delete=CASCADE, related_name="scores", to="accounts.creditaccount"
            ),
        ),
        migrations.AlterField(
            model_name="risksignal",
            name="account",
            field=models.ForeignKey(
                db_index=False, on_delete=CASCADE, related_name="risk_signals", to="accounts.creditaccount"
            ),
        ),
        migrations.RunPython(drop_external_id_like, create_external_id_like, elidable=False),
    ]
