"""What the core system may push, one validator per kind, and the writes that apply it.

Each kind (``ROW_KINDS``) declares its fields and checks a row in three steps, shared by the API
and the ``import_core_data`` command:

1. ``clean``: one row on its own (types, ranges, choices, times not in the future);
2. duplicates of the kind's key inside the batch;
3. ``check``: the rules that need the database (unknown accounts, customers, products and reason
   codes; a signal already received with other values; a limit change without reasons).

Only when every row passed does ``write`` change anything, so a batch is applied all or nothing.
A row equal to what is stored counts as unchanged and writes nothing, so sending the same batch
twice is harmless. Signals and score updates are observations: once received they never change
(a correction is a new signal with its own external id)."""

import abc
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.credit.services import credit_account_open, limit_change_apply
from accounts.identity import national_id
from accounts.identity.services import customer_record_upsert
from accounts.integration.fields import (
    Choice,
    CodeList,
    Day,
    Field,
    Moment,
    NationalIdNumber,
    Number,
    RowValueError,
    Text,
    WholeNumber,
    is_blank,
)
from accounts.models import (
    CreditAccount,
    CreditProduct,
    CreditScore,
    CustomerRecord,
    LimitChange,
    ReasonCode,
    RepaymentInstallment,
    RiskSignal,
)
from accounts.risk.services import risk_signals_write_lock
from portal.exceptions import PortalError
from portal.services import audit_event_record

MAX_ROWS_PER_CALL = 1000
INTEGRATION_PERMISSION = "accounts.use_integration_api"
NON_FIELD = "non_field_errors"
# Who the audit log names when no service account is involved (the import command).
CORE_SYSTEM_LABEL = "core-system"
ZERO = Decimal("0.00")
SCORE_RANGE = (300, 950)


@dataclass
class Row:
    """One cleaned row. ``position`` is its 0-based index in an API call, or its line in a file."""

    position: int
    values: dict


@dataclass(frozen=True, order=True)
class RowError:
    row: int | None
    field: str
    message: str


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __iadd__(self, other):
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        return self

    @property
    def changed(self):
        return self.created + self.updated

    def as_dict(self):
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


class IntegrationRowsRejected(PortalError):
    """Some rows broke a rule; nothing was applied. ``errors`` names every row and field."""

    def __init__(self, errors):
        super().__init__(_("Nothing was applied: correct the rows listed and send them again."), code="invalid_rows")
        self.errors = sorted(errors, key=lambda error: (error.row is None, error.row or 0, error.field))


class IntegrationConflict(PortalError):
    status_code = 409


class IntegrationForbidden(PortalError):
    status_code = 403


def duplicate_message(kind, key):
    return _("“%(key)s” appears more than once in this batch: send each %(field)s once.") % {
        "key": key,
        "field": kind.key_field,
    }


def unknown_account_message():
    return _("No credit account has this external id. Send the account first.")


def signal_conflict_message(field_name):
    return _(
        "A signal with this external id was already received with a different %(field)s. Signals never "
        "change: send a correction as a new signal with its own external id."
    ) % {"field": field_name}


def score_conflict_message(score):
    return _("A different score (%(score)s) is already recorded for this account at this time.") % {"score": score}


def installment_moved_message():
    return _("This installment belongs to another account; it cannot move between accounts.")


def score_batch_conflict_message():
    return _("Another row in this batch gives a different score for this account at the same time.")


