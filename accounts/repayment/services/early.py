"""Early repayment, full or partial: an exact quote valid until a stated time, then the instruction."""

from datetime import datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import RepaymentInstruction, RepaymentQuote
from accounts.repayment import schedule
from accounts.repayment.services.common import (
    Kind,
    RepaymentRefused,
    _account_lock,
    _audit,
    _local_moment,
    _pending_refuse,
    _send,
    open_installments,
)
from portal.exceptions import PortalError
from portal.formatting import money
from portal.services import audit_event_record


def quote_valid_until(now):
    """A quote holds REPAYMENT_QUOTE_MINUTES, or (0) until the end of the day where it was made."""
    minutes = settings.REPAYMENT_QUOTE_MINUTES
    if minutes > 0:
        return now + timedelta(minutes=minutes)
    local = timezone.localtime(now)
    return datetime.combine(local.date(), time(23, 59, 59), tzinfo=local.tzinfo)


def _parse_amount(amount):
    if amount in (None, ""):
        return None
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise PortalError(_("Enter an amount such as 1000.00."), field="amount", code="amount_invalid")
    return value


def early_repayment_quote(*, user, account_id, amount=None, request=None, now=None):
    """An exact quote for repaying everything (``amount`` None) or ``amount`` today."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    amount = _parse_amount(amount)
    with transaction.atomic():
        account = _account_lock(user=user, account_id=account_id)
        if account.outstanding_balance <= 0:
            raise RepaymentRefused(_("Nothing is owed on this line, so there is nothing to repay."), code="no_balance")
        owed_rows = open_installments(account=account, today=today)
        all_dates = list(account.installments.values_list("due_date", flat=True))
        since = schedule.last_due_before(
            due_dates=all_dates, today=today, fallback=timezone.localdate(account.opened_at)
        )
        try:
            figures = schedule.early_repayment_figures(
                principal=account.outstanding_balance,
                daily_rate=account.product.daily_interest_rate,
                since=since,
                today=today,
                scheduled_total=sum((row.amount_due - row.amount_paid for row in owed_rows), Decimal("0")),
                remaining_dates=[row.due_date for row in owed_rows if row.due_date > today],
                amount=amount,
            )
        except ValueError:
            owed = account.outstanding_balance + schedule.accrued_interest(
                principal=account.outstanding_balance,
                daily_rate=account.product.daily_interest_rate,
                since=since,
                today=today,
            )
            raise PortalError(
                _(
                    "A partial repayment must be more than nothing and less than the %(owed)s you owe today. "
                    "To repay everything, choose full repayment."
                )
                % {"owed": money(owed, account.currency)},
                field="amount",
                code="amount_out_of_range",
            ) from None
        quote = RepaymentQuote.objects.create(
            account=account,
            full=amount is None,
            amount=figures.amount,
            principal=figures.principal,
            accrued_interest=figures.accrued_interest,
            owed_today=figures.owed_today,
            interest_saved=figures.interest_saved,
            valid_until=quote_valid_until(now),
            created_at=now,
        )
        audit_event_record(
            actor=user,
            action="repayment.quoted",
            target=account,
            request=request,
            after={
                "quote": str(quote.reference),
                "amount": str(quote.amount),
                "valid_until": quote.valid_until.isoformat(),
            },
        )
    return quote


def early_repayment_request(*, user, account_id, quote_reference, request=None, now=None):
    """Ask the core system to take the quoted repayment. A quote past its validity is refused."""
    now = now or timezone.now()
    with transaction.atomic():
        account = _account_lock(user=user, account_id=account_id)
        quote = RepaymentQuote.objects.filter(account=account, reference=quote_reference).first()
        if quote is None:
            raise RepaymentQuote.DoesNotExist
        if RepaymentInstruction.objects.filter(quote=quote).exists():
            raise RepaymentRefused(_("This quote was already used. Ask for a new quote."), code="quote_used")
        if quote.is_expired(now):
            raise RepaymentRefused(
                _(
                    "This quote was valid until %(time)s and has expired: what you owe changes every day. "
                    "Ask for a new quote."
                )
                % {"time": _local_moment(quote.valid_until)},
                code="quote_expired",
            )
        _pending_refuse(account=account, kind=Kind.EARLY_REPAYMENT)
        instruction = RepaymentInstruction.objects.create(
            account=account,
            kind=Kind.EARLY_REPAYMENT,
            requested_by=user,
            quote=quote,
            amount=quote.amount,
            parameters={"full": quote.full, "amount": str(quote.amount)},
            requested_at=now,
        )
        _audit(
            actor=user,
            action="requested",
            instruction=instruction,
            request=request,
            after={"amount": str(quote.amount)},
        )
        _send(
            instruction,
            now=now,
            payload={
                "account": account.external_id,
                "full": quote.full,
                "amount": str(quote.amount),
                "currency": account.currency,
                "owed_today": str(quote.owed_today),
                "quote_valid_until": quote.valid_until.isoformat(),
            },
        )
    return instruction
