"""Bulk import of the core system's files (CSV or JSON Lines), for ``manage.py import_core_data``.

The file is streamed in chunks, so memory stays flat whatever its size, and every row goes
through the same validator as the API. The whole import is one transaction: the first bad row
stops it, names its line and field, and nothing is kept.

On PostgreSQL the high-volume kinds (balances, repayment schedules, score updates, risk signals)
are copied into a temporary staging table with COPY and merged with a few set-based statements.
Customers and accounts always go through their services row by row (ID-number checks, the
limit-change ledger and notices); so does everything on SQLite, in chunks with bulk writes.

The SQL below is put together from model metadata and constants only (hence the ``noqa: S608``);
every value from a file travels through COPY or as a query parameter."""

import abc
import csv
import itertools
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.integration import services
from accounts.integration.fields import RowValueError
from accounts.models import CreditAccount, CreditScore, RepaymentInstallment, RiskSignal
from accounts.risk.services import risk_signals_write_lock
from portal.db import bulk_statements_prepare
from portal.exceptions import PortalError

CHUNK_SIZE = 5000
ANALYZE_AFTER_ROWS = 50_000
FORMATS = {".csv": "csv", ".jsonl": "jsonl"}


class CoreDataImportError(PortalError):
    """The file cannot be imported; nothing was changed. ``line`` is 1-based (a CSV header is
    line 1), ``field`` the column or JSON key at fault."""

    def __init__(self, *, path, line, field, message):
        where = _("%(path)s, line %(line)s") % {"path": path, "line": line} if line else str(path)
        if field:
            where += ", " + _("field “%(field)s”") % {"field": field}
        super().__init__(
            _("%(where)s: %(message)s Nothing was imported.") % {"where": where, "message": message},
            code="import_failed",
            field=field,
        )
        self.path, self.line = path, line


@dataclass
class ImportSummary:
    kind: str
    path: Path
    rows_read: int
    counts: services.Counts
    method: str


def _text_lines(handle, path):
    """The file's lines as text, so that bytes that are not UTF-8 are reported by line."""
    for line, data in enumerate(handle, start=1):
        try:
            yield data.decode("utf-8-sig" if line == 1 else "utf-8")
        except UnicodeDecodeError:
            raise CoreDataImportError(
                path=path, line=line, field="", message=_("This line is not UTF-8 text.")
            ) from None


def _csv_rows(handle, path, kind):
    reader = csv.reader(_text_lines(handle, path))
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
    for line, text in enumerate(_text_lines(handle, path), start=1):
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
        handle = path.open("rb")
    except OSError as error:
        raise CoreDataImportError(path=path, line=None, field="", message=error.strerror or str(error)) from None
    with handle, transaction.atomic():
        bulk_statements_prepare()
        loader = _loader_for(row_kind, path)
        copied = loader.copy_csv(handle, now=batch_now) if file_format == "csv" else None
        if copied is not None:
            rows_read = copied
        else:
            handle.seek(0)
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

    def copy_csv(self, handle, *, now):
        return None

    def __init__(self, kind, path):
        self.kind, self.path = kind, path
        self.seen = {}
        self.counts = services.Counts()

    def add(self, rows):
        rows, errors = self.kind.duplicates(rows, seen=self.seen)
        errors += self.kind.check(rows)
        if errors:
            _fail(self.path, errors)
        self.counts += self.kind.write(rows, actor=None)

    def finish(self):
        return self.counts


class _Check:
    """One set-based rule: ``sql`` selects the first offending line (and what the message needs)."""

    def __init__(self, sql, *, field, message):
        self.sql, self.field, self.message = sql, field, message

    def run(self, cursor, path):
        cursor.execute(self.sql)
        found = cursor.fetchone()
        if found:
            raise CoreDataImportError(path=path, line=found[0], field=self.field, message=self.message(*found[1:]))


