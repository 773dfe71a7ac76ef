"""Deciding an appeal, and the four-eyes approval of an overturn.

Each is one action object, in the shape of Wagtail's ``wagtail/actions/``: ``clean()`` checks the
input before anything is locked, ``check()`` raises on a permission or state problem once the
appeal is locked, and ``apply()`` changes the appeal (and the ledger) and says which step it took.
``execute()`` runs them in one transaction and ends in the one tail every outcome shares: save
the appeal, record the timeline event, write the audit event, notify."""

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.closure.outcome import ENDED_STATUSES, closure_outcome_apply, closure_outcome_for
from accounts.credit.services import CONSENT_APPEAL, limit_change_apply
from accounts.models import CreditAccount, LimitChange
from appeals.models import Appeal, AppealApproval, AppealMessage
from appeals.services.common import (
    APPROVE_PERMISSION,
    Outcome,
    Status,
    account_and_appeal_lock,
    clean_text,
    conflict,
    event_record,
    forbidden,
    notify_borrower,
    notify_staff,
    require_not_recused,
    require_reviewer,
    require_staff_permission,
    require_status,
    supervisors,
)
from appeals.services.common import audit as audit_record
from appeals.services.review import appeal_claim_if_unassigned
from portal.db import lock_conflict_retried
from portal.deadlines import deadline_profile
from portal.exceptions import PortalError

DECISION_FIELDS = [
    "status",
    "outcome",
    "decision_reason",
    "decided_by",
    "decided_at",
    "restored_limit",
    "restoration",
    "second_review_outcome",
    "second_review_decision_reason",
    "second_review_decided_at",
    "closed_at",
    "close_reason",
    "updated_at",
]


@dataclass(frozen=True)
class DecisionStep:
    """What an action did, for the tail: the event (also the audit action), what the audit event
    records, and the notices to send."""

    event: str
    notify: Callable[[], None]
    public: bool = True
    description: str = ""
    data: dict = field(default_factory=dict)
    summary: str = ""
    after: dict | None = None


class DecisionAction(ABC):
    """The shared shape: clean, lock, check, apply, then the one tail. Each decision says how it
    checks and applies itself."""

    def __init__(self, *, appeal, actor, request=None, now=None):
        self.appeal, self.actor, self.request = appeal, actor, request
        self.now = now or timezone.now()

    def clean(self):  # noqa: B027 - optional step: a decision with no input to check keeps it
        """Check the input; raise PortalError before anything is locked."""

    @abstractmethod
    def check(self):
        """Raise PortalError unless the actor may take this step on the locked appeal now."""

    @abstractmethod
    def apply(self) -> DecisionStep:
        """Change the locked appeal (and the ledger) and say which step was taken."""

    def execute(self) -> Appeal:
        self.clean()
        with transaction.atomic():
            self.appeal = account_and_appeal_lock(self.appeal)
            self.check()
            step = self.apply()
            self.appeal.save(update_fields=DECISION_FIELDS)
            event_record(
                self.appeal,
                step.event,
                actor=self.actor,
                public=step.public,
                description=step.description,
                data=step.data,
                now=self.now,
            )
            audit_record(
                self.actor, step.event, self.appeal, request=self.request, summary=step.summary, after=step.after
            )
            step.notify()
        return self.appeal

    # Steps both actions take

    def record(self, *, level, outcome, reason, decider, restored_limit=None):
        appeal = self.appeal
        if level == 1:
            appeal.outcome, appeal.decision_reason, appeal.decided_by = outcome, reason, decider
            appeal.decided_at, appeal.restored_limit = self.now, restored_limit
        else:
            appeal.second_review_outcome, appeal.second_review_decision_reason = outcome, reason
            appeal.second_review_decided_at = self.now
            if restored_limit is not None:
                appeal.restored_limit = restored_limit

    def finish(self, *, level):
        """After a final decision: level 1 waits for a possible second-level review; level 2 closes."""
        if level == 1:
            self.appeal.status = Status.DECIDED
        else:
            self.appeal.status = Status.CLOSED
            self.appeal.closed_at = self.now
            self.appeal.close_reason = Appeal.CloseReason.SECOND_REVIEW_DECIDED

    def decision_notice(self, *, level, outcome, reason):
        appeal, now = self.appeal, self.now

        def notify():
            notify_borrower(
                appeal,
                f"decided_{outcome}",
                template="appeal_decided",
                outcome=outcome,
                outcome_label=Outcome(outcome).label,
                reason=reason,
                level=level,
                may_ask_second_review=level == 1 and outcome == Outcome.UPHELD,
                second_review_until=deadline_profile(appeal.jurisdiction).second_review_until(now),
                restoration=appeal.restoration,
            )

        return notify

    def restore(self, *, limit, status, decided_by):
        """Give back the limit and status through the ledger."""
        self.appeal.restoration = limit_change_apply(
            account=self.appeal.account,
            kind=LimitChange.Kind.RESTORATION,
            new_limit=limit,
            new_status=status,
            reason_codes=["appeal_outcome"],
            decided_by=LimitChange.DecidedBy.APPEAL,
            decided_by_user=decided_by,
            source_reference=self.appeal.reference,
            request=self.request,
            consent=CONSENT_APPEAL,  # a restoration after the borrower's appeal
        )