class RowKind(abc.ABC):
    """One kind of data the core system sends. Subclasses declare ``fields`` (name → parser) and
    the key that identifies a row, and implement ``check`` and ``write``."""

    name = ""
    key_field = "external_id"
    fields: dict[str, Field] = {}

    def clean(self, raw, *, now):
        """Return ``(values, [])`` for a good row, or ``(None, [(field, message), ...])``."""
        if not isinstance(raw, dict):
            return None, [(NON_FIELD, _("Each row must be an object with named fields."))]
        errors = []
        if raw.keys() - self.fields.keys():
            errors = [
                (str(name), _("Unknown field: use only the documented fields."))
                for name in raw
                if name not in self.fields
            ]
        values = {}
        for name, parser in self.fields.items():
            value = raw.get(name)
            if is_blank(value):
                if parser.required:
                    errors.append((name, _("This field is required.")))
                values[name] = parser.default
                continue
            try:
                values[name] = parser.parse(value, now=now)
            except RowValueError as error:
                errors.append((name, error.message))
        if not errors:
            errors = self.check_values(values)
        return (None if errors else values), errors

    def check_values(self, values):
        """Rules across the fields of one row."""
        return []

    def key(self, values):
        return values[self.key_field]

    def duplicates(self, rows, *, seen):
        """Split off rows whose key an earlier row (here or in ``seen``, key → position) already
        used: returns the first of each key, and an error for every repeat."""
        first, errors = [], []
        for row in rows:
            key = self.key(row.values)
            if key in seen:
                errors.append(RowError(row.position, self.key_field, duplicate_message(self, key)))
            else:
                seen[key] = row.position
                first.append(row)
        return first, errors

    @abc.abstractmethod
    def check(self, rows):
        """Errors of rows that need the database to tell (unknown accounts, conflicts)."""

    @abc.abstractmethod
    def write(self, rows, *, actor):
        """Write checked rows; returns the counts."""


def accounts_resolve(rows, *, field_name="account_external_id"):
    """Set ``account_id`` on each row from its account's external id; unknown ones are errors."""
    wanted = {row.values[field_name] for row in rows}
    known = dict(CreditAccount.objects.filter(external_id__in=wanted).values_list("external_id", "id"))
    errors = []
    for row in rows:
        row.values["account_id"] = known.get(row.values[field_name])
        if row.values["account_id"] is None:
            errors.append(RowError(row.position, field_name, unknown_account_message()))
    return errors


def _actor_label(actor):
    return None if actor is not None else CORE_SYSTEM_LABEL


class CustomerRows(RowKind):
    name = "customers"
    fields = {
        "external_id": Text(max_length=64, help_text="The core system's customer id."),
        "legal_name": Text(max_length=100, help_text="Name as on the resident ID card."),
        "national_id_number": NationalIdNumber(
            help_text="18-character PRC resident ID number; only a keyed hash and the last four are kept."
        ),
    }

    def check(self, rows):
        errors = []
        for row in rows:
            row.values["national_id_hash"] = national_id.keyed_hash(row.values["national_id_number"])
        holders = dict(
            CustomerRecord.objects.filter(
                national_id_hash__in={row.values["national_id_hash"] for row in rows}
            ).values_list("national_id_hash", "external_id")
        )
        in_batch = {}
        for row in rows:
            number_hash, external_id = row.values["national_id_hash"], row.values["external_id"]
            holder = holders.get(number_hash)
            if holder is not None and holder != external_id:
                errors.append(
                    RowError(
                        row.position,
                        "national_id_number",
                        _("Another customer record (%(other)s) already has this ID number.") % {"other": holder},
                    )
                )
            elif in_batch.setdefault(number_hash, external_id) != external_id:
                errors.append(
                    RowError(
                        row.position,
                        "national_id_number",
                        _("Another row in this batch gives a different customer the same ID number."),
                    )
                )
        return errors

    def write(self, rows, *, actor):
        counts = Counts()
        existing = CustomerRecord.objects.in_bulk([row.values["external_id"] for row in rows], field_name="external_id")
        for row in rows:
            values = row.values
            record = existing.get(values["external_id"])
            if (
                record is not None
                and record.legal_name == values["legal_name"]
                and record.national_id_hash == values["national_id_hash"]
            ):
                counts.unchanged += 1
                continue
            customer_record_upsert(
                external_id=values["external_id"],
                legal_name=values["legal_name"],
                national_id_number=values["national_id_number"],
                actor=actor,
            )
            if record is None:
                counts.created += 1
            else:
                counts.updated += 1
        return counts


