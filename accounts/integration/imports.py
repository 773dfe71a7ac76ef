"""Bulk import of the core system's files (CSV or JSON Lines), for ``manage.py import_core_data``.

The file is streamed in chunks, so memory stays flat whatever its size, and every row goes
through the same validator as the API. The whole import is one transaction: the first bad row
stops it, names its line and field, and nothing is kept.

On PostgreSQL the high-volume kinds (balances, repayment schedules, score updates, risk signals)
are copied into a temporary staging table with COPY and merged with a few set-based statements.
Customers and accounts always go through their services row by row (ID-number checks, the
limit-change ledger and notices); so does everything on SQLite, in chunks with bulk writes."""

import csv
import itertools
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.integration import services
from accounts.models import CreditAccount, CreditScore, RepaymentInstallment, RiskSignal
from portal.exceptions import PortalError

CHUNK_SIZE = 5000
FORMATS = {".csv": "csv", ".jsonl": "jsonl"}


class CoreDataImportError(PortalError):
    """The file cannot be imported; nothing was changed. ``line`` is 1-based (a CSV header is
    line 1), ``field`` the column or JSON key at fault."""

    def __init__(self, *, path, line, field, message):
        self.path, self.line, self.field = path, line, field
        where = _("%(path)s, line %(line)s") % {"path": path, "line": line} if line else str(path)
        if field:
            where += ", " + _("field “%(field)s”") % {"field": field}
        super().__init__(
            _("%(where)s: %(message)s Nothing was imported.") % {"where": where, "message": message},
            code="import_failed",
        )


@dataclass
class ImportSummary:
    kind: str
    path: Path
    rows_read: int
    counts: services.Counts
    method: str


def _csv_rows(handle, path, kind):
    reader = csv.reader(handle)
    header = next(reader, None)
    if header is None:
        return
    header = [name.strip() for name in header]
    for name in header:
        if name not in kind.fields:
            raise CoreDataImportError(
                path=path, line=1, field=name, message=_("Unknown column: use only the documented fields.")
            )
        if header.count(name) > 1:
            raise CoreDataImportError(path=path, line=1, field=name, message=_("This column appears twice."))
    line = reader.line_num
    for record in reader:
        start, line = line + 1, reader.line_num
        if not record:
            continue
        if len(record) > len(header):
            raise CoreDataImportError(
                path=path, line=start, field="", message=_("This line has more values than the header has columns.")
            )
        yield start, dict(zip(header, record, strict=False))


def _jsonl_rows(handle, path, kind):
    for line, text in enumerate(handle, start=1):
        if not text.strip():
            continue
        try:
            # Decimal keeps amounts exact, as the API's validators expect.
            yield line, json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as error:
            raise CoreDataImportError(
                path=path, line=line, field="", message=_("This line is not valid JSON (%(error)s).") % {"error": error}
            ) from None


def _chunks(iterable, size):
    iterator = iter(iterable)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def core_data_import(*, kind, path, chunk_size=CHUNK_SIZE):
    """Import one file of ``kind`` (a key of ``services.ROW_KINDS``), all or nothing."""
    path = Path(path)
    row_kind = services.ROW_KINDS[kind]
    file_format = FORMATS.get(path.suffix.lower())
    if file_format is None:
        raise CoreDataImportError(
            path=path, line=None, field="", message=_("Name the file .csv or .jsonl so its format is known.")
        )
    read = _csv_rows if file_format == "csv" else _jsonl_rows
    batch_now = timezone.now()
    rows_read = 0
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as error:
        raise CoreDataImportError(path=path, line=None, field="", message=error.strerror or str(error)) from None
    with handle, transaction.atomic():
        loader = _loader_for(row_kind, path)
        for chunk in _chunks(read(handle, path, row_kind), chunk_size):
            batch = services.Batch(kind=row_kind, now=batch_now)
            for line, raw in chunk:
                batch.add(line, raw)
                if batch.errors:
                    _fail(path, batch.errors)
            rows_read += len(chunk)
            loader.add(batch.rows)
        counts = loader.finish()
        services.integration_summary_record(kind=kind, counts=counts, source=path.name)
    return ImportSummary(kind=kind, path=path, rows_read=rows_read, counts=counts, method=loader.method)


def _fail(path, errors):
    first = min(errors)
    raise CoreDataImportError(path=path, line=first.row, field=first.field, message=first.message)