class _Staging(abc.ABC):
    """PostgreSQL: COPY each chunk into a temporary table, then check and merge set-based.

    Every staged row has its ``line``, its ``key`` and its account: the account's external id is
    copied and resolved to ``account_id`` with one join. Subclasses give their other ``columns``,
    their ``checks`` and their ``merge``."""

    method = "copy"
    table = "integration_import_staging"
    columns = ()

    def __init__(self, kind, path):
        self.kind, self.path = kind, path
        self.total = 0
        definitions = ", ".join(f"{name} {sql_type}" for name, sql_type in self.columns)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{self.table}")
            cursor.execute(
                f"""CREATE TEMPORARY TABLE {self.table} (
                        line integer NOT NULL, key text NOT NULL, account_external_id text NOT NULL,
                        account_id bigint, {definitions}
                    ) ON COMMIT DROP"""
            )

    def add(self, rows):
        names = ", ".join(["line", "key", "account_external_id", *(name for name, _sql_type in self.columns)])
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {self.table} ({names}) FROM STDIN") as copy:
            for row in rows:
                values = row.values
                copy.write_row(
                    (
                        row.position,
                        self.kind.key(values),
                        values["account_external_id"],
                        *(values[name] for name, _sql_type in self.columns),
                    )
                )
        self.total += len(rows)

    def finish(self):
        with connection.cursor() as cursor:
            # A temporary table is never analysed automatically; without statistics the planner
            # guesses badly for the joins below.
            cursor.execute(f"ANALYZE {self.table}")
            cursor.execute(
                f"""UPDATE {self.table} AS staged SET account_id = account.id
                    FROM {CreditAccount._meta.db_table} AS account
                    WHERE account.external_id = staged.account_external_id
                      AND staged.account_id IS NULL"""  # noqa: S608
            )
            unknown_accounts = _Check(
                f"SELECT line FROM {self.table} WHERE account_id IS NULL ORDER BY line LIMIT 1",  # noqa: S608
                field="account_external_id",
                message=services.unknown_account_message,
            )
            # Keys given twice are found by hashing (a file rarely has any); only their lines
            # are then numbered, to name the first repeat.
            duplicates = _Check(
                f"""SELECT line, key FROM (
                        SELECT line, key, row_number() OVER (PARTITION BY key ORDER BY line) AS seen
                        FROM {self.table}
                        WHERE key IN (SELECT key FROM {self.table} GROUP BY key HAVING count(*) > 1)
                    ) AS numbered WHERE seen > 1 ORDER BY line LIMIT 1""",  # noqa: S608
                field=self.kind.key_field,
                message=lambda key: services.duplicate_message(self.kind, key),
            )
            for check in [unknown_accounts, duplicates, *self.checks()]:
                check.run(cursor, self.path)
            counts = self.merge(cursor)
            cursor.execute(f"DROP TABLE {self.table}")
        return counts

    def copy_csv(self, handle, *, now):
        """Load the whole file by COPY when every row passes ``strict`` (see _SignalStaging);
        returns the number of rows, or None (nothing kept) to go row by row instead."""
        return None

    def checks(self):
        return []

    @abc.abstractmethod
    def merge(self, cursor):
        """Write the staged rows; returns the counts."""


class _BalanceStaging(_Staging):
    columns = (("outstanding_balance", "numeric(12, 2) NOT NULL"),)

    def merge(self, cursor):
        cursor.execute(
            f"""UPDATE {CreditAccount._meta.db_table} AS account
                SET outstanding_balance = staged.outstanding_balance, updated_at = %s
                FROM {self.table} AS staged
                WHERE account.id = staged.account_id
                  AND account.outstanding_balance <> staged.outstanding_balance""",  # noqa: S608
            [timezone.now()],
        )
        return services.Counts(updated=cursor.rowcount, unchanged=self.total - cursor.rowcount)