class AppealDecide(DecisionAction):
    """Decide the appeal with a written reason. Upheld ends it; an overturn restores the limit
    (or carries out a rejected closure request) through the ledger at once, unless it needs a
    second pair of eyes: then it waits for a supervisor other than the decider."""

    def __init__(self, *, outcome, reason, restored_limit=None, **kwargs):
        super().__init__(**kwargs)
        self.outcome, self.reason, self.restored_limit = outcome, reason, restored_limit

    def clean(self):
        if self.outcome not in Outcome.values:
            raise PortalError(_("Choose the outcome of the appeal."), code="required", field="outcome")
        self.reason = clean_text(
            self.reason, "reason", _("Write the reason for the decision; the borrower will read it.")
        )

    def check(self):
        # Nobody handles it yet: deciding takes it, with every check of "assign to me".
        self.appeal = appeal_claim_if_unassigned(self.appeal, actor=self.actor, request=self.request, now=self.now)
        require_status(
            self.appeal,
            [Status.UNDER_REVIEW, Status.SECOND_REVIEW],
            _("Only an appeal under review can be decided (this one is %(status)s).")
            % {"status": self.appeal.get_status_display()},
        )
        require_reviewer(self.appeal, self.actor)

    def apply(self):
        level = 2 if self.appeal.status == Status.SECOND_REVIEW else 1
        decision = {"level": level, "outcome": self.outcome, "reason": self.reason}
        data = {"outcome": self.outcome, "level": level}
        if self.outcome == Outcome.UPHELD:
            self.record(**decision, decider=self.actor)
            self.finish(level=level)
            return DecisionStep("decided", self.decision_notice(**decision), data=data, summary=self.reason, after=data)
        if self.appeal.closure_request_id is not None:
            return self._closure_request_carry_out(decision, data)
        account, target, status = restoration_target(self.appeal, self.outcome, self.restored_limit)
        after = {"outcome": self.outcome, "restored_limit": str(target), "level": level}
        if needs_second_pair_of_eyes(self.appeal, account, target):
            self._approval_request(level=level, target=target, status=status)
            return DecisionStep(
                "approval_requested", self._approval_notice, data=data, summary=self.reason, after=after
            )
        self.record(**decision, decider=self.actor, restored_limit=target)
        self.restore(limit=target, status=status, decided_by=self.actor)
        self.finish(level=level)
        return DecisionStep("decided", self.decision_notice(**decision), data=data, summary=self.reason, after=after)

    def _closure_request_carry_out(self, decision, data):
        """Overturning the rejection of a closure request carries the request out now, through the
        ledger, as the borrower asked (the one closure rule decides what that does). Carrying out
        the borrower's own request restores nothing, so it needs no second pair of eyes."""
        account, outcome = closure_request_outcome(self.appeal, self.outcome)
        self.record(**decision, decider=self.actor, restored_limit=outcome.new_limit)
        self.appeal.restoration = closure_outcome_apply(
            account=account,
            outcome=outcome,
            decided_by=LimitChange.DecidedBy.APPEAL,
            decided_by_user=self.actor,
            source_reference=self.appeal.reference,
            request=self.request,
        )
        self.finish(level=decision["level"])
        after = {"outcome": data["outcome"], "restored_limit": str(outcome.new_limit), "level": data["level"]}
        return DecisionStep("decided", self.decision_notice(**decision), data=data, summary=self.reason, after=after)

    def _approval_request(self, *, level, target, status):
        AppealApproval.objects.create(
            appeal=self.appeal,
            level=level,
            outcome=self.outcome,
            restored_limit=target,
            restored_status=status,
            reason=self.reason,
            requested_by=self.actor,
            requested_at=self.now,
        )
        if level == 1:
            self.record(level=1, outcome=self.outcome, reason=self.reason, decider=self.actor, restored_limit=target)
        else:
            self.appeal.outcome = self.appeal.outcome or self.outcome
        self.appeal.status = Status.AWAITING_APPROVAL

    def _approval_notice(self):
        notify_borrower(self.appeal, "awaiting_approval")
        notify_staff(supervisors(exclude={self.actor.pk}), self.appeal, "approval_needed")


