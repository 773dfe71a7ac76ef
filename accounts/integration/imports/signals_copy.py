"""The fast path for a plain risk-signals CSV file on PostgreSQL: COPY the whole file as text,
check it set-based, and move it into the staging table, skipping the row-by-row validator.

A file takes this path when its ids are ASCII, 1 to 64 long and without surrounding whitespace
(what that validator keeps unchanged) and every distinct (kind, value, observed_at) it holds
passes that validator's own parsers and rules, parsing to what PostgreSQL reads from the same
text. A policy batch repeats few such triples, so they are checked once each. Any other file, or
a COPY that fails, goes down the row-by-row path (which names the first bad row). Tests pin that
both paths leave the same data and refuse the same rows.

The SQL is put together from model metadata and constants only (hence the ``noqa: S608``)."""

import csv

from django.db import DatabaseError, connection, transaction

from accounts.integration.fields import RowValueError
from accounts.models import CreditAccount

RAW_TABLE = "integration_import_raw"
_PLAIN_ID = (
    "octet_length({0}) = length({0}) AND length({0}) BETWEEN 1 AND 64"
    " AND {0} = btrim({0}, E' \\t\\n\\r\\f\\x0b\\x1c\\x1d\\x1e\\x1f')"
)
_PLAIN_IDS = f"{_PLAIN_ID.format('raw.external_id')} AND {_PLAIN_ID.format('raw.account_external_id')}"


class _FallBack(Exception):
    """The file needs the row-by-row path (which also names the first bad row)."""


def risk_signals_csv_copy(loader, handle, *, now):
    """``SignalStaging.copy_csv`` for the risk-signals kind: the number of rows staged, or None
    (nothing kept, ``handle`` to be read again) when the file must go row by row."""
    fields = list(loader.kind.fields)
    encoding = getattr(loader, "encoding", "utf-8")
    try:
        header = next(csv.reader([handle.readline().decode(encoding).removeprefix("\ufeff")]))
    except (UnicodeDecodeError, StopIteration, csv.Error):
        return None
    if sorted(header) != sorted(fields):
        return None
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            lines = _raw_copy(cursor, handle, header=header, fields=fields, loader=loader)
            _plain_ids_check(cursor)
            _signal_triples_check(cursor, loader.kind, now)
            count = _staging_fill(cursor, loader.table)
            if count != lines:  # a quoted line break: line numbers would not be row numbers
                raise _FallBack
            cursor.execute(f"DROP TABLE {RAW_TABLE}")
    except (_FallBack, DatabaseError, connection.Database.Error):
        return None
    loader.total = count
    return count


# Python's name of an encoding --encoding accepts → PostgreSQL's.
_COPY_ENCODINGS = {"utf-8": "UTF8", "gb18030": "GB18030"}


def _raw_copy(cursor, handle, *, header, fields, loader):
    """COPY the rest of the file, as text, into a temporary table; returns its number of lines."""
    encoding = _COPY_ENCODINGS[getattr(loader, "encoding", "utf-8")]
    progress = getattr(loader, "progress", None)
    cursor.execute(
        f"""CREATE TEMPORARY TABLE {RAW_TABLE} (
                number bigint GENERATED ALWAYS AS IDENTITY, {", ".join(f"{name} text" for name in fields)}
            ) ON COMMIT DROP"""
    )
    with cursor.cursor.copy(
        f"COPY {RAW_TABLE} ({', '.join(header)}) FROM STDIN WITH (FORMAT csv, ENCODING '{encoding}')"
    ) as copy:
        lines, last = 0, b"\n"
        while data := handle.read(1 << 20):
            copy.write(data)
            lines, last = lines + data.count(b"\n"), data[-1:]
            if progress is not None:
                progress(handle.tell(), None)
        lines += last != b"\n"
    return lines


def _plain_ids_check(cursor):
    cursor.execute(f"SELECT 1 FROM {RAW_TABLE} AS raw WHERE NOT coalesce({_PLAIN_IDS}, false) LIMIT 1")  # noqa: S608
    if cursor.fetchone():
        raise _FallBack


def _signal_triples_check(cursor, kind, now):
    """Raise _FallBack unless every distinct (kind, value, observed_at) is valid and read alike."""
    fields = kind.fields
    cursor.execute(
        f"""SELECT kind, value, observed_at, value::numeric, observed_at::timestamptz
            FROM (SELECT DISTINCT kind, value, observed_at FROM {RAW_TABLE}) AS triples"""  # noqa: S608
    )
    while batch := cursor.fetchmany(10_000):
        for kind_text, value_text, moment_text, stored_value, stored_moment in batch:
            if kind_text is None or value_text is None or moment_text is None:
                raise _FallBack
            try:
                values = {
                    "kind": fields["kind"].parse(kind_text, now=now),
                    "value": fields["value"].parse(value_text, now=now),
                    "observed_at": fields["observed_at"].parse(moment_text, now=now),
                }
            except RowValueError:
                raise _FallBack from None
            if kind.check_values(values) or (values["kind"], values["value"], values["observed_at"]) != (
                kind_text,
                stored_value,
                stored_moment,
            ):
                raise _FallBack


def _staging_fill(cursor, staging_table):
    """Move the raw rows into the staging table with their accounts resolved; returns the count."""
    # Each row is one line (checked by the caller): line = number + 1.
    cursor.execute(
        f"""INSERT INTO {staging_table} (line, key, account_external_id, account_id, kind, value, observed_at)
            SELECT raw.number + 1, raw.external_id, raw.account_external_id, account.id, raw.kind,
                raw.value::numeric, raw.observed_at::timestamptz
            FROM {RAW_TABLE} AS raw
            LEFT JOIN {CreditAccount._meta.db_table} AS account
              ON account.external_id = raw.account_external_id"""  # noqa: S608
    )
    return cursor.rowcount
