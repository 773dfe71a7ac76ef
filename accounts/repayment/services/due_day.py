"""Change of due day: 1–28, once in 12 months, from a stated instalment."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import RepaymentInstruction
from accounts.repayment import schedule
from accounts.repayment.services.common import (
    DUE_DAY_MAX,
    DUE_DAY_MIN,
    Kind,
    RepaymentRefused,
    Status,
    _account_lock,
    _audit,
    _movable_installments,
    _pending_refuse,
    _send,
)
from portal.exceptions import PortalError


def _due_day_parse(due_day):
    try:
        value = int(str(due_day).strip())
    except (TypeError, ValueError):
        value = None
    if value is None or not DUE_DAY_MIN <= value <= DUE_DAY_MAX:
        raise PortalError(
            _("Choose a due day between 1 and 28 (every month has those days)."), field="due_day", code="due_day_range"
        )
    return value


def due_day_change_preview(*, account, due_day, now=None):
    """What moving the due day to ``due_day`` does: [(instalment, new due date)], from the first
    instalment due at least REPAYMENT_DUE_DAY_NOTICE_DAYS away. Refused (PortalError) outside
    1–28, for a second change within 12 months, or with nothing to move."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    due_day = _due_day_parse(due_day)
    previous = (
        RepaymentInstruction.objects.filter(
            account=account,
            kind=Kind.DUE_DAY_CHANGE,
            status__in=[Status.REQUESTED, Status.SENT, Status.CONFIRMED],
            requested_at__gt=schedule.one_year_before(now),
        )
        .order_by("-requested_at")
        .first()
    )
    if previous is not None:
        raise RepaymentRefused(
            _(
                "You asked to change your due day on %(date)s. The due day can be changed once in 12 months; "
                "you can change it again from %(next)s."
            )
            % {
                "date": formats.date_format(timezone.localdate(previous.requested_at)),
                "next": formats.date_format(timezone.localdate(previous.requested_at) + timedelta(days=365)),
            },
            field="due_day",
            code="due_day_once_a_year",
        )
    start = today + timedelta(days=settings.REPAYMENT_DUE_DAY_NOTICE_DAYS)
    rows = list(_movable_installments(account=account, from_date=start))
    if not rows:
        raise RepaymentRefused(
            _("There is no upcoming instalment to move, so the due day cannot be changed now."),
            code="nothing_to_move",
        )
    if all(row.due_date.day == due_day for row in rows):
        raise PortalError(
            _("Your instalments are already due on day %(day)s of the month.") % {"day": due_day},
            field="due_day",
            code="due_day_unchanged",
        )
    new_dates = schedule.monthly_due_dates(after=start - timedelta(days=1), due_day=due_day, count=len(rows))
    return due_day, list(zip(rows, new_dates, strict=True))


def due_day_change_request(*, user, account_id, due_day, request=None, now=None):
    """Ask the core system to move the due day (1–28, once in 12 months)."""
    now = now or timezone.now()
    with transaction.atomic():
        account = _account_lock(user=user, account_id=account_id)
        _pending_refuse(account=account, kind=Kind.DUE_DAY_CHANGE)
        due_day, moves = due_day_change_preview(account=account, due_day=due_day, now=now)
        proposed = [{"due_date": new.isoformat(), "amount_due": str(row.amount_due)} for row, new in moves]
        instruction = RepaymentInstruction.objects.create(
            account=account,
            kind=Kind.DUE_DAY_CHANGE,
            requested_by=user,
            parameters={"due_day": due_day, "effective_from": moves[0][0].due_date.isoformat()},
            proposed_schedule=proposed,
            requested_at=now,
        )
        _audit(actor=user, action="requested", instruction=instruction, request=request, after={"due_day": due_day})
        _send(
            instruction,
            now=now,
            payload={
                "account": account.external_id,
                "due_day": due_day,
                "effective_from": moves[0][0].due_date.isoformat(),
                "proposed_schedule": proposed,
            },
        )
    return instruction
