"""Notices' texts (body, email text and HTML, a few KB each) are compressed with LZ4 instead of
PostgreSQL's default pglz: a policy run writes thousands at once, and LZ4 compresses them in
about half the time, a little smaller. Only on a PostgreSQL server built with LZ4 (14 and later,
as Debian's and most are); elsewhere nothing changes. Values already stored stay as they are."""

from django.db import migrations

COLUMNS = ["body", "email_text", "email_html"]


def _lz4_available(schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return False
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")
        row = cursor.fetchone()
    return bool(row and row[0])


def _set_compression(method):
    def apply(apps, schema_editor):
        if not _lz4_available(schema_editor):
            return
        table = schema_editor.quote_name(apps.get_model("portal", "Notification")._meta.db_table)
        changes = ", ".join(
            f"ALTER COLUMN {schema_editor.quote_name(name)} SET COMPRESSION {method}" for name in COLUMNS
        )
        schema_editor.execute(f"ALTER TABLE {table} {changes}")

    return apply


class Migration(migrations.Migration):
    dependencies = [("portal", "0003_notification_email_backoff")]

    operations = [migrations.RunPython(_set_compression("lz4"), _set_compression("pglz"))]
