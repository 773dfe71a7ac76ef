"""A limit change names its policy version by a foreign key, no longer by a "v<N>" label that
readers parse back.

The text column is renamed out of the way, the key column added under the field's own name (so
its index and constraint get their usual names), filled from the labels ("v12" → version 12;
any other label, or a version that no longer exists, → empty), and the text column dropped.
Backwards, the label is written again from the key ("v" and the version's id).

The ledger is append-only: on PostgreSQL a trigger refuses every UPDATE of its rows (migrations
0005 and 0013). The data step switches the table's own triggers off around its one UPDATE and
on again before it ends, inside the migration's transaction, so they are never off for anyone
else; SQLite has no such triggers."""

import django.db.models.deletion
from django.db import migrations, models

TABLE = "accounts_limitchange"


def _version_id(label, known_ids):
    number = label[1:]
    if label.startswith("v") and number.isdigit() and int(number) in known_ids:
        return int(number)
    return None


def _ledger_update(schema_editor, sql, params):
    """Run one UPDATE of the ledger past its append-only trigger (PostgreSQL), which is on again
    afterwards. The foreign keys it touched are checked at once: their deferred checks would
    otherwise still be pending when the next step alters the table, which PostgreSQL refuses."""
    postgresql = schema_editor.connection.vendor == "postgresql"
    if postgresql:
        schema_editor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
    schema_editor.execute(sql, params)
    if postgresql:
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER USER")


def labels_to_versions(apps, schema_editor):
    PolicyVersion = apps.get_model("accounts", "PolicyVersion")
    known_ids = set(PolicyVersion.objects.values_list("pk", flat=True))
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT policy_version_label FROM {TABLE} WHERE policy_version_label <> ''")  # noqa: S608
        labels = [label for (label,) in cursor.fetchall()]
    version_by_label = {label: _version_id(label, known_ids) for label in labels}
    version_by_label = {label: pk for label, pk in version_by_label.items() if pk is not None}
    if not version_by_label:
        return
    # One pass over the ledger whatever the number of versions (there are a few).
    cases = " ".join("WHEN %s THEN %s" for _ in version_by_label)
    places = ", ".join("%s" for _ in version_by_label)
    params = [value for pair in version_by_label.items() for value in pair] + list(version_by_label)
    _ledger_update(
        schema_editor,
        f"UPDATE {TABLE} SET policy_version_id = CASE policy_version_label {cases} END "  # noqa: S608
        f"WHERE policy_version_label IN ({places})",
        params,
    )


def versions_to_labels(apps, schema_editor):
    _ledger_update(
        schema_editor,
        f"UPDATE {TABLE} SET policy_version_label = 'v' || policy_version_id WHERE policy_version_id IS NOT NULL",  # noqa: S608
        None,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0018_closure_request_rejected_by"),
    ]

    operations = [
        migrations.RenameField(model_name="limitchange", old_name="policy_version", new_name="policy_version_label"),
        migrations.AddField(
            model_name="limitchange",
            name="policy_version",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="limit_changes",
                to="accounts.policyversion",
                verbose_name="policy version",
            ),
        ),
        migrations.RunPython(labels_to_versions, versions_to_labels),
        migrations.RemoveField(model_name="limitchange", name="policy_version_label"),
    ]