class AccountRows(RowKind):
    """An account's full state. A new account is opened with its opening ledger row; a different
    limit on a known account is a ``core_sync`` limit change (with its reasons and the borrower's
    notice); the balance and opening time are mirrored as they are."""

    name = "accounts"
    fields = {
        "external_id": Text(max_length=64, help_text="The core system's account id."),
        "customer_external_id": Text(max_length=64, help_text="The holder's customer external id."),
        "product_code": Text(max_length=32, help_text="Code of an existing credit product."),
        "credit_limit": Number(min_value=ZERO, help_text="The limit in the product's currency."),
        "opened_at": Moment(help_text="When the line was opened (ISO 8601)."),
        "outstanding_balance": Number(
            min_value=ZERO, required=False, help_text="Left out: a new account opens at 0, a known one keeps its own."
        ),
        "reason_codes": CodeList(
            required=False,
            help_text="1-4 reason codes, most important first; required when the limit of a known account changes.",
        ),
        "source_reference": Text(
            max_length=64, required=False, default="", help_text="The core system's decision id, kept on the ledger."
        ),
    }

    def check(self, rows):
        errors = []
        customers = CustomerRecord.objects.only("id", "external_id").in_bulk(
            {row.values["customer_external_id"] for row in rows}, field_name="external_id"
        )
        products = CreditProduct.objects.in_bulk({row.values["product_code"] for row in rows}, field_name="code")
        catalogue = set(ReasonCode.objects.values_list("code", flat=True))
        existing = CreditAccount.objects.in_bulk([row.values["external_id"] for row in rows], field_name="external_id")
        for row in rows:
            values = row.values
            customer = customers.get(values["customer_external_id"])
            product = products.get(values["product_code"])
            account = existing.get(values["external_id"])
            values.update(customer=customer, product=product, account=account)
            if customer is None:
                errors.append(
                    RowError(
                        row.position,
                        "customer_external_id",
                        _("No customer record has this external id. Send the customer first."),
                    )
                )
            if product is None:
                errors.append(RowError(row.position, "product_code", _("No credit product has this code.")))
            unknown = [code for code in values["reason_codes"] or () if code not in catalogue]
            if unknown:
                errors.append(
                    RowError(
                        row.position,
                        "reason_codes",
                        _("Unknown reason code: %(codes)s. Use codes from the reason-code catalogue.")
                        % {"codes": ", ".join(unknown)},
                    )
                )
            if account is None or customer is None or product is None:
                continue
            if account.customer_id != customer.pk:
                errors.append(
                    RowError(
                        row.position,
                        "customer_external_id",
                        _("This account belongs to another customer; an account cannot move between customers."),
                    )
                )
            if account.product_id != product.pk:
                errors.append(RowError(row.position, "product_code", _("An account's product cannot change.")))
            if values["credit_limit"] != account.credit_limit:
                if account.status in (CreditAccount.Status.CLOSED, CreditAccount.Status.CLEARED):
                    errors.append(
                        RowError(
                            row.position,
                            "credit_limit",
                            _("This account is %(status)s: its limit cannot change through the integration.")
                            % {"status": account.get_status_display()},
                        )
                    )
                elif not values["reason_codes"]:
                    errors.append(
                        RowError(
                            row.position,
                            "reason_codes",
                            _(
                                "The limit changes from %(old)s to %(new)s: give one to four reason codes, "
                                "most important first, so the borrower's notice can explain it."
                            )
                            % {"old": account.credit_limit, "new": values["credit_limit"]},
                        )
                    )
        return errors

    def write(self, rows, *, actor):
        counts = Counts()
        for row in rows:
            values, account = row.values, row.values["account"]
            if account is None:
                credit_account_open(
                    customer=values["customer"],
                    external_id=values["external_id"],
                    product=values["product"],
                    credit_limit=values["credit_limit"],
                    opened_at=values["opened_at"],
                    outstanding_balance=values["outstanding_balance"] or ZERO,
                    actor=actor,
                )
                counts.created += 1
                continue
            mirrored = self._mirrored_changes(account, values)
            limit_changes = values["credit_limit"] != account.credit_limit
            if not mirrored and not limit_changes:
                counts.unchanged += 1
                continue
            if limit_changes:
                limit_change_apply(
                    account=account,
                    kind=LimitChange.Kind.CORE_SYNC,
                    new_limit=values["credit_limit"],
                    reason_codes=values["reason_codes"],
                    decided_by=LimitChange.DecidedBy.CORE_SYSTEM,
                    decided_by_user=actor,
                    source_reference=values["source_reference"],
                )
            if mirrored:
                CreditAccount.objects.filter(pk=account.pk).update(
                    **{name: after for name, (_before, after) in mirrored.items()}, updated_at=timezone.now()
                )
                audit_event_record(
                    actor=actor,
                    actor_label=_actor_label(actor),
                    action="credit_account.synced",
                    target=account,
                    before={name: str(before) for name, (before, _after) in mirrored.items()},
                    after={name: str(after) for name, (_before, after) in mirrored.items()},
                )
            counts.updated += 1
        return counts

    @staticmethod
    def _mirrored_changes(account, values):
        """Fields copied from the core system as they are: name → (before, after)."""
        changes = {}
        balance = values["outstanding_balance"]
        if balance is not None and balance != account.outstanding_balance:
            changes["outstanding_balance"] = (account.outstanding_balance, balance)
        if values["opened_at"] != account.opened_at:
            changes["opened_at"] = (account.opened_at, values["opened_at"])
        return changes


