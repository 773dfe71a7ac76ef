"""Staff steps while an appeal is under review: assigning it, asking the borrower for
information, replying, extending the deadline and escalating. Deciding is in decision.py."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appeals.decision_records import appeal_recused_user_ids
from appeals.models import Appeal, AppealMessage
from appeals.selectors import appeal_queue_rows
from appeals.services.common import (
    APPROVE_PERMISSION,
    BORROWER_ACTIVE_STATUSES,
    REVIEW_PERMISSION,
    Status,
    audit,
    clean_text,
    conflict,
    event_record,
    forbidden,
    involved_user_ids,
    lock,
    notify_borrower,
    notify_staff,
    require_not_recused,
    require_reviewer,
    require_staff_permission,
    require_status,
    supervisors,
)
from portal.deadlines import deadline_profile
from portal.exceptions import PortalError
from portal.services import audit_event_record


def _second_reviewer_assign(appeal, *, actor, assignee, request, now, notify=True):
    """In a second-level review the reviewer is a supervisor who took no part so far."""
    require_staff_permission(actor, APPROVE_PERMISSION)
    require_staff_permission(assignee, APPROVE_PERMISSION)
    if assignee.pk in involved_user_ids(appeal):
        raise forbidden(_("A second-level review needs a supervisor who took no part in the appeal or the decision."))
    appeal.second_reviewer = assignee
    appeal.save(update_fields=["second_reviewer", "updated_at"])
    event_record(appeal, "second_review_assigned", actor=actor, public=True, now=now)
    audit(actor, "second_review_assigned", appeal, request=request, after={"reviewer": str(assignee)})
    if notify:
        notify_borrower(appeal, "second_review_assigned")
    return appeal


def _assign_locked(appeal, *, actor, assignee, request, now, notify=True):
    """Assign the locked appeal; ``notify=False`` when a decision follows at once (the borrower
    hears about the decision, not about the hand-over)."""
    if appeal.status == Status.SECOND_REVIEW:
        return _second_reviewer_assign(appeal, actor=actor, assignee=assignee, request=request, now=now, notify=notify)
    require_staff_permission(actor, REVIEW_PERMISSION)
    require_staff_permission(assignee, REVIEW_PERMISSION)
    require_status(appeal, BORROWER_ACTIVE_STATUSES)
    if assignee.pk in appeal_recused_user_ids(appeal):
        raise forbidden(
            _("%(person)s took part in the decision under appeal, so they may not review it.")
            % {"person": assignee.get_username()}
        )
    if assignee.pk != actor.pk and not actor.has_perm(APPROVE_PERMISSION):
        raise forbidden(_("Only a supervisor may assign an appeal to a colleague."))
    before = {"assignee": str(appeal.assignee or ""), "status": appeal.status}
    first = appeal.status == Status.SUBMITTED
    appeal.assignee = assignee
    if first:
        appeal.status = Status.UNDER_REVIEW
    appeal.save(update_fields=["assignee", "status", "updated_at"])
    event_record(appeal, "assigned", actor=actor, public=first, now=now, data={"assignee": assignee.get_username()})
    audit(actor, "assigned", appeal, request=request, before=before, after={"assignee": str(assignee)})
    if first and notify:
        notify_borrower(appeal, "under_review")
    return appeal


def appeal_assign(*, appeal, actor, assignee=None, request=None, now=None):
    """Give the appeal to a reviewer (by default the actor: "assign to me"; to a colleague only
    a supervisor may). In a second-level review the reviewer is a supervisor who took no part so far."""
    now = now or timezone.now()
    with transaction.atomic():
        appeal = lock(appeal)
        return _assign_locked(appeal, actor=actor, assignee=assignee or actor, request=request, now=now)


def appeal_claim_if_unassigned(appeal, *, actor, request=None, now=None):
    """Deciding, asking the borrower for information or extending the deadline of an appeal
    nobody handles yet assigns it to the actor first, on the already locked appeal, with every
    check of "assign to me" (permission, recusal, second-level rules). An appeal someone else
    handles is left alone: the step's own check refuses it."""
    now = now or timezone.now()
    if appeal.status in (Status.SUBMITTED, Status.UNDER_REVIEW) and appeal.assignee_id is None:
        return _assign_locked(appeal, actor=actor, assignee=actor, request=request, now=now, notify=False)
    if appeal.status == Status.SECOND_REVIEW and appeal.second_reviewer_id is None:
        return _assign_locked(appeal, actor=actor, assignee=actor, request=request, now=now, notify=False)
    return appeal


def appeals_assign_many(*, appeal_ids, actor, assignee=None, request=None):
    """Assign several appeals at once (bulk action). Each is its own step with every check of
    ``appeal_assign``; a refused one is audited and left as it was. Returns (assigned, refused)
    where refused is a list of (appeal, message)."""
    assigned, refused = [], []
    for appeal in Appeal.objects.filter(pk__in=appeal_ids).order_by("due_at", "pk"):
        try:
            assigned.append(appeal_assign(appeal=appeal, actor=actor, assignee=assignee, request=request))
        except PortalError as error:
            audit(actor, "refused", appeal, request=request, summary=f"bulk assign: {error.message}")
            refused.append((appeal, error.message))
    return assigned, refused


