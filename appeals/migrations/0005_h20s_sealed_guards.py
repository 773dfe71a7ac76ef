"""On PostgreSQL, sealed appeal events and decided approvals keep their sealed columns and are never deleted."""

from django.db import migrations

TABLES = {
    "appeals_appealevent": (
        "appeals.appealevent",
        ["appeal_id", "kind", "actor_id", "public", "description", "data", "created_at"],
    ),
    "appeals_appealapproval": (
        "appeals.appealapproval",
        [
            "appeal_id", "level", "outcome", "restored_limit", "restored_status", "reason", "requested_by_id",
            "requested_at", "status", "approver_id", "decided_at", "note",
        ],
    ),
}  # fmt: skip


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, (label, columns) in TABLES.items():
        old = ", ".join(f"OLD.{column}" for column in columns)
        new = ", ".join(f"NEW.{column}" for column in columns)
        schema_editor.execute(f"""
CREATE TRIGGER {table}_sealed_update BEFORE UPDATE ON {table}
    FOR EACH ROW WHEN (ROW({old}) IS DISTINCT FROM ROW({new}))
    EXECUTE FUNCTION portal_sealed_row_guard('{label}');
CREATE TRIGGER {table}_sealed_delete BEFORE DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION portal_sealed_row_guard('{label}');
""")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"""
DROP TRIGGER IF EXISTS {table}_sealed_update ON {table};
DROP TRIGGER IF EXISTS {table}_sealed_delete ON {table};
""")


class Migration(migrations.Migration):
    dependencies = [("appeals", "0004_evidence_names_by_type"), ("portal", "0010_h20s_seals")]

    operations = [migrations.RunPython(forward, backward)]