class BalanceRows(RowKind):
    name = "balances"
    key_field = "account_external_id"
    fields = {
        "account_external_id": Text(max_length=64, help_text="The account's external id."),
        "outstanding_balance": Number(min_value=ZERO, help_text="What the borrower owes now."),
    }

    def check(self, rows):
        return accounts_resolve(rows)

    def write(self, rows, *, actor):
        accounts = CreditAccount.objects.only("id", "outstanding_balance").in_bulk(
            [row.values["account_id"] for row in rows]
        )
        now = timezone.now()
        changed = []
        for row in rows:
            account = accounts[row.values["account_id"]]
            if account.outstanding_balance != row.values["outstanding_balance"]:
                account.outstanding_balance, account.updated_at = row.values["outstanding_balance"], now
                changed.append(account)
        CreditAccount.objects.bulk_update(changed, ["outstanding_balance", "updated_at"], batch_size=1000)
        return Counts(updated=len(changed), unchanged=len(rows) - len(changed))


class InstallmentRows(RowKind):
    name = "repayment-schedules"
    fields = {
        "external_id": Text(max_length=64, help_text="The core system's installment id."),
        "account_external_id": Text(max_length=64, help_text="The account's external id."),
        "due_date": Day(help_text="ISO 8601 date."),
        "amount_due": Number(min_value=ZERO),
        "amount_paid": Number(min_value=ZERO, required=False, default=ZERO, help_text="Left out: 0.00."),
        "paid_at": Moment(required=False, help_text="When it was paid in full or last paid into (ISO 8601)."),
        "status": Choice(choices=tuple(RepaymentInstallment.Status.values)),
    }
    # Compared to decide whether a known installment changed.
    mirrored = ("due_date", "amount_due", "amount_paid", "paid_at", "status")

    def check(self, rows):
        errors = accounts_resolve(rows)
        existing = dict(
            RepaymentInstallment.objects.filter(
                external_id__in=[row.values["external_id"] for row in rows]
            ).values_list("external_id", "account_id")
        )
        for row in rows:
            owner = existing.get(row.values["external_id"])
            if owner is not None and row.values["account_id"] is not None and owner != row.values["account_id"]:
                errors.append(RowError(row.position, "account_external_id", installment_moved_message()))
        return errors

    def write(self, rows, *, actor):
        existing = RepaymentInstallment.objects.in_bulk(
            [row.values["external_id"] for row in rows], field_name="external_id"
        )
        new, changed = [], []
        for row in rows:
            installment = existing.get(row.values["external_id"])
            if installment is None:
                new.append(
                    RepaymentInstallment(
                        external_id=row.values["external_id"],
                        account_id=row.values["account_id"],
                        **{name: row.values[name] for name in self.mirrored},
                    )
                )
            elif any(getattr(installment, name) != row.values[name] for name in self.mirrored):
                for name in self.mirrored:
                    setattr(installment, name, row.values[name])
                changed.append(installment)
        RepaymentInstallment.objects.bulk_create(new, batch_size=1000)
        RepaymentInstallment.objects.bulk_update(changed, list(self.mirrored), batch_size=1000)
        return Counts(created=len(new), updated=len(changed), unchanged=len(rows) - len(new) - len(changed))


