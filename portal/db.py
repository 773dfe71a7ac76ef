"""Database helpers for writes made by the thousand (a policy run's ledger rows, notices, audit
events). On PostgreSQL they avoid binding one parameter per value: ids come from the table's
sequence in one query and the rows travel by COPY; elsewhere the ORM's bulk operations do."""

import hashlib
import json

from django.db import connection
from django.db.models import JSONField
from django.db.models.expressions import RawSQL
from django.utils import timezone


def ids_among(ids):
    """A value for ``pk__in``/``<fk>__in`` that is one array parameter on PostgreSQL, however
    many ids (a list of thousands makes a statement with thousands of placeholders)."""
    ids = list(ids)
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [ids])
    return ids


def transaction_lock(name):
    """Hold the lock called ``name`` until the current transaction ends (PostgreSQL's advisory
    transaction lock; elsewhere nothing, SQLite lets one transaction write at a time anyway)."""
    if connection.vendor != "postgresql":
        return
    key = int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def bulk_statements_prepare():
    """Inside a transaction that runs set-based statements over many rows (an import, a policy
    run): give them the memory for in-memory hashes and sorts, and switch off JIT compilation,
    which the planner chooses for such statements and which costs more than it saves here
    (seconds of compiling for a statement run once). PostgreSQL only; lasts to the transaction's end."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL jit = off")


def _stamped(field):
    return getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False)


def _copy(cursor, model, fields, rows):
    """COPY ``rows`` (lists of Python values, one per field in ``fields``) into ``model``'s table;
    JSON fields are encoded here, as the ORM would."""
    encoders = [(index, field.encoder) for index, field in enumerate(fields) if isinstance(field, JSONField)]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    with cursor.copy(f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
        for values in rows:
            for index, encoder in encoders:
                if values[index] is not None:
                    values[index] = json.dumps(values[index], cls=encoder)
            copy.write_row(values)


def rows_insert(model, rows):
    """``model.objects.bulk_create(rows)`` for plain rows (no multi-table inheritance, no
    signals relied upon): sets each row's primary key and returns the rows in order."""
    if not rows:
        return rows
    if connection.vendor != "postgresql":
        return model.objects.bulk_create(rows)
    options = model._meta
    fields = options.concrete_fields
    plans = [(field.attname, field if _stamped(field) else None) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [options.db_table, options.pk.column, len(rows)],
        )
        for row, (pk,) in zip(rows, cursor.fetchall(), strict=True):
            setattr(row, options.pk.attname, pk)
        _copy(
            cursor.cursor,
            model,
            fields,
            (
                [stamped.pre_save(row, add=True) if stamped else getattr(row, attname) for attname, stamped in plans]
                for row in rows
            ),
        )
    for row in rows:
        row._state.adding = False
        row._state.db = connection.alias
    return rows


def rows_append(model, rows):
    """Append rows that nobody reads back in this call (audit events): each a dict of field
    attnames to values, absent fields taking their defaults. No model instances are built, and
    the database numbers the rows. Nothing is returned."""
    if not rows:
        return
    options = model._meta
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**row) for row in rows])
        return
    fields = [field for field in options.concrete_fields if field is not options.pk]
    now = timezone.now()
    defaults = [(field.attname, now if _stamped(field) else field.get_default()) for field in fields]
    values = ([row.get(attname, default) for attname, default in defaults] for row in rows)
    with connection.cursor() as cursor:
        _copy(cursor.cursor, model, fields, values)