def appeal_information_request(*, appeal, actor, message, request=None, now=None):
    """Ask the borrower for something only they have. The deadline clock stops until they answer."""
    now = now or timezone.now()
    message = clean_text(message, "message", _("Say what information you need from the borrower."))
    with transaction.atomic():
        appeal = appeal_claim_if_unassigned(lock(appeal), actor=actor, request=request, now=now)
        require_status(appeal, [Status.UNDER_REVIEW])
        require_reviewer(appeal, actor)
        AppealMessage.objects.create(
            appeal=appeal, author=actor, visibility=AppealMessage.Visibility.PUBLIC, body=message, created_at=now
        )
        appeal.status = Status.INFORMATION_REQUESTED
        appeal.sla_paused_at = now
        appeal.information_requested_at = now
        appeal.information_reminded_at = None
        appeal.save(
            update_fields=[
                "status",
                "sla_paused_at",
                "information_requested_at",
                "information_reminded_at",
                "updated_at",
            ]
        )
        event_record(appeal, "information_requested", actor=actor, now=now)
        audit(actor, "information_requested", appeal, request=request, summary=message)
        answer_by = deadline_profile(appeal.jurisdiction).information_answer_by(now)
        notify_borrower(appeal, "information_requested", message=message, answer_by=answer_by)
    return appeal


def appeal_staff_reply(*, appeal, actor, body, internal=False, request=None, now=None):
    """A reply the borrower sees, or an internal note only staff see."""
    now = now or timezone.now()
    body = clean_text(body, "body", _("Write the message first."))
    with transaction.atomic():
        appeal = lock(appeal)
        if appeal.status == Status.SECOND_REVIEW:
            require_staff_permission(actor, APPROVE_PERMISSION)
        else:
            require_staff_permission(actor, REVIEW_PERMISSION)
            require_not_recused(appeal, actor)
        if not internal:
            require_status(appeal, Appeal.OPEN_STATUSES)
        visibility = AppealMessage.Visibility.INTERNAL if internal else AppealMessage.Visibility.PUBLIC
        AppealMessage.objects.create(appeal=appeal, author=actor, visibility=visibility, body=body, created_at=now)
        kind = "internal_note" if internal else "staff_replied"
        event_record(appeal, kind, actor=actor, public=not internal, now=now)
        audit(actor, kind, appeal, request=request)
        if not internal:
            notify_borrower(appeal, "staff_replied", message=body)
    return appeal


def appeal_deadline_extend(*, appeal, actor, reason, request=None, now=None):
    """A complex case gets more time, once, up to the profile's extended deadline; the borrower
    is told the new date and why."""
    now = now or timezone.now()
    reason = clean_text(reason, "reason", _("Tell the borrower why the case needs more time."))
    with transaction.atomic():
        appeal = appeal_claim_if_unassigned(lock(appeal), actor=actor, request=request, now=now)
        require_status(appeal, BORROWER_ACTIVE_STATUSES)
        require_reviewer(appeal, actor)
        profile = deadline_profile(appeal.jurisdiction)
        if appeal.extended_at is not None:
            raise conflict(_("The deadline has already been extended once; it cannot be extended again."))
        if not profile.can_extend:
            raise conflict(_("The deadline rules in force allow no extension."))
        before = {"due_at": appeal.due_at.isoformat()}
        appeal.due_at = profile.extended_due(appeal.due_at)
        appeal.extended_at = now
        appeal.extension_reason = reason
        appeal.assignee_reminded_at = None
        appeal.breach_notified_at = None
        appeal.save(
            update_fields=[
                "due_at",
                "extended_at",
                "extension_reason",
                "assignee_reminded_at",
                "breach_notified_at",
                "updated_at",
            ]
        )
        event_record(appeal, "extended", actor=actor, description=reason, now=now)
        after = {"due_at": appeal.due_at.isoformat()}
        audit(actor, "extended", appeal, request=request, summary=reason, before=before, after=after)
        notify_borrower(appeal, "extended", reason=reason)
    return appeal


def appeal_escalate(*, appeal, actor, note, request=None, now=None):
    """Bring a supervisor in (a hard case, a complaint about handling). Nothing else changes."""
    now = now or timezone.now()
    note = clean_text(note, "note", _("Say why you are escalating the appeal."))
    with transaction.atomic():
        appeal = lock(appeal)
        require_staff_permission(actor, REVIEW_PERMISSION)
        require_not_recused(appeal, actor)
        require_status(appeal, Appeal.OPEN_STATUSES)
        appeal.escalated_at = now
        appeal.save(update_fields=["escalated_at", "updated_at"])
        AppealMessage.objects.create(
            appeal=appeal, author=actor, visibility=AppealMessage.Visibility.INTERNAL, body=note, created_at=now
        )
        event_record(appeal, "escalated", actor=actor, public=False, description=note, now=now)
        audit(actor, "escalated", appeal, request=request, summary=note)
        notify_staff(supervisors(exclude={actor.pk}), appeal, "escalated", note=note)
    return appeal


def appeal_queue_export(*, actor, queryset, filters, request=None):
    """The rows of a filtered staff queue for a CSV file: only staff who may view appeals, only
    the columns the queue shows, and an audit event saying who took which selection."""
    if not (actor.is_authenticated and actor.is_staff and actor.has_perm("appeals.view_appeal")):
        raise forbidden(_("You do not have permission to export appeals."))
    rows = appeal_queue_rows(queryset)
    audit_event_record(
        actor=actor,
        action="appeal.queue_exported",
        summary=f"{len(rows) - 1} appeals; filters: {filters or '-'}"[:500],
        after={"count": len(rows) - 1, "filters": filters},
        request=request,
    )
    return rows
