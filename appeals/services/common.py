"""What every appeal service shares: the lock, the one error path, the permission and state
checks, and the tail of each step (timeline event, audit event, notices after commit)."""

from django.contrib.auth.models import Group
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import CreditAccount
from appeals import evidence as evidence_files
from appeals.decision_records import appeal_recused_user_ids
from appeals.models import Appeal, AppealEvent, EvidenceFile
from portal.deadlines import deadline_profile
from portal.exceptions import PortalError
from portal.services import audit_event_record, notification_send

Status = Appeal.Status
Outcome = Appeal.Outcome
STATEMENT_MAX_LENGTH = 5000
REVIEW_PERMISSION = "appeals.review_appeal"
APPROVE_PERMISSION = "appeals.approve_appeal"
SUPERVISOR_GROUP = "Supervisor"
# Before a decision the borrower may withdraw and add information.
BORROWER_ACTIVE_STATUSES = (Status.SUBMITTED, Status.UNDER_REVIEW, Status.INFORMATION_REQUESTED)


# ---------------------------------------------------------------------------------------------
# Errors


def not_found():
    error = PortalError(_("We could not find that appeal."), code="not_found")
    error.status_code = 404
    return error


def forbidden(message):
    error = PortalError(message, code="forbidden")
    error.status_code = 403
    return error


def conflict(message, code="invalid_state"):
    error = PortalError(message, code=code)
    error.status_code = 409
    return error


# ---------------------------------------------------------------------------------------------
# Locking and checks


def lock(appeal):
    """The appeal's row only (step 3 of the portal's lock order, ``portal.db``)."""
    return (
        Appeal.objects.select_for_update(of=("self",))
        .select_related(
            "limit_change__account__product", "closure_request__account__product", "submitted_by", "assignee"
        )
        .get(pk=appeal.pk)
    )


def account_and_appeal_lock(appeal):
    """Lock the account under appeal, then the appeal (the portal's lock order, ``portal.db``),
    for a step that may change the account through the ledger. What an appeal is about never
    changes, so its account id may be read before the locks."""
    account_id = (
        Appeal.objects.filter(pk=appeal.pk)
        .values_list(Coalesce("limit_change__account_id", "closure_request__account_id"), flat=True)
        .get()
    )
    CreditAccount.objects.select_for_update(of=("self",)).only("pk").get(pk=account_id)
    return lock(appeal)


def require_status(appeal, allowed, message=None):
    if appeal.status not in allowed:
        raise conflict(
            message
            or _("This step is not possible while the appeal is %(status)s.") % {"status": appeal.get_status_display()}
        )


def require_owner(appeal, user):
    if not user.is_authenticated or user.customer_id is None or appeal.account.customer_id != user.customer_id:
        raise not_found()


def require_staff_permission(actor, permission):
    if not (actor.is_authenticated and actor.is_active and actor.is_staff and actor.has_perm(permission)):
        if permission == APPROVE_PERMISSION:
            raise forbidden(_("Only a supervisor may approve appeal decisions or review them a second time."))
        raise forbidden(_("You do not have permission to review appeals."))


def require_not_recused(appeal, actor):
    if actor.pk in appeal_recused_user_ids(appeal):
        raise forbidden(
            _("You took part in the decision under appeal, so you may not review this appeal. Ask a colleague.")
        )


def require_reviewer(appeal, actor):
    """The person handling this stage: the assignee, or in a second-level review that reviewer."""
    if appeal.status == Status.SECOND_REVIEW:
        require_staff_permission(actor, APPROVE_PERMISSION)
        if appeal.second_reviewer_id != actor.pk:
            raise forbidden(_("Assign the second-level review to yourself first."))
        return
    require_staff_permission(actor, REVIEW_PERMISSION)
    require_not_recused(appeal, actor)
    if appeal.assignee_id != actor.pk:
        raise forbidden(_("Only the assigned reviewer can do this. Assign the appeal to yourself first."))


def involved_user_ids(appeal):
    """Everyone who took part so far; a second-level reviewer must be none of them."""
    ids = appeal_recused_user_ids(appeal) | {appeal.assignee_id, appeal.decided_by_id}
    ids.update(appeal.approvals.values_list("approver_id", flat=True))
    ids.discard(None)
    return ids


def clean_text(value, field, message):
    value = (value or "").strip()
    if not value:
        raise PortalError(message, code="required", field=field)
    if len(value) > STATEMENT_MAX_LENGTH:
        raise PortalError(
            _("Please keep this to %(limit)s characters.") % {"limit": STATEMENT_MAX_LENGTH},
            code="too_long",
            field=field,
        )
    return value


# ---------------------------------------------------------------------------------------------
# Evidence files: checked before the transaction, written inside it, removed if it fails


def evidence_prepare(uploads, *, existing):
    uploads = [upload for upload in uploads or [] if upload]
    evidence_files.evidence_count_check(existing=existing, new=len(uploads))
    return [(upload, *evidence_files.evidence_check(upload)) for upload in uploads]


def evidence_save(appeal, prepared, *, user, message=None, written):
    for upload, content_type, extension in prepared:
        stored_name, size, sha256 = evidence_files.evidence_write(upload, extension)
        written.append(stored_name)
        EvidenceFile.objects.create(
            appeal=appeal,
            message=message,
            stored_name=stored_name,
            original_name=evidence_files.evidence_name(upload.name, extension),
            content_type=content_type,
            size=size,
            sha256=sha256,
            uploaded_by=user,
        )


# ---------------------------------------------------------------------------------------------
# The tail of every step: timeline event, audit event, notices


def event_record(appeal, kind, *, actor=None, description="", public=True, data=None, now=None):
    return AppealEvent.objects.create(
        appeal=appeal,
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        public=public,
        description=description,
        data=data or {},
        created_at=now or timezone.now(),
    )


def audit(actor, action, appeal, *, request=None, summary="", before=None, after=None):
    audit_event_record(
        actor=actor,
        actor_label=None if actor is not None else "appeals-scheduler",
        action=f"appeal.{action}",
        target=appeal,
        summary=summary,
        before=before,
        after=after,
        request=request,
    )


def notify_borrower(appeal, step, *, template="appeal_update", idempotency_key=None, email=True, **context):
    """One notice to the borrower about one step, in their language, with the appeal's link."""
    return notification_send(
        recipient=appeal.submitted_by,
        kind=f"appeal.{step}",
        template=template,
        link=reverse("appeals:detail", args=[appeal.pk]),
        idempotency_key=idempotency_key,
        email=email,
        context={
            "appeal": appeal,
            "step": step,
            "currency": appeal.account.product.currency,
            "profile": deadline_profile(appeal.jurisdiction),
            **context,
        },
    )


def notify_staff(users, appeal, step, *, idempotency_prefix=None, **context):
    for user in users:
        notification_send(
            recipient=user,
            kind=f"appeal_staff.{step}",
            template="appeal_staff",
            link=reverse("admin:appeals_appeal_review", args=[appeal.pk]),
            idempotency_key=f"{idempotency_prefix}:{user.pk}" if idempotency_prefix else None,
            context={"appeal": appeal, "step": step, **context},
        )


def supervisors(*, exclude=()):
    group = Group.objects.filter(name=SUPERVISOR_GROUP).first()
    if group is None:
        return []
    return [user for user in group.user_set.filter(is_active=True, is_staff=True) if user.pk not in exclude]


def current_reviewer(appeal):
    """Who handles the appeal at this stage: the second-level reviewer, or the assignee."""
    return appeal.second_reviewer if appeal.status == Status.SECOND_REVIEW else appeal.assignee
