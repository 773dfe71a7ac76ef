"""The dashboard's reads: each line's figures from the ledger's newest row and the request's
status (one source of truth, so the dashboard never disagrees with the limit history or a
receipt). Reads only; a fixed number of queries for all the borrower's lines together (the
per-line next payment and score trend are the credit selectors')."""

from decimal import Decimal

from django.utils import timezone

from accounts.closure import selectors as closure_selectors
from accounts.credit import selectors as credit_selectors
from accounts.models import CreditAccount
from accounts.models.credit import APPEALABLE_KINDS
from education.selectors import advice

ZERO = Decimal("0.00")
# A line in one of these states shows why for as long as it stays so.
STAYING_STATES = {CreditAccount.Status.FROZEN, CreditAccount.Status.CLEARED}


def _lender_change(change, reasons, now):
    """The newest row when the lender lowered, froze or cleared the line and the borrower should
    still see it (a frozen or cleared line always; a cut until its appeal deadline)."""
    if change is None or change.kind not in APPEALABLE_KINDS or not change.is_adverse:
        return None
    if change.new_status not in STAYING_STATES and change.appeal_deadline and change.appeal_deadline < now:
        return None
    return {"change": change, "reasons": [reasons[code] for code in change.reason_codes if code in reasons]}


def _line(account, change, pending, reasons, now):
    limit = change.new_limit if change else account.credit_limit
    status = change.new_status if change else account.status
    owed = account.outstanding_balance
    return {
        "account": account,
        "limit": limit,
        "status": status,
        "status_label": dict(account.Status.choices).get(status, status),
        "owed": owed,
        "available": max(limit - owed, ZERO) if status == account.Status.ACTIVE else ZERO,
        "lender_change": _lender_change(change, reasons, now),
        "pending_change": pending,
        "next_due": credit_selectors.next_installment_due(account=account),
        "score_trend": credit_selectors.credit_score_trend(account=account),
    }


def dashboard_lines(*, user, now=None):
    """Each of the borrower's lines as the dashboard shows it, in the order they were opened, and
    the ledger read for them (``{"changes", "reasons"}``, which the learning advice reuses)."""
    now = now or timezone.now()
    accounts = list(credit_selectors.credit_account_list(user=user))
    changes = advice.newest_changes(user=user)
    reasons = advice.reasons_of(changes)
    by_account = {change.account_id: change for change in changes}
    pending = closure_selectors.closure_requests_cooling_off_by_account(user=user, now=now)
    lines = [_line(account, by_account.get(account.pk), pending.get(account.pk), reasons, now) for account in accounts]
    return lines, {"changes": changes, "reasons": reasons}


def lender_cut_since(*, lines, since):
    """Whether the lender lowered, froze or cleared one of these lines on or after ``since`` (a
    local date)."""
    return any(
        line["lender_change"] and timezone.localdate(line["lender_change"]["change"].effective_at) >= since
        for line in lines
    )
