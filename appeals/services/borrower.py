"""The borrower's steps on their own appeal: answering (which restarts a paused clock),
withdrawing before a decision, and asking for a second-level review after an upheld one."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appeals import evidence as evidence_files
from appeals.models import AppealMessage
from appeals.services.common import (
    BORROWER_ACTIVE_STATUSES,
    Outcome,
    Status,
    audit,
    clean_text,
    conflict,
    current_reviewer,
    event_record,
    evidence_prepare,
    evidence_save,
    involved_user_ids,
    lock,
    notify_borrower,
    notify_staff,
    require_owner,
    require_status,
    supervisors,
)
from portal.deadlines import deadline_profile
from portal.exceptions import PortalError


def _clock_resume(appeal, now):
    """The answer to an information request: the due date moves by exactly the time we waited."""
    appeal.due_at, paused = deadline_profile(appeal.jurisdiction).resumed_due(appeal.due_at, appeal.sla_paused_at, now)
    appeal.sla_paused_total += paused
    appeal.sla_paused_at = None
    appeal.status = Status.UNDER_REVIEW
    appeal.save(update_fields=["due_at", "sla_paused_total", "sla_paused_at", "status", "updated_at"])


def appeal_borrower_reply(*, appeal, user, body, files=(), request=None, now=None):
    """The borrower adds information (with files). Answering an information request restarts
    the clock: the time we waited is added to the due date."""
    now = now or timezone.now()
    require_owner(appeal, user)
    body = clean_text(body, "body", _("Write your answer before sending it."))
    written = []
    try:
        with transaction.atomic():
            appeal = lock(appeal)
            require_status(
                appeal,
                [*BORROWER_ACTIVE_STATUSES, Status.SECOND_REVIEW],
                _("This appeal is %(status)s, so it no longer takes new information.")
                % {"status": appeal.get_status_display()},
            )
            prepared = evidence_prepare(files, existing=appeal.evidence.count())
            message = AppealMessage.objects.create(
                appeal=appeal,
                author=user,
                from_borrower=True,
                visibility=AppealMessage.Visibility.PUBLIC,
                body=body,
                created_at=now,
            )
            evidence_save(appeal, prepared, user=user, message=message, written=written)
            resumed = appeal.status == Status.INFORMATION_REQUESTED
            if resumed:
                _clock_resume(appeal, now)
            event_record(appeal, "borrower_replied", actor=user, now=now, data={"files": len(prepared)})
            audit(user, "borrower_replied", appeal, request=request, after={"files": len(prepared)})
            notify_borrower(appeal, "reply_received", resumed=resumed)
            reviewer = current_reviewer(appeal)
            if reviewer is not None:
                notify_staff([reviewer], appeal, "borrower_replied")
    except BaseException:
        evidence_files.evidence_discard(written)
        raise
    return appeal


def appeal_withdraw(*, appeal, user, request=None, now=None):
    now = now or timezone.now()
    require_owner(appeal, user)
    with transaction.atomic():
        appeal = lock(appeal)
        require_status(
            appeal,
            BORROWER_ACTIVE_STATUSES,
            _("This appeal is %(status)s and can no longer be withdrawn.") % {"status": appeal.get_status_display()},
        )
        appeal.status = Status.WITHDRAWN
        appeal.withdrawn_at = now
        appeal.sla_paused_at = None
        appeal.save(update_fields=["status", "withdrawn_at", "sla_paused_at", "updated_at"])
        event_record(appeal, "withdrawn", actor=user, now=now)
        audit(user, "withdrawn", appeal, request=request)
        notify_borrower(appeal, "withdrawn")
    return appeal


def appeal_second_review_request(*, appeal, user, reason, request=None, now=None):
    """After an upheld decision the borrower may ask, within the profile's window, for a
    supervisor who took no part to look at the case again."""
    now = now or timezone.now()
    require_owner(appeal, user)
    reason = clean_text(reason, "reason", _("Tell us why the decision should be looked at again."))
    with transaction.atomic():
        appeal = lock(appeal)
        require_status(appeal, [Status.DECIDED], _("A second-level review can be asked for only after a decision."))
        if appeal.outcome != Outcome.UPHELD:
            raise conflict(_("A second-level review can be asked for only when the appeal was upheld."))
        profile = deadline_profile(appeal.jurisdiction)
        if not profile.second_review_open(appeal.decided_at, now):
            raise PortalError(
                _("A second-level review had to be asked for within %(days)s days of the decision.")
                % {"days": profile.second_review_days},
                code="second_review_late",
            )
        appeal.status = Status.SECOND_REVIEW
        appeal.second_review_requested_at = now
        appeal.second_review_reason = reason
        appeal.due_at = profile.decision_due(now)
        appeal.assignee_reminded_at = None
        appeal.breach_notified_at = None
        appeal.save(
            update_fields=[
                "status",
                "second_review_requested_at",
                "second_review_reason",
                "due_at",
                "assignee_reminded_at",
                "breach_notified_at",
                "updated_at",
            ]
        )
        event_record(appeal, "second_review_requested", actor=user, description=reason, now=now)
        audit(user, "second_review_requested", appeal, request=request, summary=reason)
        notify_borrower(appeal, "second_review_requested")
        notify_staff(supervisors(exclude=involved_user_ids(appeal)), appeal, "second_review_requested")
    return appeal