class _InstallmentStaging(_Staging):
    columns = (
        ("due_date", "date NOT NULL"),
        ("amount_due", "numeric(12, 2) NOT NULL"),
        ("amount_paid", "numeric(12, 2) NOT NULL"),
        ("paid_at", "timestamptz"),
        ("status", "text NOT NULL"),
    )
    mirrored = services.InstallmentRows.mirrored

    def checks(self):
        return [
            _Check(
                f"""SELECT staged.line FROM {self.table} AS staged
                    JOIN {RepaymentInstallment._meta.db_table} AS stored ON stored.external_id = staged.key
                    WHERE stored.account_id <> staged.account_id ORDER BY staged.line LIMIT 1""",  # noqa: S608
                field="account_external_id",
                message=services.installment_moved_message,
            )
        ]

    def merge(self, cursor):
        table = RepaymentInstallment._meta.db_table
        columns = ", ".join(self.mirrored)
        # xmax is 0 only on a freshly inserted row: it tells inserts from updates.
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
                SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM merged"""  # noqa: S608
        )
        created, updated = cursor.fetchone()
        return services.Counts(created=created, updated=updated, unchanged=self.total - created - updated)


class _SignalStaging(_Staging):
    def copy_csv(self, handle, *, now):
        if self.kind.name != "risk-signals":
            return None
        return _copy_signals_csv(self, handle, now=now)

    columns = (
        ("kind", "text NOT NULL"),
        ("value", "numeric(10, 2) NOT NULL"),
        ("observed_at", "timestamptz NOT NULL"),
    )

    def checks(self):
        names = self.kind.field_names  # stored attribute -> the field the file calls it
        first_difference = " ".join(f"WHEN stored.{name} <> staged.{name} THEN '{names[name]}'" for name in names)
        scores = f"SELECT * FROM {self.table} WHERE kind = '{RiskSignal.Kind.SCORE_UPDATE}'"  # noqa: S608
        return [
            _SignalConflictCheck(
                f"""SELECT staged.line, CASE {first_difference} END FROM {self.table} AS staged
                    JOIN {RiskSignal._meta.db_table} AS stored ON stored.external_id = staged.key
                    WHERE {" OR ".join(f"stored.{name} <> staged.{name}" for name in names)}
                    ORDER BY staged.line LIMIT 1"""  # noqa: S608
            ),
            _Check(
                f"""SELECT staged.line, stored.score FROM ({scores}) AS staged
                    JOIN {CreditScore._meta.db_table} AS stored
                      ON stored.account_id = staged.account_id AND stored.scored_at = staged.observed_at
                    WHERE stored.score <> staged.value ORDER BY staged.line LIMIT 1""",  # noqa: S608
                field=names["value"],
                message=services.score_conflict_message,
            ),
            _Check(
                f"""SELECT later.line FROM ({scores}) AS later JOIN ({scores}) AS earlier
                      ON earlier.account_id = later.account_id AND earlier.observed_at = later.observed_at
                     AND earlier.line < later.line AND earlier.value <> later.value
                    ORDER BY later.line LIMIT 1""",  # noqa: S608
                field=names["value"],
                message=services.score_batch_conflict_message,
            ),
        ]

    def merge(self, cursor):
        # Signal writers take turns (see risk_signals_write_lock), so no other can add one of these
        # external ids meanwhile: an anti-join skips the stored ones (the checks above found them
        # identical), cheaper than ON CONFLICT's speculative insert row by row. The file holds
        # no key twice (checked), and the unique constraint stays the backstop.
        risk_signals_write_lock()
        signal = RiskSignal._meta.db_table
        cursor.execute(
            f"""INSERT INTO {signal} (external_id, account_id, kind, value, observed_at, received_at)
                SELECT key, account_id, kind, value, observed_at, %s FROM {self.table} AS staged
                WHERE NOT EXISTS (SELECT 1 FROM {signal} AS stored WHERE stored.external_id = staged.key)
                ORDER BY line""",  # noqa: S608
            [timezone.now()],
        )
        created = cursor.rowcount
        # Every score update has its point in the score history, also one whose signal arrived
        # before; recording it again changes nothing.
        cursor.execute(
            f"""INSERT INTO {CreditScore._meta.db_table} (account_id, score, scored_at)
                SELECT account_id, value::integer, observed_at FROM {self.table}
                WHERE kind = '{RiskSignal.Kind.SCORE_UPDATE}'
                ON CONFLICT (account_id, scored_at) DO NOTHING"""  # noqa: S608
        )
        if self.total >= ANALYZE_AFTER_ROWS:
            # A large import changes the tables' statistics; without fresh ones the next queries
            # (the policy run over these signals) are planned for the tables as they were.
            cursor.execute(f"ANALYZE {RiskSignal._meta.db_table}, {CreditScore._meta.db_table}")
        return services.Counts(created=created, unchanged=self.total - created)


class _FallBack(Exception):
    """The file needs the row-by-row path (which also names the first bad row)."""


# A risk-signals CSV file skips the row-by-row validator when its ids are ASCII, 1 to 64 long and
# without surrounding whitespace (what that validator keeps unchanged) and every distinct (kind, value,
# observed_at) it holds passes that validator's own parsers and rules, parsing to what PostgreSQL
# reads from the same text. A policy batch repeats few such triples, so they are checked once
# each. Any other file, or a COPY that fails, goes down the row-by-row path (which names the
# first bad row).
_PLAIN_ID = (
    "octet_length({0}) = length({0}) AND length({0}) BETWEEN 1 AND 64"
    " AND {0} = btrim({0}, E' \\t\\n\\r\\f\\x0b\\x1c\\x1d\\x1e\\x1f')"
)
_PLAIN_IDS = f"{_PLAIN_ID.format('raw.external_id')} AND {_PLAIN_ID.format('raw.account_external_id')}"


def _signal_triples_check(cursor, kind, raw_table, now):
    """Raise _FallBack unless every distinct (kind, value, observed_at) is valid and read alike."""
    fields = kind.fields
    cursor.execute(
        f"""SELECT kind, value, observed_at, value::numeric, observed_at::timestamptz
            FROM (SELECT DISTINCT kind, value, observed_at FROM {raw_table}) AS triples"""  # noqa: S608
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


def _copy_signals_csv(loader, handle, *, now):
    """``_SignalStaging.copy_csv`` for the risk-signals kind."""
    fields = list(loader.kind.fields)
    try:
        header = next(csv.reader([handle.readline().decode("utf-8-sig")]))
    except (UnicodeDecodeError, StopIteration, csv.Error):
        return None
    if sorted(header) != sorted(fields):
        return None
    raw_table = "integration_import_raw"
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"""CREATE TEMPORARY TABLE {raw_table} (
                        number bigint GENERATED ALWAYS AS IDENTITY, {", ".join(f"{name} text" for name in fields)}
                    ) ON COMMIT DROP"""
            )
            with cursor.cursor.copy(
                f"COPY {raw_table} ({', '.join(header)}) FROM STDIN WITH (FORMAT csv, ENCODING 'UTF8')"
            ) as copy:
                lines, last = 0, b"\n"
                while data := handle.read(1 << 20):
                    copy.write(data)
                    lines, last = lines + data.count(b"\n"), data[-1:]
                lines += last != b"\n"
            cursor.execute(f"SELECT 1 FROM {raw_table} AS raw WHERE NOT coalesce({_PLAIN_IDS}, false) LIMIT 1")  # noqa: S608
            if cursor.fetchone():
                raise _FallBack
            _signal_triples_check(cursor, loader.kind, raw_table, now)
            # Each row is one line (checked below): line = number + 1.
            cursor.execute(
                f"""INSERT INTO {loader.table} (line, key, account_external_id, account_id, kind, value, observed_at)
                    SELECT raw.number + 1, raw.external_id, raw.account_external_id, account.id, raw.kind,
                        raw.value::numeric, raw.observed_at::timestamptz
                    FROM {raw_table} AS raw
                    LEFT JOIN {CreditAccount._meta.db_table} AS account
                      ON account.external_id = raw.account_external_id"""  # noqa: S608
            )
            count = cursor.rowcount
            if count != lines:  # a quoted line break: line numbers would not be row numbers
                raise _FallBack
            cursor.execute(f"DROP TABLE {raw_table}")
    except (_FallBack, DatabaseError, connection.Database.Error):
        return None
    loader.total = count
    return count


class _SignalConflictCheck(_Check):
    """A stored signal with the same external id but other values; the query itself says which
    field differs first."""

    def __init__(self, sql):
        super().__init__(sql, field="", message=services.signal_conflict_message)

    def run(self, cursor, path):
        cursor.execute(self.sql)
        found = cursor.fetchone()
        if found:
            line, field_name = found
            raise CoreDataImportError(path=path, line=line, field=field_name, message=self.message(field_name))


STAGING = {
    "balances": _BalanceStaging,
    "repayment-schedules": _InstallmentStaging,
    "score-updates": _SignalStaging,
    "risk-signals": _SignalStaging,
}