class AppealApprovalDecide(DecisionAction):
    """The second pair of eyes: a supervisor other than the decider approves the overturn (it
    takes effect now) or sends it back to the reviewer with a note."""

    def __init__(self, *, approve, note="", **kwargs):
        super().__init__(**kwargs)
        self.approve, self.note = approve, (note or "").strip()

    def clean(self):
        if not self.approve and not self.note:
            raise PortalError(_("Say why you are sending the decision back."), code="required", field="note")

    def check(self):
        require_status(self.appeal, [Status.AWAITING_APPROVAL], _("This appeal has no decision waiting for approval."))
        require_staff_permission(self.actor, APPROVE_PERMISSION)
        self.approval = AppealApproval.objects.select_for_update().get(
            appeal=self.appeal, status=AppealApproval.Status.PENDING
        )
        if self.actor.pk == self.approval.requested_by_id:
            raise forbidden(_("You made this decision, so another supervisor must approve it (four eyes)."))
        require_not_recused(self.appeal, self.actor)

    def apply(self):
        approval = self.approval
        approval.approver, approval.decided_at, approval.note = self.actor, self.now, self.note
        approval.status = AppealApproval.Status.APPROVED if self.approve else AppealApproval.Status.REJECTED
        approval.save(update_fields=["status", "approver", "decided_at", "note"])
        return self._approved() if self.approve else self._sent_back()

    def _approved(self):
        approval = self.approval
        decision = {"level": approval.level, "outcome": approval.outcome, "reason": approval.reason}
        self.record(**decision, decider=approval.requested_by, restored_limit=approval.restored_limit)
        self.restore(limit=approval.restored_limit, status=approval.restored_status, decided_by=approval.requested_by)
        self.finish(level=approval.level)
        data = {"outcome": approval.outcome}
        return DecisionStep("approved", self.decision_notice(**decision), data=data, summary=self.note, after=data)

    def _sent_back(self):
        appeal = self.appeal
        if self.approval.level == 1:
            appeal.outcome, appeal.decision_reason, appeal.decided_by, appeal.decided_at = "", "", None, None
            appeal.restored_limit = None
            appeal.status = Status.UNDER_REVIEW
        else:
            appeal.status = Status.SECOND_REVIEW
        AppealMessage.objects.create(
            appeal=appeal,
            author=self.actor,
            visibility=AppealMessage.Visibility.INTERNAL,
            body=self.note,
            created_at=self.now,
        )

        def notify():
            notify_borrower(appeal, "review_resumed")
            notify_staff([self.approval.requested_by], appeal, "approval_rejected", note=self.note)

        return DecisionStep("approval_rejected", notify, public=False, description=self.note, summary=self.note)


# ---------------------------------------------------------------------------------------------
# What an overturn gives back


def restoration_target(appeal, outcome, restored_limit):
    """The limit and status an overturn gives back, checked against the account as it is now."""
    change = appeal.limit_change
    account = CreditAccount.objects.select_for_update().get(pk=change.account_id)
    status_restored = change.previous_status if change.new_status != change.previous_status else account.status
    if account.status in ENDED_STATUSES and account.status != change.new_status:
        raise conflict(
            _("The credit line is %(status)s since this decision, so it cannot be restored through this appeal.")
            % {"status": account.get_status_display()}
        )
    if outcome == Outcome.OVERTURNED:
        target = change.previous_limit
    else:
        lowest = Decimal("0.00") if status_restored != account.status else account.credit_limit
        target = _partial_restoration_limit(restored_limit, lowest=lowest, highest=change.previous_limit)
    if target <= account.credit_limit and status_restored == account.status:
        raise conflict(
            _("The account already has this limit or more; there is nothing to restore. Record the appeal as upheld.")
        )
    return account, target, status_restored


def _partial_restoration_limit(restored_limit, *, lowest, highest):
    try:
        target = Decimal(str(restored_limit)).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        raise PortalError(
            _("For a partial overturn, give the limit to restore."), code="required", field="restored_limit"
        ) from None
    if not lowest < target < highest:
        raise PortalError(
            _("For a partial overturn, give a limit above %(low)s and below %(high)s.")
            % {"low": lowest, "high": highest},
            code="invalid",
            field="restored_limit",
        )
    return target


