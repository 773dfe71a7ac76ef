"""What a closure request does to a credit line, written once.

Completing a request after its cooling-off window, closing a repaid line and overturning the
rejection of a request on appeal all ask the same question: given the line as it is now, what do
lowering, pausing, resuming or closing do to its limit and status, or why can it not be done?

- *lower* sets the limit to the amount asked for; refused when the limit is already at or below it;
- *pause* freezes the line (ledger kind ``voluntary_pause``) and keeps the limit; refused unless
  the line is active;
- *resume* makes a line the borrower paused active again (ledger kind ``restoration``), keeping the
  limit; refused unless the line is frozen and its newest ledger row is the borrower's pause;
- *close* sets the limit to 0; the status becomes ``closed`` when nothing is owed, otherwise it
  stays as it is until the balance is repaid;
- every kind is refused on a line that is closed or cleared, and when nothing would change.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from accounts.credit.services import CONSENT_BORROWER_REQUEST, limit_change_apply
from accounts.models import ClosureRequest, CreditAccount, LimitChange

REASON_CODE = "borrower_request"

LEDGER_KIND = {
    ClosureRequest.Kind.LOWER: LimitChange.Kind.VOLUNTARY_REDUCTION,
    ClosureRequest.Kind.PAUSE: LimitChange.Kind.VOLUNTARY_PAUSE,
    ClosureRequest.Kind.RESUME: LimitChange.Kind.RESTORATION,
    ClosureRequest.Kind.CLOSE: LimitChange.Kind.VOLUNTARY_CLOSURE,
}

ZERO = Decimal("0.00")
ENDED_STATUSES = (CreditAccount.Status.CLOSED, CreditAccount.Status.CLEARED)


@dataclass(frozen=True)
class ClosureOutcome:
    """The limit and status a request leads to and the ledger kind that records it, or, when
    ``refusal`` is set, why it cannot be carried out (then limit and status are the current ones)."""

    new_limit: Decimal
    new_status: str
    ledger_kind: str
    refusal: str = ""

    @property
    def applies(self) -> bool:
        return self.refusal == ""


def line_paused_by_borrower(*, status, latest_ledger_kind) -> bool:
    """A line can be resumed only when the borrower paused it: it is frozen and the newest ledger
    row is their pause (a freeze after a risk review is lifted by the lender, not here)."""
    return status == CreditAccount.Status.FROZEN and latest_ledger_kind == LimitChange.Kind.VOLUNTARY_PAUSE


def _kind_outcome(*, kind, target_limit, credit_limit, status, outstanding_balance, latest_ledger_kind):
    """(new limit, new status, refusal) for one kind, before the rules shared by every kind."""
    Kind, Status = ClosureRequest.Kind, CreditAccount.Status
    if kind == Kind.LOWER:
        refusal = (
            _("The limit was already at or below the amount you asked for.") if credit_limit <= target_limit else ""
        )
        return target_limit, status, refusal
    if kind == Kind.PAUSE:
        refusal = _("The line was no longer active, so there was nothing to pause.") if status != Status.ACTIVE else ""
        return credit_limit, Status.FROZEN, refusal
    if kind == Kind.RESUME:
        paused = line_paused_by_borrower(status=status, latest_ledger_kind=latest_ledger_kind)
        refusal = "" if paused else _("The line was no longer paused at your request, so it could not be resumed.")
        return credit_limit, Status.ACTIVE, refusal
    if kind == Kind.CLOSE:
        return ZERO, Status.CLOSED if outstanding_balance <= 0 else status, ""
    raise ValueError(f"unknown closure request kind {kind!r}")


def closure_outcome_decide(
    *, kind, target_limit, credit_limit, status, outstanding_balance, latest_ledger_kind
) -> ClosureOutcome:
    """What carrying out a request of ``kind`` does to a line with this limit, status, balance and
    newest ledger kind. Pure: reads nothing from the database."""
    new_limit, new_status, refusal = _kind_outcome(
        kind=kind,
        target_limit=target_limit,
        credit_limit=credit_limit,
        status=status,
        outstanding_balance=outstanding_balance,
        latest_ledger_kind=latest_ledger_kind,
    )
    if not refusal and status in ENDED_STATUSES:
        refusal = _("The line was already closed or cleared.")
    if not refusal and (new_limit, new_status) == (credit_limit, status):
        refusal = _("The line was already as you asked, so there was nothing to change.")
    if refusal:
        return ClosureOutcome(new_limit=credit_limit, new_status=status, ledger_kind=LEDGER_KIND[kind], refusal=refusal)
    return ClosureOutcome(new_limit=new_limit, new_status=new_status, ledger_kind=LEDGER_KIND[kind])


def latest_ledger_kind(account):
    """The kind of the account's newest ledger row (None before the first)."""
    return LimitChange.objects.filter(account=account).order_by("-sequence").values_list("kind", flat=True).first()


def closure_outcome_for(*, closure_request, account) -> ClosureOutcome:
    """The outcome of ``closure_request`` on ``account`` as it is now (lock the account first
    when the outcome is to be applied)."""
    return closure_outcome_decide(
        kind=closure_request.kind,
        target_limit=closure_request.target_limit,
        credit_limit=account.credit_limit,
        status=account.status,
        outstanding_balance=account.outstanding_balance,
        latest_ledger_kind=latest_ledger_kind(account),
    )


def closure_outcome_apply(*, account, outcome, decided_by, decided_by_user, source_reference, request=None):
    """Carry out an applicable outcome through the ledger (with its notice and audit event).
    Returns the ledger row."""
    if not outcome.applies:
        raise ValueError("a refused closure outcome cannot be applied")
    return limit_change_apply(
        account=account,
        kind=outcome.ledger_kind,
        new_limit=outcome.new_limit,
        new_status=outcome.new_status,
        reason_codes=[REASON_CODE],
        decided_by=decided_by,
        decided_by_user=decided_by_user,
        source_reference=source_reference,
        request=request,
        consent=CONSENT_BORROWER_REQUEST,  # the borrower's own request
    )
