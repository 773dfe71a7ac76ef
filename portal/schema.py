"""What migrations call: schema changes Django's operations make badly, and group permissions.

Keep what these functions do stable: applied migrations call them by name."""

from django.contrib.auth.management import create_permissions


def _names(schema_editor, table, column):
    """The names Django gives the index it makes for ``db_index`` on one column, and the
    pattern-matching twin it adds for a CharField on PostgreSQL."""
    plain = schema_editor._create_index_name(table, [column], suffix="")
    return plain, schema_editor._create_index_name(table, [column], suffix="_like")


def column_indexes_tidy(schema_editor, table, column, *, keep_as=None, unique_as=None):
    """Drop the indexes Django made on ``table.column`` for ``db_index=True`` or ``unique=True``
    (the plain one and, on PostgreSQL, its ``_like`` twin), keeping the plain one renamed
    ``keep_as`` when given, and renaming the column's unique constraint ``unique_as`` when given.
    Any other index or constraint on the column (a partial unique index, say) is left alone.

    Django's own AlterField would drop and re-add the column's foreign key (checking every row
    again under lock) and drop every plain-looking index on the column, partial unique ones
    included; AddIndex would then build again an index that was already there."""
    connection = schema_editor.connection
    quote = schema_editor.quote_name
    postgresql = connection.vendor == "postgresql"
    made = set(_names(schema_editor, table, column))
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    for name, info in constraints.items():
        if info["columns"] != [column] or info["primary_key"] or info["foreign_key"] or info["check"]:
            continue
        if info["unique"]:
            if unique_as and postgresql and not info["index"]:  # the constraint unique=True made
                schema_editor.execute(
                    f"ALTER TABLE {quote(table)} RENAME CONSTRAINT {quote(name)} TO {quote(unique_as)}"
                )
                unique_as = None
            continue
        if name not in made:
            continue
        if keep_as and postgresql and not name.endswith("_like"):
            schema_editor.execute(f"ALTER INDEX {quote(name)} RENAME TO {quote(keep_as)}")
            keep_as = None
        else:
            schema_editor.execute(f"DROP INDEX {quote(name)}")
    if keep_as:
        schema_editor.execute(f"CREATE INDEX {quote(keep_as)} ON {quote(table)} ({quote(column)})")
    if unique_as:  # elsewhere the inline constraint cannot be renamed: this index names it
        schema_editor.execute(f"CREATE UNIQUE INDEX {quote(unique_as)} ON {quote(table)} ({quote(column)})")


def column_indexes_untidy(schema_editor, table, column, *, keep_as=None, unique_as=None, like=False):
    """Undo ``column_indexes_tidy`` with the same arguments: the plain index under Django's name
    again (unless the column was unique), its ``_like`` twin on PostgreSQL when ``like``, and the
    unique constraint's former name."""
    quote = schema_editor.quote_name
    postgresql = schema_editor.connection.vendor == "postgresql"
    plain, pattern = _names(schema_editor, table, column)
    if unique_as:
        if postgresql:
            schema_editor.execute(
                f"ALTER TABLE {quote(table)} RENAME CONSTRAINT {quote(unique_as)} TO {quote(f'{table}_{column}_key')}"
            )
        else:
            schema_editor.execute(f"DROP INDEX {quote(unique_as)}")
    elif keep_as and postgresql:
        schema_editor.execute(f"ALTER INDEX {quote(keep_as)} RENAME TO {quote(plain)}")
    else:
        if keep_as:
            schema_editor.execute(f"DROP INDEX {quote(keep_as)}")
        schema_editor.execute(f"CREATE INDEX {quote(plain)} ON {quote(table)} ({quote(column)})")
    if like and postgresql:
        schema_editor.execute(f"CREATE INDEX {quote(pattern)} ON {quote(table)} ({quote(column)} varchar_pattern_ops)")


def group_permissions_grant(apps, group_permissions, *, app_label):
    """Give each named group (made if missing) the ``app_label`` permissions listed for it, in a
    data migration: the permissions of models and Meta options created earlier in the same
    migration run are made first (Django would only make them after the last migration)."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in group_permissions.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))


def group_permissions_revoke(apps, group_permissions, *, app_label):
    """Undo ``group_permissions_grant``: take the listed permissions back from the groups that
    exist (the groups themselves stay)."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name__in=group_permissions):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label=app_label, codename__in=group_permissions[group.name])
        )
