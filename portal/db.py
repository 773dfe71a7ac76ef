"""Database helpers: the row-lock order every service keeps, the one retry of a transaction that
still lost a deadlock, and writes made by the thousand (a policy run's ledger rows, notices,
audit events). On PostgreSQL the bulk writes avoid binding one parameter per value: ids come from
the table's sequence in one query and the rows travel by COPY; elsewhere the ORM's bulk
operations do.

Row-lock order. Every service that changes a credit account, a closure request, a clearance case,
a ledger row or an appeal takes its row locks in this order, at most one step back never:

1. the credit account (``CreditAccount``);
2. what belongs to that account: its closure request, clearance case or ledger row
   (``ClosureRequest``, ``ClearanceCase``, ``LimitChange``);
3. the appeal against that request or ledger row (``Appeal``);
4. the appeal's pending approval (``AppealApproval``).

A service that starts from a lower row (an appeal, a request) reads the account's id without a
lock first, then locks down the list. Each lock takes only its own rows: with ``select_related``
the query says ``select_for_update(of=("self",))``, because a bare ``FOR UPDATE`` also locks the
joined rows, among them the credit product that every account of the product shares (closures on
all those accounts would queue behind each other). Should a deadlock still happen, the outermost
transaction is run once more (``lock_conflict_retried``)."""

import functools
import hashlib
import json
import logging

from django.db import OperationalError, connection
from django.db.models import JSONField
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.exceptions import PortalError


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


# PostgreSQL's deadlock_detected and serialization_failure: the transaction lost a race and was
# rolled back whole, so running it again is safe.
LOCK_CONFLICT_STATES = frozenset({"40P01", "40001"})

logger = logging.getLogger(__name__)


class LockConflict(PortalError):
    """Two requests changed the same rows at the same moment and this one lost twice."""

    status_code = 503

    def __init__(self):
        super().__init__(
            _("Someone else was changing this at the same moment. Nothing was saved; please try again."),
            code="busy",
        )


def lock_conflict(error):
    """Whether ``error`` is a deadlock or serialization failure that PostgreSQL resolved by rolling
    this transaction back."""
    return getattr(error.__cause__, "sqlstate", None) in LOCK_CONFLICT_STATES


def lock_conflict_retried(service):
    """Run ``service`` (whose body is one ``transaction.atomic()``) once more when PostgreSQL
    broke a deadlock by rolling it back; a second loss is refused with a "try again" message
    (a PortalError, 503), never a server error. Inside a caller's transaction nothing can be
    retried (the whole transaction is lost), so the error goes up to the caller's own retry."""

    @functools.wraps(service)
    def retried(*args, **kwargs):
        if connection.in_atomic_block:
            return service(*args, **kwargs)
        try:
            return service(*args, **kwargs)
        except OperationalError as error:
            if not lock_conflict(error):
                raise
            logger.warning("%s lost a lock conflict (%s); running it once more", service.__name__, error)
        try:
            return service(*args, **kwargs)
        except OperationalError as error:
            if not lock_conflict(error):
                raise
            logger.warning("%s lost a lock conflict twice (%s)", service.__name__, error)
            raise LockConflict() from error

    return retried


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
