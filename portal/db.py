"""Database helpers for writes made by the thousand (a policy run's ledger rows, notices, audit
events). On PostgreSQL they avoid binding one parameter per value: ids come from the table's
sequence in one query and the rows travel by COPY; elsewhere the ORM's bulk operations do."""

import json

from django.db import connection
from django.db.models import JSONField
from django.db.models.expressions import RawSQL


def ids_among(ids):
    """A value for ``pk__in``/``<fk>__in`` that is one array parameter on PostgreSQL, however
    many ids (a list of thousands makes a statement with thousands of placeholders)."""
    ids = list(ids)
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [ids])
    return ids


def rows_insert(model, rows):
    """``model.objects.bulk_create(rows)`` for plain rows (no multi-table inheritance, no
    signals relied upon): sets each row's primary key and returns the rows in order."""
    if not rows:
        return rows
    if connection.vendor != "postgresql":
        return model.objects.bulk_create(rows)
    options = model._meta
    fields = options.concrete_fields
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [options.db_table, options.pk.column, len(rows)],
        )
        for row, (pk,) in zip(rows, cursor.fetchall(), strict=True):
            setattr(row, options.pk.attname, pk)
        columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
        plans = []
        for field in fields:
            if isinstance(field, JSONField):
                plans.append((field.attname, "json", field.encoder))
            elif getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
                plans.append((field.attname, "now", field))
            else:
                plans.append((field.attname, "plain", None))
        with cursor.cursor.copy(f"COPY {connection.ops.quote_name(options.db_table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                values = []
                for attname, how, extra in plans:
                    if how == "plain":
                        values.append(getattr(row, attname))
                    elif how == "json":
                        value = getattr(row, attname)
                        values.append(None if value is None else json.dumps(value, cls=extra))
                    else:
                        values.append(extra.pre_save(row, add=True))
                copy.write_row(values)
    for row in rows:
        row._state.adding = False
        row._state.db = connection.alias
    return rows
