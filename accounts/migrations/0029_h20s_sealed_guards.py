"""On PostgreSQL, a sealed risk decision keeps its sealed columns and is never deleted (the ledger already refuses both)."""

from django.db import migrations

TABLE = "accounts_riskdecision"
COLUMNS = [
    "account_id", "policy_version_id", "kind", "status", "previous_limit", "proposed_limit", "reason_codes",
    "inputs", "trigger_key", "segment", "created_at", "reviewed_by_id", "reviewed_at", "review_note", "limit_change_id",
    "notice_id",
]  # fmt: skip


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # Frozen here rather than imported: an applied migration must not change with later code.
        old = ", ".join(f"OLD.{column}" for column in COLUMNS)
        new = ", ".join(f"NEW.{column}" for column in COLUMNS)
        schema_editor.execute(f"""
CREATE TRIGGER {TABLE}_sealed_update BEFORE UPDATE ON {TABLE}
    FOR EACH ROW WHEN (ROW({old}) IS DISTINCT FROM ROW({new}))
    EXECUTE FUNCTION portal_sealed_row_guard('accounts.riskdecision');
CREATE TRIGGER {TABLE}_sealed_delete BEFORE DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION portal_sealed_row_guard('accounts.riskdecision');
""")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"""
DROP TRIGGER IF EXISTS {TABLE}_sealed_update ON {TABLE};
DROP TRIGGER IF EXISTS {TABLE}_sealed_delete ON {TABLE};
""")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0028_h18s_segments_stress"), ("portal", "0010_h20s_seals")]

    operations = [migrations.RunPython(forward, backward)]
