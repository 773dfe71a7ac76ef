"""Where an import's rows go: through each kind's own ``check`` and ``write`` chunk by chunk, or,
on PostgreSQL for the high-volume kinds, into a staging table checked and merged set-based.

The SQL below is put together from model metadata and constants only (hence the ``noqa: S608``);
every value from a file travels through COPY or as a query parameter."""

import abc

from django.db import connection
from django.utils import timezone

from accounts.integration import services
from accounts.integration.imports import signals_copy
from accounts.integration.imports.reading import CoreDataImportError, import_refuse
from accounts.models import CreditAccount, CreditScore, RepaymentInstallment, RiskSignal
from accounts.risk.anomaly.movements import balance_movements_record_staged
from accounts.risk.services import risk_signals_write_lock

ANALYZE_AFTER_ROWS = 50_000


class ServiceLoader:
    """Checks and writes chunk by chunk through the kind's own ``check`` and ``write``. It keeps
    the keys seen so far to refuse a duplicate in a later chunk."""

    method = "orm"

    def __init__(self, kind, path):
        self.kind, self.path = kind, path
        self.seen = {}
        self.counts = services.Counts()

    def copy_csv(self, handle, *, now):
        return None

    def add(self, rows):
        rows, errors = self.kind.duplicates(rows, seen=self.seen)
        errors += self.kind.check(rows)
        if errors:
            import_refuse(self.path, errors)
        self.counts += self.kind.write(rows, actor=None)

    def finish(self):
        return self.counts


class Check:
    """One set-based rule: ``sql`` selects the first offending line (and what the message needs)."""

    def __init__(self, sql, *, field, message):
        self.sql, self.field, self.message = sql, field, message

    def run(self, cursor, path):
        cursor.execute(self.sql)
        found = cursor.fetchone()
        if found:
            raise CoreDataImportError(path=path, line=found[0], field=self.field, message=self.message(*found[1:]))


class SignalConflictCheck(Check):
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


class Staging(abc.ABC):
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
            for check in [*self._common_checks(), *self.checks()]:
                check.run(cursor, self.path)
            counts = self.merge(cursor)
            cursor.execute(f"DROP TABLE {self.table}")
        return counts

    def _common_checks(self):
        """Every kind's rules: a known account, and each key once."""
        unknown_accounts = Check(
            f"SELECT line FROM {self.table} WHERE account_id IS NULL ORDER BY line LIMIT 1",  # noqa: S608
            field="account_external_id",
            message=services.unknown_account_message,
        )
        # Keys given twice are found by hashing (a file rarely has any); only their lines
        # are then numbered, to name the first repeat.
        duplicates = Check(
            f"""SELECT line, key FROM (
                    SELECT line, key, row_number() OVER (PARTITION BY key ORDER BY line) AS seen
                    FROM {self.table}
                    WHERE key IN (SELECT key FROM {self.table} GROUP BY key HAVING count(*) > 1)
                ) AS numbered WHERE seen > 1 ORDER BY line LIMIT 1""",  # noqa: S608
            field=self.kind.key_field,
            message=lambda key: services.duplicate_message(self.kind, key),
        )
        return [unknown_accounts, duplicates]

    def copy_csv(self, handle, *, now):
        """Load the whole file by COPY when every row passes ``strict`` (see SignalStaging);
        returns the number of rows, or None (nothing kept) to go row by row instead."""
        return None

    def checks(self):
        return []

    @abc.abstractmethod
    def merge(self, cursor):
        """Write the staged rows; returns the counts."""


class BalanceStaging(Staging):
    columns = (("outstanding_balance", "numeric(12, 2) NOT NULL"),)

    def merge(self, cursor):
        # Before the balances are overwritten: each change is kept as a movement (draws count).
        balance_movements_record_staged(cursor=cursor, staged_table=self.table, recorded_at=timezone.now())
        cursor.execute(
            f"""UPDATE {CreditAccount._meta.db_table} AS account
                SET outstanding_balance = staged.outstanding_balance, updated_at = %s
                FROM {self.table} AS staged
                WHERE account.id = staged.account_id
                  AND account.outstanding_balance <> staged.outstanding_balance""",  # noqa: S608
            [timezone.now()],
        )
        return services.Counts(updated=cursor.rowcount, unchanged=self.total - cursor.rowcount)


class InstallmentStaging(Staging):
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
            Check(
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


class SignalStaging(Staging):
    columns = (
        ("kind", "text NOT NULL"),
        ("value", "numeric(10, 2) NOT NULL"),
        ("observed_at", "timestamptz NOT NULL"),
    )

    def copy_csv(self, handle, *, now):
        if self.kind.name != "risk-signals":
            return None
        return signals_copy.risk_signals_csv_copy(self, handle, now=now)

    def checks(self):
        names = self.kind.field_names  # stored attribute -> the field the file calls it
        first_difference = " ".join(f"WHEN stored.{name} <> staged.{name} THEN '{names[name]}'" for name in names)
        scores = f"SELECT * FROM {self.table} WHERE kind = '{RiskSignal.Kind.SCORE_UPDATE}'"  # noqa: S608
        return [
            SignalConflictCheck(
                f"""SELECT staged.line, CASE {first_difference} END FROM {self.table} AS staged
                    JOIN {RiskSignal._meta.db_table} AS stored ON stored.external_id = staged.key
                    WHERE {" OR ".join(f"stored.{name} <> staged.{name}" for name in names)}
                    ORDER BY staged.line LIMIT 1"""  # noqa: S608
            ),
            Check(
                f"""SELECT staged.line, stored.score FROM ({scores}) AS staged
                    JOIN {CreditScore._meta.db_table} AS stored
                      ON stored.account_id = staged.account_id AND stored.scored_at = staged.observed_at
                    WHERE stored.score <> staged.value ORDER BY staged.line LIMIT 1""",  # noqa: S608
                field=names["value"],
                message=services.score_conflict_message,
            ),
            Check(
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


STAGING = {
    "balances": BalanceStaging,
    "repayment-schedules": InstallmentStaging,
    "score-updates": SignalStaging,
    "risk-signals": SignalStaging,
}


def loader_for(kind, path):
    staging = STAGING.get(kind.name)
    if staging is not None and connection.vendor == "postgresql":
        return staging(kind, path)
    return ServiceLoader(kind, path)
