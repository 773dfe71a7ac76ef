"""The dashboard's reads: each line's figures from the ledger's newest row and the request's
status (one source of truth, so the dashboard never disagrees with the limit history or a
receipt). Reads only; a fixed number of queries for all the borrower's lines together (the
next payments and score trends too: the credit selectors read them for all lines at once)."""

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


def _line(account, change, pending, reasons, now, extras):
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
        "next_due": extras["next_due"].get(account.pk),
        "score_trend": extras["score_trend"].get(account.pk, []),
    }


def dashboard_lines(*, user, now=None):
    """Each of the borrower's lines as the dashboard shows it, in the order they were opened, and
    the ledger read for them (``{"changes", "reasons"}``, which the learning advice reuses)."""
    now = now or timezone.now()
    # The customer record comes with the lines (the dashboard shows it): no query of its own.
    accounts = list(credit_selectors.credit_account_list(user=user).select_related("customer"))
    changes = advice.newest_changes(user=user)
    reasons = advice.reasons_of(changes)
    by_account = {change.account_id: change for change in changes}
    pending = closure_selectors.closure_requests_cooling_off_by_account(user=user, now=now)
    extras = {  # every line's at once: one query each, however many lines
        "next_due": credit_selectors.next_installments_due(accounts=accounts),
        "score_trend": credit_selectors.credit_score_trends(accounts=accounts),
    }
    lines = [
        _line(account, by_account.get(account.pk), pending.get(account.pk), reasons, now, extras)
        for account in accounts
    ]
    return lines, {"changes": changes, "reasons": reasons}


def lender_cut_since(*, lines, since):
    """Whether the lender lowered, froze or cleared one of these lines on or after ``since`` (a
    local date)."""
    return any(
        line["lender_change"] and timezone.localdate(line["lender_change"]["change"].effective_at) >= since
        for line in lines
    )


def dashboard_customer(*, user, lines):
    """The borrower's customer record: the one the lines were read with (every line is the
    borrower's own, ``for_user``), else read from the user."""
    for line in lines:
        if line["account"].customer_id == user.customer_id:
            return line["account"].customer
    return user.customer