class RiskSignalRows(RowKind):
    """Observations about an account, left unevaluated for the risk policy's job. A score update
    also records the score in the account's score history."""

    name = "risk-signals"
    fields = {
        "external_id": Text(max_length=64, help_text="The core system's signal id."),
        "account_external_id": Text(max_length=64, help_text="The account's external id."),
        "kind": Choice(choices=tuple(RiskSignal.Kind.values)),
        "value": Number(
            max_digits=10,
            help_text="score_update: the score (300-950); linked_overdue: days overdue; borrowing_frequency: "
            "draws in 30 days; repayment_speed: average days paid after the due date (negative = early).",
        ),
        "observed_at": Moment(help_text="When the core system observed it (ISO 8601); not in the future."),
    }
    # The input field a stored signal's attribute came from (score updates call the value "score").
    field_names = {"account_id": "account_external_id", "kind": "kind", "value": "value", "observed_at": "observed_at"}
    never_negative = {RiskSignal.Kind.LINKED_OVERDUE, RiskSignal.Kind.BORROWING_FREQUENCY}

    def check_values(self, values):
        kind, value = values["kind"], values["value"]
        if kind == RiskSignal.Kind.SCORE_UPDATE and (
            value != value.to_integral_value() or not SCORE_RANGE[0] <= value <= SCORE_RANGE[1]
        ):
            return [("value", _("A score update's value is the new score: a whole number from 300 to 950."))]
        if kind in self.never_negative and value < 0:
            return [("value", _("This kind of signal cannot have a negative value."))]
        return []

    def check(self, rows):
        errors = accounts_resolve(rows)
        rows = [row for row in rows if row.values["account_id"] is not None]
        stored = RiskSignal.objects.in_bulk([row.values["external_id"] for row in rows], field_name="external_id")
        for row in rows:
            signal = stored.get(row.values["external_id"])
            row.values["stored"] = signal is not None
            differing = [name for name in self.field_names if signal and getattr(signal, name) != row.values[name]]
            if differing:
                name = self.field_names[differing[0]]
                errors.append(RowError(row.position, name, signal_conflict_message(name)))
        return errors + self._score_conflicts(
            [row for row in rows if row.values["kind"] == RiskSignal.Kind.SCORE_UPDATE]
        )

    def _score_conflicts(self, rows):
        errors = []
        recorded = {
            (score.account_id, score.scored_at): score.score
            for score in CreditScore.objects.filter(
                account_id__in={row.values["account_id"] for row in rows},
                scored_at__in={row.values["observed_at"] for row in rows},
            )
        }
        in_batch = {}
        for row in rows:
            moment = (row.values["account_id"], row.values["observed_at"])
            score = int(row.values["value"])
            value_field = self.field_names["value"]
            if recorded.get(moment, score) != score:
                errors.append(RowError(row.position, value_field, score_conflict_message(recorded[moment])))
            elif in_batch.setdefault(moment, score) != score:
                errors.append(RowError(row.position, value_field, score_batch_conflict_message()))
            row.values["score_recorded"] = moment in recorded
        return errors

    def write(self, rows, *, actor):
        new = [row for row in rows if not row.values["stored"]]
        if rows:
            risk_signals_write_lock()
        RiskSignal.objects.bulk_create(
            (
                RiskSignal(
                    external_id=row.values["external_id"],
                    account_id=row.values["account_id"],
                    kind=row.values["kind"],
                    value=row.values["value"],
                    observed_at=row.values["observed_at"],
                )
                for row in new
            ),
            batch_size=1000,
        )
        scores = {
            (row.values["account_id"], row.values["observed_at"]): int(row.values["value"])
            for row in rows
            if row.values["kind"] == RiskSignal.Kind.SCORE_UPDATE and not row.values["score_recorded"]
        }
        CreditScore.objects.bulk_create(
            (
                CreditScore(account_id=account_id, scored_at=scored_at, score=score)
                for (account_id, scored_at), score in scores.items()
            ),
            batch_size=1000,
        )
        return Counts(created=len(new), unchanged=len(rows) - len(new))


