"""Reads of repayment quotes and instructions, scoped to the borrower who asks."""

from django.shortcuts import get_object_or_404

from accounts.models import RepaymentInstruction, RepaymentQuote


def repayment_instruction_list(*, user, account):
    """The account's instructions, newest first (one query, whatever their number)."""
    return list(RepaymentInstruction.objects.for_user(user).filter(account=account).order_by("-requested_at", "-pk"))


def repayment_instruction_get(*, user, account, reference):
    """One of the borrower's instructions; another's (or a guessed reference) is a 404."""
    return get_object_or_404(
        RepaymentInstruction.objects.for_user(user).filter(account=account).select_related("quote"),
        reference=reference,
    )


def repayment_quote_get(*, user, account, reference):
    """One of the borrower's quotes; another's (or a guessed reference) is a 404."""
    queryset = RepaymentQuote.objects.filter(account=account, account__customer_id=user.customer_id)
    return get_object_or_404(queryset, reference=reference)


def repayment_instruction_pending(*, account, kind):
    return RepaymentInstruction.objects.filter(account=account, kind=kind).pending().first()
