"""Reminders: a repayment due in three days, a repayment missed yesterday, an appeal waiting
for the borrower's answer.

Each reminder goes once per event (``notification_send``'s idempotency key, e.g.
``reminder:due3:<installment id>``), lands in the notification centre, and is emailed unless the
borrower turned reminder emails off. None is sent during quiet hours (22:00–08:00 in the
borrower's time zone): the beat runs hourly and simply leaves those borrowers for a later run, so
a deferred reminder goes out at 08:00 local time rather than being dropped."""

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import RepaymentInstallment
from appeals.services import appeals_information_remind
from education.models import CommunicationPreference
from portal.models import Notification
from portal.services import notification_send

QUIET_FROM_HOUR = 22
QUIET_UNTIL_HOUR = 8
# A reminder still goes if the beat could not send it on the exact day (outage, quiet hours).
DUE_SOON_DAYS = 3
OVERDUE_LATEST_DAYS = 3


def is_quiet_hour(*, now, time_zone):
    hour = timezone.localtime(now, ZoneInfo(time_zone)).hour
    return hour >= QUIET_FROM_HOUR or hour < QUIET_UNTIL_HOUR


def _preferences(user_ids):
    """``{user id: (reminder_emails, time zone)}``; borrowers without a row get the defaults."""
    rows = CommunicationPreference.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "reminder_emails", "time_zone"
    )
    found = {user_id: (emails, zone) for user_id, emails, zone in rows}
    return {user_id: found.get(user_id, (True, settings.TIME_ZONE)) for user_id in user_ids}


def reminder_channel(user, now):
    """None during the borrower's quiet hours (try again later); otherwise whether to email."""
    emails, zone = _preferences([user.pk])[user.pk]
    if is_quiet_hour(now=now, time_zone=zone):
        return None
    return emails


def _repayment_candidates(now):
    """Unsettled installments due within a few days either side of today, with their borrower."""
    today = now.date()
    return list(
        RepaymentInstallment.objects.filter(
            due_date__gte=today - timedelta(days=OVERDUE_LATEST_DAYS + 1),
            due_date__lte=today + timedelta(days=DUE_SOON_DAYS + 1),
            status__in=["scheduled", "partial", "overdue"],
            account__customer__user__isnull=False,
        )
        .select_related("account__product", "account__customer__user")
        .order_by("due_date", "pk")
    )


def repayment_reminders_send(*, now=None):
    """Due-in-three-days and overdue-since-yesterday reminders. Returns how many were sent."""
    now = now or timezone.now()
    installments = _repayment_candidates(now)
    users = {item.account.customer.user.pk: item.account.customer.user for item in installments}
    preferences = _preferences(list(users))
    plans = []
    for item in installments:
        user = item.account.customer.user
        emails, zone = preferences[user.pk]
        if is_quiet_hour(now=now, time_zone=zone):
            continue
        days_left = (item.due_date - timezone.localtime(now, ZoneInfo(zone)).date()).days
        owed = Decimal(item.amount_due) - Decimal(item.amount_paid)
        if owed <= 0:
            continue
        if 1 <= days_left <= DUE_SOON_DAYS:
            plans.append(("due3", "repayment_due_soon", item, user, emails, days_left, owed))
        elif -OVERDUE_LATEST_DAYS <= days_left <= -1:
            plans.append(("overdue", "repayment_overdue", item, user, emails, days_left, owed))
    sent_keys = set(
        Notification.objects.filter(
            idempotency_key__in=[f"reminder:{kind}:{item.pk}" for kind, _t, item, *_rest in plans]
        ).values_list("idempotency_key", flat=True)
    )
    sent = 0
    for kind, template, item, user, emails, days_left, owed in plans:
        key = f"reminder:{kind}:{item.pk}"
        if key in sent_keys:
            continue
        notification_send(
            recipient=user,
            kind=f"reminder.{kind}",
            template=template,
            link=reverse("credit_repayments", args=[item.account.pk]),
            email=emails,
            idempotency_key=key,
            context={
                "installment": item,
                "amount": owed,
                "currency": item.account.product.currency,
                "days_left": days_left,
                "days_late": -days_left,
            },
        )
        sent += 1
    return sent


def appeal_reminders_send(*, now=None):
    """The appeals app's information-request reminder, through the same quiet hours and
    preferences (it keeps its own once-only bookkeeping on the appeal)."""
    return appeals_information_remind(now=now or timezone.now(), reminder_channel=reminder_channel)


def reminders_send(*, now=None):
    now = now or timezone.now()
    return {"repayments": repayment_reminders_send(now=now), "appeals": appeal_reminders_send(now=now)}
