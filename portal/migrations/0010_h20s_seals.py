"""Seal blocks, their rows and verifications; on PostgreSQL, sealed notices and the chain itself refuse change."""

import django.db.models.deletion
from django.db import migrations, models

from portal.schema import group_permissions_grant, group_permissions_revoke

GROUP_PERMISSIONS = {
    "Compliance officer": ["view_sealblock", "view_integrityverification"],
    "Supervisor": ["view_sealblock", "view_integrityverification"],
}

NOTIFICATION_SEALED_COLUMNS = [
    "recipient_id", "in_centre", "kind", "template", "params", "title", "body", "link", "created_at",
    "email_subject", "email_text", "email_html", "email_to",
]  # fmt: skip

# One guard for every sealed table: a row that has a seal entry keeps its sealed columns and is
# never deleted. Each table's triggers pass its model label and fire only when a sealed column
# really changes, so the read time or an email's status still update freely.
GUARD_FUNCTION = """
CREATE OR REPLACE FUNCTION portal_sealed_row_guard() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM portal_sealentry WHERE model = TG_ARGV[0] AND object_id = OLD.id) THEN
        RAISE EXCEPTION 'row % of % is sealed: its sealed content cannot be changed or deleted', OLD.id, TG_ARGV[0];
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION portal_seal_chain_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the seal chain is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER portal_sealblock_no_update BEFORE UPDATE OR DELETE ON portal_sealblock
    FOR EACH ROW EXECUTE FUNCTION portal_seal_chain_append_only();
CREATE TRIGGER portal_sealentry_no_update BEFORE UPDATE OR DELETE ON portal_sealentry
    FOR EACH ROW EXECUTE FUNCTION portal_seal_chain_append_only();
"""

GUARD_FUNCTION_DROP = """
DROP TRIGGER IF EXISTS portal_sealblock_no_update ON portal_sealblock;
DROP TRIGGER IF EXISTS portal_sealentry_no_update ON portal_sealentry;
DROP FUNCTION IF EXISTS portal_seal_chain_append_only();
DROP FUNCTION IF EXISTS portal_sealed_row_guard();
"""


def sealed_guard_sql(table, label, columns):
    """The two triggers that keep a sealed table's sealed rows as sealed (used by the accounts and
    appeals migrations for their tables too)."""
    old = ", ".join(f"OLD.{column}" for column in columns)
    new = ", ".join(f"NEW.{column}" for column in columns)
    return f"""
CREATE TRIGGER {table}_sealed_update BEFORE UPDATE ON {table}
    FOR EACH ROW WHEN (ROW({old}) IS DISTINCT FROM ROW({new}))
    EXECUTE FUNCTION portal_sealed_row_guard('{label}');
CREATE TRIGGER {table}_sealed_delete BEFORE DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION portal_sealed_row_guard('{label}');
"""


def sealed_guard_drop_sql(table):
    return f"""
DROP TRIGGER IF EXISTS {table}_sealed_update ON {table};
DROP TRIGGER IF EXISTS {table}_sealed_delete ON {table};
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GUARD_FUNCTION, params=None)
        schema_editor.execute(
            sealed_guard_sql("portal_notification", "portal.notification", NOTIFICATION_SEALED_COLUMNS)
        )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(sealed_guard_drop_sql("portal_notification"))
        schema_editor.execute(GUARD_FUNCTION_DROP)


def grant(apps, schema_editor):
    group_permissions_grant(apps, GROUP_PERMISSIONS, app_label="portal")


def revoke(apps, schema_editor):
    group_permissions_revoke(apps, GROUP_PERMISSIONS, app_label="portal")


class Migration(migrations.Migration):
    dependencies = [("portal", "0009_h15n_notice_params_backfill"), ("accounts", "0002_staff_groups")]

    operations = [
        migrations.CreateModel(
            name="SealBlock",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("sequence", models.PositiveIntegerField(unique=True, verbose_name="block number")),
                ("previous_hash", models.CharField(max_length=64, verbose_name="previous block hash")),
                ("merkle_root", models.CharField(max_length=64, verbose_name="Merkle root")),
                ("row_count", models.PositiveIntegerField(verbose_name="rows")),
                ("first_row_at", models.DateTimeField(verbose_name="earliest row")),
                ("last_row_at", models.DateTimeField(verbose_name="latest row")),
                ("sealed_at", models.DateTimeField(db_index=True, verbose_name="sealed")),
                ("key_id", models.CharField(max_length=16, verbose_name="signing key")),
                ("block_hash", models.CharField(max_length=64, unique=True, verbose_name="block hash")),
                ("signature", models.CharField(max_length=100, verbose_name="signature")),
            ],
            options={
                "verbose_name": "sealed block",
                "verbose_name_plural": "sealed blocks",
                "ordering": ["-sequence"],
            },
        ),
        migrations.CreateModel(
            name="IntegrityVerification",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("started_at", models.DateTimeField(db_index=True, verbose_name="started")),
                ("finished_at", models.DateTimeField(verbose_name="finished")),
                (
                    "outcome",
                    models.CharField(
                        choices=[("passed", "passed"), ("failed", "mismatch found")],
                        max_length=10,
                        verbose_name="result",
                    ),
                ),
                ("blocks_checked", models.PositiveIntegerField(default=0, verbose_name="blocks checked")),
                ("rows_checked", models.PositiveBigIntegerField(default=0, verbose_name="rows checked")),
                ("head_sequence", models.PositiveIntegerField(blank=True, null=True, verbose_name="chain head")),
                ("head_hash", models.CharField(blank=True, max_length=64, verbose_name="chain head hash")),
                ("failure_block", models.PositiveIntegerField(blank=True, null=True, verbose_name="block")),
                ("failure_model", models.CharField(blank=True, max_length=100, verbose_name="table")),
                ("failure_object_id", models.BigIntegerField(blank=True, null=True, verbose_name="row id")),
                ("failure_sealed_at", models.DateTimeField(blank=True, null=True, verbose_name="sealed")),
                ("failure_message", models.TextField(blank=True, verbose_name="what does not match")),
                ("failure_key", models.CharField(blank=True, max_length=64)),
                ("alerted", models.BooleanField(default=False, verbose_name="compliance alerted")),
            ],
            options={
                "verbose_name": "integrity verification",
                "verbose_name_plural": "integrity verifications",
                "ordering": ["-started_at", "-id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("outcome__in", ["passed", "failed"])),
                        name="integrity_verification_outcome_valid",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="SealEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("position", models.PositiveIntegerField(verbose_name="position")),
                ("model", models.CharField(max_length=100, verbose_name="table")),
                ("object_id", models.BigIntegerField(verbose_name="row id")),
                ("leaf_hash", models.CharField(max_length=64, verbose_name="leaf hash")),
                (
                    "block",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="entries",
                        to="portal.sealblock",
                    ),
                ),
            ],
            options={
                "verbose_name": "sealed row",
                "verbose_name_plural": "sealed rows",
                "constraints": [
                    models.UniqueConstraint(fields=("model", "object_id"), name="seal_entry_once_per_row"),
                    models.UniqueConstraint(fields=("block", "position"), name="seal_entry_position_unique"),
                ],
            },
        ),
        migrations.RunPython(forward, backward),
        migrations.RunPython(grant, revoke),
    ]
