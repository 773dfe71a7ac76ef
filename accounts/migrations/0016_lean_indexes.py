"""Ledger rows and risk decisions lose their one-column account index.

The (account, sequence) and (account, trigger_key) unique constraints lead with the account, so
the extra index served no query and was written with every row a policy run adds. The foreign
keys stay as they were (see portal.schema for why not AlterField, which drops and re-checks them
and would drop the partial unique index on the decision's account as well)."""

import django.db.models.deletion
from django.db import migrations, models

from portal.schema import column_indexes_tidy, column_indexes_untidy

TABLES = ["accounts_limitchange", "accounts_riskdecision"]


def forwards(apps, schema_editor):
    for table in TABLES:
        column_indexes_tidy(schema_editor, table, "account_id")


def backwards(apps, schema_editor):
    for table in TABLES:
        column_indexes_untidy(schema_editor, table, "account_id")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0015_policy_runs"),
        ("portal", "0005_lean_indexes"),  # portal.schema
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="limitchange",
                    name="account",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="limit_changes",
                        to="accounts.creditaccount",
                    ),
                ),
                migrations.AlterField(
                    model_name="riskdecision",
                    name="account",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="risk_decisions",
                        to="accounts.creditaccount",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        )
    ]
