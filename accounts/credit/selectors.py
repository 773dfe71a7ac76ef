"""Reads of credit accounts, the ledger, scores and repayments, scoped to the person asking."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import F, OuterRef, Q, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.credit.reasons import reasons_for
from accounts.models import (
    CreditAccount,
    CreditScore,
    IncreaseOffersOptOut,
    LimitChange,
    LimitOffer,
    RepaymentInstallment,
)


def credit_account_list(*, user):
    """The borrower's own accounts with their product, for the dashboard and the API."""
    return CreditAccount.objects.for_user(user).select_related("product").order_by("opened_at", "pk")


def credit_account_get(*, user, account_id):
    """One of the borrower's own accounts; another's (or a guessed id) is a 404."""
    return get_object_or_404(credit_account_list(user=user), pk=account_id)


def limit_change_list(*, user, account):
    """The account's ledger, newest first, with reason codes resolved from the catalogue."""
    changes = list(LimitChange.objects.for_user(user).filter(account=account).order_by("-sequence"))
    for change in changes:
        change.reasons = reasons_for(change.reason_codes)
    return changes


def credit_score_trend(*, account, months=12):
    """Monthly last scores for the past ``months`` months, oldest first."""
    since = timezone.now() - timedelta(days=31 * months)
    by_month = {}
    for score, scored_at in (
        CreditScore.objects.filter(account=account, scored_at__gte=since)
        .order_by("scored_at")
        .values_list("score", "scored_at")
    ):
        by_month[timezone.localtime(scored_at).strftime("%Y-%m")] = score
    return list(by_month.items())


def repayment_schedule(*, account):
    return RepaymentInstallment.objects.filter(account=account).order_by("due_date")


@dataclass(frozen=True)
class NextPayment:
    """What the borrower has to pay next: never more than they owe, and only while they owe."""

    due_date: date
    amount_due: Decimal
    status: str
    installment_id: int


def next_installment_due(*, account):
    """The next payment the borrower owes on ``account``, or None when nothing is due.

    An instalment counts only while it is unpaid (not marked paid and not paid in full), and a past
    due date only when its status says it is overdue (a "scheduled" one in the past is stale). With
    nothing outstanding there is no payment due at all, whatever the schedule still lists; the
    amount is what is left of the instalment, capped at the outstanding balance. Every page and
    the API read the next payment here, so none disagrees with the balance.
    """
    balance = account.outstanding_balance
    if balance is None or balance <= 0:
        return None
    return _next_payment(_open_installments().filter(account=account).order_by("due_date", "pk").first(), balance)


def _open_installments():
    """Instalments still owed (see next_installment_due)."""
    status = RepaymentInstallment.Status
    return RepaymentInstallment.objects.filter(
        status__in=[status.SCHEDULED, status.PARTIAL, status.OVERDUE],
        amount_paid__lt=F("amount_due"),
    ).filter(Q(due_date__gte=timezone.localdate()) | Q(status=status.OVERDUE))


# h17b: the dashboard reads every line's next payment and score trend in one query each.
def next_installments_due(*, accounts):
    """``next_installment_due`` of each account, by account id, in one query for all of them."""
    owing = [account for account in accounts if account.outstanding_balance and account.outstanding_balance > 0]
    if not owing:
        return {}
    first = _open_installments().filter(account=OuterRef("pk")).order_by("due_date", "pk").values("pk")[:1]
    ids = CreditAccount.objects.filter(pk__in=[account.pk for account in owing]).annotate(first=Subquery(first))
    found = {row.account_id: row for row in RepaymentInstallment.objects.filter(pk__in=ids.values("first"))}
    return {account.pk: _next_payment(found.get(account.pk), account.outstanding_balance) for account in owing}


def credit_score_trends(*, accounts, months=12):
    """``credit_score_trend`` of each account, by account id, in one query for all of them."""
    since = timezone.now() - timedelta(days=31 * months)
    by_account = {account.pk: {} for account in accounts}
    rows = (
        CreditScore.objects.filter(account__in=list(by_account), scored_at__gte=since)
        .order_by("scored_at")
        .values_list("account_id", "score", "scored_at")
    )
    for account_id, score, scored_at in rows:
        by_account[account_id][timezone.localtime(scored_at).strftime("%Y-%m")] = score
    return {account_id: list(by_month.items()) for account_id, by_month in by_account.items()}


def _next_payment(installment, balance):
    if installment is None:
        return None
    return NextPayment(
        due_date=installment.due_date,
        amount_due=min(installment.amount_due - installment.amount_paid, balance),
        status=installment.status,
        installment_id=installment.pk,
    )


# offers of a higher limit.
def limit_offer_list(*, user, account):
    """The account's offers and their answers, newest first."""
    return list(LimitOffer.objects.for_user(user).filter(account=account).order_by("-created_at", "-pk"))


def limit_offer_get(*, user, account, offer_id):
    """One offer on one of the borrower's accounts; another's (or a guessed id) is a 404."""
    return get_object_or_404(LimitOffer.objects.for_user(user).filter(account=account), pk=offer_id)


def limit_offers_open_list(*, user):
    """The borrower's open offers, for the API."""
    now = timezone.now()
    return LimitOffer.objects.for_user(user).open().filter(expires_at__gt=now).select_related("account__product")


def increase_offers_opted_out(*, user):
    return user.customer_id is not None and IncreaseOffersOptOut.objects.filter(customer_id=user.customer_id).exists()