class ScoreUpdateRows(RiskSignalRows):
    """A score update is a ``score_update`` risk signal; it is keyed by the signal's external id."""

    name = "score-updates"
    fields = {
        "external_id": Text(max_length=64, help_text="The core system's signal id for this score update."),
        "account_external_id": Text(max_length=64, help_text="The account's external id."),
        "score": WholeNumber(min_value=SCORE_RANGE[0], max_value=SCORE_RANGE[1]),
        "observed_at": Moment(help_text="When the score was computed (ISO 8601); not in the future."),
    }
    field_names = {**RiskSignalRows.field_names, "kind": "external_id", "value": "score"}

    def clean(self, raw, *, now):
        values, errors = super().clean(raw, now=now)
        if values is not None:
            values.update(kind=RiskSignal.Kind.SCORE_UPDATE, value=Decimal(values.pop("score")).quantize(ZERO))
        return values, errors

    def check_values(self, values):
        return []


ROW_KINDS = {
    kind.name: kind
    for kind in (CustomerRows(), AccountRows(), BalanceRows(), InstallmentRows(), ScoreUpdateRows(), RiskSignalRows())
}


@dataclass
class Batch:
    """Rows of one kind on their way in: cleaned, then checked, then written."""

    kind: RowKind
    now: object = field(default_factory=timezone.now)
    rows: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    def add(self, position, raw):
        values, errors = self.kind.clean(raw, now=self.now)
        self.errors += [RowError(position, name, message) for name, message in errors]
        if values is not None:
            self.rows.append(Row(position, values))


def integration_rows_apply(*, kind, rows, actor, request=None):
    """Apply one call of the integration API: every row of ``kind`` or none.

    Raises ``IntegrationRowsRejected`` naming each bad row (by 0-based index) and field, or
    ``IntegrationConflict`` when a parallel call wrote the same new records first."""
    if not actor.has_perm(INTEGRATION_PERMISSION):
        raise IntegrationForbidden(_("This login may not push data through the integration API."), code="forbidden")
    batch = Batch(kind=ROW_KINDS[kind])
    for position, raw in enumerate(rows):
        batch.add(position, raw)
    try:
        with transaction.atomic():
            rows, duplicates = batch.kind.duplicates(batch.rows, seen={})
            errors = batch.errors + duplicates + batch.kind.check(rows)
            if errors:
                raise IntegrationRowsRejected(errors)
            counts = batch.kind.write(rows, actor=actor)
            integration_summary_record(kind=kind, counts=counts, actor=actor, request=request)
    except IntegrityError as error:
        raise IntegrationConflict(
            _("Another call changed the same records at the same time. Nothing was applied: send this call again."),
            code="conflict",
        ) from error
    return counts


def integration_summary_record(*, kind, counts, actor=None, source="", request=None):
    """One audit event per call or import, when it changed anything."""
    if not counts.changed:
        return None
    return audit_event_record(
        actor=actor,
        actor_label=_actor_label(actor),
        action=f"integration.{kind}",
        summary=" ".join(
            part
            for part in (
                source,
                _("%(created)s created, %(updated)s updated, %(unchanged)s unchanged") % counts.as_dict(),
            )
            if part
        ),
        after=counts.as_dict(),
        request=request,
    )