def _loader_for(kind, path):
    staging = STAGING.get(kind.name)
    if staging is not None and connection.vendor == "postgresql":
        return staging(kind, path)
    return _ServiceLoader(kind, path)


class _ServiceLoader:
    """Checks and writes chunk by chunk through the kind's own ``check`` and ``write``. It keeps
    the keys seen so far to refuse a duplicate in a later chunk."""

    method = "orm"

    def __init__(self, kind, path):
        self.kind, self.path = kind, path
        self.seen = {}
        self.counts = services.Counts()

    def add(self, rows):
        errors = self.kind.duplicates(rows, seen=self.seen) + self.kind.check(rows)
        if errors:
            _fail(self.path, errors)
        self.counts += self.kind.write(rows, actor=None)

    def finish(self):
        return self.counts


class _Staging:
    """PostgreSQL: COPY each chunk into a temporary table, then check and merge set-based.

    Subclasses give the staging ``columns`` (after ``line`` and ``key``), how a cleaned row
    becomes a staging tuple, their checks (each returns the first offending line, or nothing)
    and their merge."""

    method = "copy"
    table = "integration_import_staging"
    columns = ""

    def __init__(self, kind, path):
        self.kind, self.path = kind, path
        self.total = 0
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {self.table} (line integer NOT NULL, key text NOT NULL, {self.columns}) "
                "ON COMMIT DROP"
            )

    def add(self, rows):
        errors = services.accounts_resolve(rows)
        if errors:
            _fail(self.path, errors)
        names = ", ".join(["line", "key", *(column.split()[0] for column in self.columns.split(", "))])
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {self.table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((row.position, self.kind.key(row.values), *self.staged(row.values)))
        self.total += len(rows)

    def staged(self, values):
        raise NotImplementedError

    def finish(self):
        with connection.cursor() as cursor:
            # A temporary table is never analysed automatically; without statistics the planner
            # guesses badly for the joins below.
            cursor.execute(f"ANALYZE {self.table}")
            cursor.execute(
                f"""SELECT line, key FROM (
                        SELECT line, key, row_number() OVER (PARTITION BY key ORDER BY line) AS seen
                        FROM {self.table}
                    ) AS numbered WHERE seen > 1 ORDER BY line LIMIT 1"""
            )
            duplicate = cursor.fetchone()
            if duplicate:
                line, key = duplicate
                raise CoreDataImportError(
                    path=self.path,
                    line=line,
                    field=self.kind.key_field,
                    message=services.duplicate_message(self.kind, key),
                )
            for check in self.checks():
                cursor.execute(check.sql)
                found = cursor.fetchone()
                if found:
                    raise CoreDataImportError(
                        path=self.path, line=found[0], field=check.field, message=check.message(*found[1:])
                    )
            counts = self.merge(cursor)
            cursor.execute(f"DROP TABLE {self.table}")
        return counts

    def checks(self):
        return []

    def merge(self, cursor):
        raise NotImplementedError


@dataclass
class _Check:
    sql: str
    field: str
    message: object


class _BalanceStaging(_Staging):
    columns = "account_id bigint NOT NULL, outstanding_balance numeric(12, 2) NOT NULL"

    def staged(self, values):
        return values["account_id"], values["outstanding_balance"]

    def merge(self, cursor):
        cursor.execute(
            f"""UPDATE {CreditAccount._meta.db_table} AS account
                SET outstanding_balance = staged.outstanding_balance, updated_at = %s
                FROM {self.table} AS staged
                WHERE account.id = staged.account_id
                  AND account.outstanding_balance <> staged.outstanding_balance""",
            [timezone.now()],
        )
        return services.Counts(updated=cursor.rowcount, unchanged=self.total - cursor.rowcount)


class _InstallmentStaging(_Staging):
    columns = (
        "account_id bigint NOT NULL, due_date date NOT NULL, amount_due numeric(12, 2) NOT NULL, "
        "amount_paid numeric(12, 2) NOT NULL, paid_at timestamptz, status text NOT NULL"
    )
    mirrored = services.InstallmentRows.mirrored

    def staged(self, values):
        return (values["account_id"], *(values[name] for name in self.mirrored))

    def checks(self):
        return [
            _Check(
                f"""SELECT staged.line FROM {self.table} AS staged
                    JOIN {RepaymentInstallment._meta.db_table} AS stored ON stored.external_id = staged.key
                    WHERE stored.account_id <> staged.account_id ORDER BY staged.line LIMIT 1""",
                "account_external_id",
                lambda: _("This installment belongs to another account; it cannot move between accounts."),
            )
        ]

    def merge(self, cursor):
        table = RepaymentInstallment._meta.db_table
        columns = ", ".join(self.mirrored)
        cursor.execute(
            f"""WITH merged AS (
                    INSERT INTO {table} (external_id, account_id, {columns})
                    SELECT key, account_id, {columns} FROM {self.table} ORDER BY line
                    ON CONFLICT (external_id) DO UPDATE SET
                        {", ".join(f"{name} = EXCLUDED.{name}" for name in self.mirrored)}
                    WHERE ({", ".join(f"{table}.{name}" for name in self.mirrored)})
                        IS DISTINCT FROM ({", ".join(f"EXCLUDED.{name}" for name in self.mirrored)})
                    RETURNING xmax = 0 AS inserted
                )
                SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM merged"""
        )
        created, updated = cursor.fetchone()
        return services.Counts(created=created, updated=updated, unchanged=self.total - created - updated)


class _SignalStaging(_Staging):
    columns = "account_id bigint NOT NULL, kind text NOT NULL, value numeric(10, 2) NOT NULL, observed_at timestamptz NOT NULL"

    def staged(self, values):
        return values["account_id"], values["kind"], values["value"], values["observed_at"]

    def checks(self):
        names = self.kind.field_names
        differs = " OR ".join(f"stored.{name} <> staged.{name}" for name in names)
        first_difference = " ".join(f"WHEN stored.{name} <> staged.{name} THEN '{names[name]}'" for name in names)
        scores = f"""SELECT line, account_id, observed_at, value FROM {self.table}
                     WHERE kind = '{RiskSignal.Kind.SCORE_UPDATE}'"""
        return [
            # A stored signal with the same external id but other values (reported on its own field).
            _SignalConflictCheck(
                f"""SELECT staged.line, CASE {first_difference} END FROM {self.table} AS staged
                    JOIN {RiskSignal._meta.db_table} AS stored ON stored.external_id = staged.key
                    WHERE {differs} ORDER BY staged.line LIMIT 1"""
            ),
            _Check(
                f"""SELECT staged.line, stored.score FROM ({scores}) AS staged
                    JOIN {CreditScore._meta.db_table} AS stored
                      ON stored.account_id = staged.account_id AND stored.scored_at = staged.observed_at
                    WHERE stored.score <> staged.value ORDER BY staged.line LIMIT 1""",
                names["value"],
                services.score_conflict_message,
            ),
            _Check(
                f"""SELECT later.line FROM ({scores}) AS later JOIN ({scores}) AS earlier
                      ON earlier.account_id = later.account_id AND earlier.observed_at = later.observed_at
                     AND earlier.line < later.line AND earlier.value <> later.value
                    ORDER BY later.line LIMIT 1""",
                names["value"],
                services.score_batch_conflict_message,
            ),
        ]

    def merge(self, cursor):
        cursor.execute(
            f"""INSERT INTO {RiskSignal._meta.db_table}
                    (external_id, account_id, kind, value, observed_at, received_at, evaluated_at)
                SELECT key, account_id, kind, value, observed_at, %s, NULL FROM {self.table} ORDER BY line
                ON CONFLICT (external_id) DO NOTHING""",
            [timezone.now()],
        )
        created = cursor.rowcount
        # Every score update has its point in the score history, including ones whose signal
        # arrived before: recording it is idempotent.
        cursor.execute(
            f"""INSERT INTO {CreditScore._meta.db_table} (account_id, score, scored_at)
                SELECT account_id, value::integer, observed_at FROM {self.table}
                WHERE kind = '{RiskSignal.Kind.SCORE_UPDATE}'
                ON CONFLICT (account_id, scored_at) DO NOTHING"""
        )
        return services.Counts(created=created, unchanged=self.total - created)


class _SignalConflictCheck(_Check):
    """The field at fault comes from the query itself (the first attribute that differs)."""

    def __init__(self, sql):
        super().__init__(sql=sql, field="", message=None)

    def run(self, cursor, path):
        cursor.execute(self.sql)
        found = cursor.fetchone()
        if found:
            line, field_name = found
            raise CoreDataImportError(
                path=path, line=line, field=field_name, message=services.signal_conflict_message(field_name)
            )


STAGING = {
    "balances": _BalanceStaging,
    "repayment-schedules": _InstallmentStaging,
    "score-updates": _SignalStaging,
    "risk-signals": _SignalStaging,
}