def closure_request_outcome(appeal, outcome):
    """The locked account and what carrying out the rejected request does to it now, or the
    staff-facing reason it cannot be carried out."""
    if outcome != Outcome.OVERTURNED:
        raise PortalError(
            _("A rejected request is either carried out (overturned) or not (upheld); it cannot be partly overturned."),
            field="outcome",
        )
    account = CreditAccount.objects.select_for_update().get(pk=appeal.closure_request.account_id)
    closure_outcome = closure_outcome_for(closure_request=appeal.closure_request, account=account)
    if closure_outcome.applies:
        return account, closure_outcome
    if account.status in ENDED_STATUSES:
        raise conflict(
            _("The credit line is %(status)s, so the request cannot be carried out. Record the appeal as upheld.")
            % {"status": account.get_status_display()}
        )
    raise conflict(
        _(
            "The credit line already is as the request asked, so there is nothing to carry out. Record the appeal "
            "as upheld and explain."
        )
    )


def needs_second_pair_of_eyes(appeal, account, target):
    """Reversing a clearance, or restoring more than APPEAL_FOUR_EYES_RESTORE_AMOUNT, waits for a
    supervisor other than the decider."""
    return (
        appeal.limit_change.kind == LimitChange.Kind.CLEARANCE
        or target - account.credit_limit > settings.APPEAL_FOUR_EYES_RESTORE_AMOUNT
    )


@lock_conflict_retried
def appeal_decide(*, appeal, actor, outcome, reason, restored_limit=None, request=None, now=None):
    """Decide the appeal with a written reason (see AppealDecide)."""
    return AppealDecide(
        appeal=appeal,
        actor=actor,
        outcome=outcome,
        reason=reason,
        restored_limit=restored_limit,
        request=request,
        now=now,
    ).execute()


@lock_conflict_retried
def appeal_approval_decide(*, appeal, actor, approve, note="", request=None, now=None):
    """Approve an overturn waiting for four eyes, or send it back (see AppealApprovalDecide)."""
    return AppealApprovalDecide(
        appeal=appeal, actor=actor, approve=approve, note=note, request=request, now=now
    ).execute()


# ---------------------------------------------------------------------------------------------
# The preview of a decision on the review page: nothing is locked, saved or sent


def _preview_restoration(appeal, outcome, restored_limit):
    """The restoration the notice will describe (unsaved): None when nothing is given back."""
    if outcome == Outcome.UPHELD:
        return None
    if appeal.closure_request_id:
        account = appeal.closure_request.account
        result = closure_outcome_for(closure_request=appeal.closure_request, account=account)
        if not result.applies:
            return None
        return {"previous_limit": account.credit_limit, "new_limit": result.new_limit}
    change = appeal.limit_change
    target = change.previous_limit if outcome == Outcome.OVERTURNED else restored_limit
    if target is None:
        return None
    return {"previous_limit": change.account.credit_limit, "new_limit": target}


def appeal_decision_preview(*, appeal, outcome, reason, restored_limit=None, now=None):
    """The notice the borrower will get for this decision, rendered in their language from the
    template the decision sends, before anything is sent."""
    now = now or timezone.now()
    profile = deadline_profile(appeal.jurisdiction)
    restoration = _preview_restoration(appeal, outcome, restored_limit)
    context = {
        "recipient": appeal.submitted_by,
        "appeal": appeal,
        "step": f"decided_{outcome}",
        "currency": appeal.account.product.currency,
        "profile": profile,
        "outcome": outcome,
        "outcome_label": Outcome(outcome).label,
        "reason": reason,
        "level": 2 if appeal.status == Status.SECOND_REVIEW else 1,
        "may_ask_second_review": appeal.status != Status.SECOND_REVIEW and outcome == Outcome.UPHELD,
        "second_review_until": profile.second_review_until(now),
        "restoration": restoration,
    }
    language = appeal.submitted_by.preferred_language
    with translation.override(language):
        title = render_to_string("notifications/appeal_decided.title.txt", context).strip()
        body = render_to_string("notifications/appeal_decided.body.txt", context).strip()
    return {
        "title": title,
        "body": body,
        "language": language,
        "restoration": restoration,
        "needs_approval": _preview_needs_approval(appeal, restoration),
    }


def _preview_needs_approval(appeal, restoration):
    """The decision's own rule (needs_second_pair_of_eyes), on the account as it is now."""
    if restoration is None or appeal.limit_change_id is None:
        return False
    return needs_second_pair_of_eyes(appeal, appeal.limit_change.account, restoration["new_limit"])
