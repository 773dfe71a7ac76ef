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


def rows_append(model, rows):
    """Append rows that nobody reads back in this call (audit events): each a dict of field
    attnames to values, absent fields taking their defaults. No model instances are built, and
    the database numbers the rows. Nothing is returned."""
    if not rows:
        return
    options = model._meta
    fields = [field for field in options.concrete_fields if field is not options.pk]
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**row) for row in rows])
        return
    now = timezone.now()
    plans = []
    for field in fields:
        if getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
            default = now
        else:
            default = field.get_default()
        encoder = field.encoder if isinstance(field, JSONField) else None
        plans.append((field.attname, default, isinstance(field, JSONField), encoder))
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {connection.ops.quote_name(options.db_table)} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            values = []
            for attname, default, is_json, encoder in plans:
                value = row.get(attname, default)
                if is_json and value is not None:
                    value = json.dumps(value, cls=encoder)
                values.append(value)
            copy.write_row(values)
