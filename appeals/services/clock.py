"""The appeal clock, called by the beat tasks. Every job walks due appeals the same way (per
deadline profile: candidate ids, then each one locked, re-checked and acted on in its own
transaction), so a job run twice, or two runs at once, acts on each appeal once."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from appeals.models import Appeal
from appeals.services.common import (
    Status,
    audit,
    current_reviewer,
    event_record,
    lock,
    notify_borrower,
    notify_staff,
    supervisors,
)
from portal.deadlines import deadline_profiles


@dataclass(frozen=True, slots=True)
class ClockJob:
    """One beat job. ``candidates(profile, now)`` narrows the appeals cheaply; ``due(appeal,
    profile, now)`` re-checks the locked row (another run may have acted since); ``act(appeal,
    profile, now)`` changes it and returns whether it did (False defers it to a later run)."""

    candidates: Callable
    due: Callable
    act: Callable
    per_profile: bool = True  # False: one pass over every jurisdiction (profile is None)

    def run(self, *, now):
        acted = 0
        for profile in deadline_profiles() if self.per_profile else [None]:
            candidates = self.candidates(profile, now)
            if profile is not None:
                candidates = candidates.filter(jurisdiction=profile.jurisdiction)
            for appeal_id in candidates.values_list("pk", flat=True):
                with transaction.atomic():
                    appeal = lock(Appeal(pk=appeal_id))
                    if self.due(appeal, profile, now) and self.act(appeal, profile, now):
                        acted += 1
        return acted


def _closed(appeal, *, now, reason, event):
    appeal.status = Status.CLOSED
    appeal.closed_at = now
    appeal.close_reason = reason
    appeal.save(update_fields=["status", "closed_at", "close_reason", "updated_at"])
    event_record(appeal, event, now=now)
    audit(None, event, appeal)


# --- the reviewer is reminded a few days before the due date ----------------------------------


def _assignee_remind(appeal, profile, now):
    appeal.assignee_reminded_at = now
    appeal.save(update_fields=["assignee_reminded_at"])
    notify_staff(
        [current_reviewer(appeal)],
        appeal,
        "due_soon",
        idempotency_prefix=f"appeal-due-soon:{appeal.pk}:{appeal.due_at:%Y%m%d}",
    )
    event_record(appeal, "assignee_reminded", public=False, now=now)
    return True


ASSIGNEE_REMIND = ClockJob(
    candidates=lambda profile, now: Appeal.objects.on_clock().filter(
        assignee_reminded_at=None, due_at__gt=now, due_at__lte=profile.assignee_reminder_horizon(now)
    ),
    due=lambda appeal, profile, now: (
        appeal.assignee_reminded_at is None
        and appeal.status in Appeal.OPEN_STATUSES
        and current_reviewer(appeal) is not None
    ),
    act=_assignee_remind,
)


def appeals_assignee_remind(*, now=None):
    """Remind each assignee once, a few days before their appeal is due."""
    return ASSIGNEE_REMIND.run(now=now or timezone.now())


# --- supervisors hear of a passed deadline --------------------------------------------------


def _breach_report(appeal, profile, now):
    appeal.breach_notified_at = now
    appeal.save(update_fields=["breach_notified_at"])
    notify_staff(
        supervisors(),
        appeal,
        "breached",
        idempotency_prefix=f"appeal-breach:{appeal.pk}:{appeal.due_at:%Y%m%d}",
    )
    event_record(appeal, "deadline_breached", public=False, now=now)
    audit(None, "deadline_breached", appeal, after={"due_at": appeal.due_at.isoformat()})
    return True


BREACH_REPORT = ClockJob(
    # A decision still waiting for its four-eyes approval counts: the borrower has no answer yet.
    candidates=lambda profile, now: Appeal.objects.filter(
        status__in=[*Appeal.ON_CLOCK_STATUSES, Status.AWAITING_APPROVAL], breach_notified_at=None, due_at__lt=now
    ),
    due=lambda appeal, profile, now: appeal.breach_notified_at is None and appeal.due_at < now,
    act=_breach_report,
    per_profile=False,
)


def appeals_breach_report(*, now=None):
    """Tell the Supervisor group, once, about each appeal whose deadline has passed, including
    a decision still waiting for its four-eyes approval (the borrower has no answer yet)."""
    return BREACH_REPORT.run(now=now or timezone.now())


# --- the borrower is reminded of an unanswered information request --------------------------


def _information_remind_job(reminder_channel):
    def act(appeal, profile, now):
        email = True if reminder_channel is None else reminder_channel(appeal.submitted_by, now)
        if email is None:
            return False  # quiet hours: a later run sends it
        appeal.information_reminded_at = now
        appeal.save(update_fields=["information_reminded_at"])
        event_record(appeal, "borrower_reminded", now=now)
        notify_borrower(
            appeal,
            "information_reminder",
            answer_by=profile.information_answer_by(appeal.information_requested_at),
            idempotency_key=f"appeal-info-reminder:{appeal.pk}:{appeal.information_requested_at.timestamp()}",
            email=email,
        )
        return True

    return ClockJob(
        candidates=lambda profile, now: Appeal.objects.filter(
            status=Status.INFORMATION_REQUESTED,
            information_reminded_at=None,
            information_requested_at__lte=profile.information_reminder_cutoff(now),
        ),
        due=lambda appeal, profile, now: (
            appeal.status == Status.INFORMATION_REQUESTED and appeal.information_reminded_at is None
        ),
        act=act,
    )


def appeals_information_remind(*, now=None, reminder_channel=None):
    """Remind a borrower, once, who has not answered an information request after a few days.

    ``reminder_channel(user, now)`` (education's reminder rules) may return None to defer the
    reminder to a later run (quiet hours), or whether to email it as well as the notice."""
    return _information_remind_job(reminder_channel).run(now=now or timezone.now())


# --- an information request unanswered too long closes the appeal -----------------------------


def _unanswered_close(appeal, profile, now):
    _closed(appeal, now=now, reason=Appeal.CloseReason.UNANSWERED, event="closed_unanswered")
    notify_borrower(appeal, "closed_unanswered")
    return True


UNANSWERED_CLOSE = ClockJob(
    candidates=lambda profile, now: Appeal.objects.filter(
        status=Status.INFORMATION_REQUESTED, information_requested_at__lte=profile.information_close_cutoff(now)
    ),
    due=lambda appeal, profile, now: (
        appeal.status == Status.INFORMATION_REQUESTED
        and appeal.information_requested_at <= profile.information_close_cutoff(now)
    ),
    act=_unanswered_close,
)


def appeals_unanswered_close(*, now=None):
    """Close, with a notice, appeals whose information request went unanswered too long."""
    return UNANSWERED_CLOSE.run(now=now or timezone.now())


# --- a decided appeal closes once its second-review window shuts ------------------------------


def _decided_close(appeal, profile, now):
    _closed(appeal, now=now, reason=Appeal.CloseReason.DECIDED, event="closed")
    return True


DECIDED_CLOSE = ClockJob(
    candidates=lambda profile, now: Appeal.objects.filter(
        status=Status.DECIDED, decided_at__lt=profile.second_review_close_cutoff(now)
    ),
    due=lambda appeal, profile, now: appeal.status == Status.DECIDED,
    act=_decided_close,
)


def appeals_decided_close(*, now=None):
    """Close decided appeals once the window for asking a second-level review has passed."""
    return DECIDED_CLOSE.run(now=now or timezone.now())
