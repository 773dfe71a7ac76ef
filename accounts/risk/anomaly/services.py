"""Staff actions on anomaly detection: switching a model version on, and confirming or
dismissing a review. Each checks permission and state and writes its audit event; none changes a
limit (a confirmed review points the analyst to the account's normal decision path)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AnomalyModelVersion, AnomalyReview
from accounts.risk.anomaly.scoring import (
    anomaly_scoring_chunk_score,
    anomaly_scoring_chunks_requeue,
    anomaly_scoring_run,
    anomaly_scoring_run_start,
)
from accounts.risk.anomaly.training import anomaly_model_train, artefact_load
from portal.exceptions import PortalError
from portal.services import audit_event_record

__all__ = [
    "anomaly_model_train",
    "anomaly_model_version_activate",
    "anomaly_review_confirm",
    "anomaly_review_dismiss",
    "anomaly_scoring_chunk_score",
    "anomaly_scoring_chunks_requeue",
    "anomaly_scoring_run",
    "anomaly_scoring_run_start",
]


def anomaly_model_version_activate(*, version, actor, request=None, now=None):
    """Switch a draft model version on; the version in force until now is retired. The same rules
    as switching a policy version on (accounts.risk.services.policy_version_activate): the
    permission to change versions, drafts only, one version active, audited. The artefact's hash
    is checked first, so a version whose file was changed is never switched on."""
    now = now or timezone.now()
    if not actor.has_perm("accounts.change_anomalymodelversion"):
        raise PortalError(_("You do not have permission to switch anomaly models on."), code="forbidden")
    with transaction.atomic():
        version = AnomalyModelVersion.objects.select_for_update().get(pk=version.pk)
        if version.status != AnomalyModelVersion.Status.DRAFT:
            raise PortalError(_("Only a draft can be switched on."), code="not_draft")
        artefact_load(version)
        previous = (
            AnomalyModelVersion.objects.select_for_update().filter(status=AnomalyModelVersion.Status.ACTIVE).first()
        )
        if previous:
            previous.status = AnomalyModelVersion.Status.RETIRED
            previous.save(update_fields=["status"])
        version.status = AnomalyModelVersion.Status.ACTIVE
        version.activated_at, version.activated_by = now, actor
        version.save(update_fields=["status", "activated_at", "activated_by"])
        audit_event_record(
            actor=actor,
            action="anomaly_model_version.activated",
            target=version,
            before={"active": previous.label if previous else None},
            after={"active": version.label, "sha256": version.artefact_sha256},
            request=request,
        )
    return version


def _review_decide(*, review, actor, note, status, action, request, now):
    if not actor.has_perm("accounts.decide_anomalyreview"):
        raise PortalError(_("You do not have permission to confirm or dismiss anomaly reviews."), code="forbidden")
    note = (note or "").strip()
    if not note:
        raise PortalError(
            _("Write a note saying what you checked: it is kept with the review."), code="note_required", field="note"
        )
    now = now or timezone.now()
    with transaction.atomic():
        review = AnomalyReview.objects.select_for_update().get(pk=review.pk)
        if review.status != AnomalyReview.Status.OPEN:
            raise PortalError(_("This review has already been closed."), code="not_open")
        review.status, review.reviewed_by, review.reviewed_at, review.review_note = status, actor, now, note
        review.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
        audit_event_record(
            actor=actor,
            action=action,
            target=review,
            before={"status": AnomalyReview.Status.OPEN},
            after={"status": status, "model_version": review.model_version_id, "account": review.account_id},
            summary=note[:200],
            request=request,
        )
    return review


def anomaly_review_confirm(*, review, actor, note, request=None, now=None):
    """An analyst confirms the behaviour is a real concern. Nothing changes for the borrower:
    any action on the line goes through the normal decision path (a clearance proposal or a
    policy decision), with its notice, reasons and appeal rights."""
    return _review_decide(
        review=review,
        actor=actor,
        note=note,
        status=AnomalyReview.Status.CONFIRMED,
        action="anomaly_review.confirmed",
        request=request,
        now=now,
    )


def anomaly_review_dismiss(*, review, actor, note, request=None, now=None):
    """An analyst finds nothing wrong; the review is closed with the note."""
    return _review_decide(
        review=review,
        actor=actor,
        note=note,
        status=AnomalyReview.Status.DISMISSED,
        action="anomaly_review.dismissed",
        request=request,
        now=now,
    )
