"""Reads of credit accounts, the ledger, scores and repayments, scoped to the person asking."""

from datetime import timedelta

from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import CreditAccount, CreditScore, LimitChange, ReasonCode, RepaymentInstallment


def credit_account_list(*, user):
    """The borrower's own accounts with their product, for the dashboard and the API."""
    return CreditAccount.objects.for_user(user).select_related("product").order_by("opened_at", "pk")


def credit_account_get(*, user, account_id):
    """One of the borrower's own accounts; another's (or a guessed id) is a 404."""
    return get_object_or_404(credit_account_list(user=user), pk=account_id)


def limit_change_list(*, user, account):
    """The account's ledger, newest first, with reason codes resolved in one query."""
    changes = list(LimitChange.objects.for_user(user).filter(account=account).order_by("-sequence"))
    codes = {code for change in changes for code in change.reason_codes}
    catalogue = ReasonCode.objects.in_bulk(codes)
    for change in changes:
        change.reasons = [catalogue[code] for code in change.reason_codes if code in catalogue]
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


def next_installment_due(*, account):
    return (
        RepaymentInstallment.objects.filter(account=account, status__in=["scheduled", "partial", "overdue"])
        .order_by("due_date")
        .first()
    )
