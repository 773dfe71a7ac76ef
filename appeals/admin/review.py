"""The appeal review page: one form per staff action, each through appeals.services, and a
decision that is previewed (what the borrower will be told) before it is sent."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appeals import selectors, services
from appeals.decision_records import appeal_recused_user_ids
from appeals.forms import STAFF_ACTION_FORMS, ApprovalForm, DecisionForm
from appeals.models import Appeal
from appeals.services.common import BORROWER_ACTIVE_STATUSES
from portal.exceptions import PortalError
from portal.services import audit_event_record

DECISION_RECORD_TEMPLATE = "admin/includes/decision_record.html"
DECIDABLE = (Appeal.Status.SUBMITTED, Appeal.Status.UNDER_REVIEW, Appeal.Status.SECOND_REVIEW)

# action → (service, keyword the service takes the text as, extra arguments, success message)
TEXT_ACTIONS = {
    "request_information": (
        services.appeal_information_request,
        "message",
        {},
        gettext_lazy("Information requested; the clock is paused until the borrower answers."),
    ),
    "reply": (services.appeal_staff_reply, "body", {}, gettext_lazy("Reply sent to the borrower.")),
    "note": (services.appeal_staff_reply, "body", {"internal": True}, gettext_lazy("Internal note added.")),
    "extend": (
        services.appeal_deadline_extend,
        "reason",
        {},
        gettext_lazy("Deadline extended; the borrower is told the new date."),
    ),
    "escalate": (services.appeal_escalate, "note", {}, gettext_lazy("Escalated: the supervisors are told.")),
}


def available_actions(appeal):
    """The text actions this appeal's state allows (the services decide; this only hides forms
    that could never succeed)."""
    status = appeal.status
    allowed = {"note"}
    if status in Appeal.OPEN_STATUSES:
        allowed |= {"reply", "escalate"}
    if status in (Appeal.Status.SUBMITTED, Appeal.Status.UNDER_REVIEW):
        allowed.add("request_information")
    if status in BORROWER_ACTIVE_STATUSES and appeal.extended_at is None:
        allowed.add("extend")
    return allowed


def _decision_record_template():
    """The decision record include (the page shows it above the figures)."""
    try:
        get_template(DECISION_RECORD_TEMPLATE)
    except TemplateDoesNotExist:
        return None
    return DECISION_RECORD_TEMPLATE


def decision_state(appeal, user, recused):
    """Whether this person can decide here, and what the page should tell them."""
    if appeal.status not in DECIDABLE:
        return {"open": False, "blocked": "", "claims": False}
    second = appeal.status == Appeal.Status.SECOND_REVIEW
    permission = services.APPROVE_PERMISSION if second else services.REVIEW_PERMISSION
    handler_id = appeal.second_reviewer_id if second else appeal.assignee_id
    blocked = ""
    if not user.has_perm(permission):
        blocked = _("You do not have permission to decide this appeal.")
    elif user.pk in recused:
        blocked = _("You took part in the decision under appeal, so you may not review this appeal. Ask a colleague.")
    elif handler_id is not None and handler_id != user.pk:
        handler = appeal.second_reviewer if second else appeal.assignee
        blocked = _("%(person)s handles this appeal; only they can decide it.") % {"person": handler.get_username()}
    return {"open": True, "blocked": blocked, "claims": handler_id is None and not blocked}


def _can_take(appeal, user):
    """Whether "assign to me" would change anything (it is hidden for the current handler)."""
    if appeal.status == Appeal.Status.SECOND_REVIEW:
        return appeal.second_reviewer_id != user.pk
    return appeal.status in BORROWER_ACTIVE_STATUSES and appeal.assignee_id != user.pk


class ReviewViews:
    """Mixed into AppealAdmin: the review page and its actions."""

    def review_view(self, request, pk):
        if not request.user.has_perm("appeals.view_appeal"):
            audit_event_record(
                actor=request.user, action="appeal.refused", summary=f"review page of appeal #{pk}", request=request
            )
            raise PermissionDenied
        data = selectors.appeal_review_get(appeal_id=pk)
        appeal = data["appeal"]
        action = request.POST.get("action", "") if request.method == "POST" else ""
        forms = {
            "actions": [
                form(request.POST if action == form.action else None)
                for form in STAFF_ACTION_FORMS
                if form.action in available_actions(appeal) or form.action == action
            ],
            "decision_form": DecisionForm(request.POST if action in ("decide", "decide_preview") else None),
            "approval_form": ApprovalForm(request.POST if action in ("approve", "reject") else None),
        }
        status, preview = 200, None
        if request.method == "POST":
            try:
                done, preview = self._act(request, appeal, action, forms)
            except PortalError as error:
                status = error.status_code
                messages.error(request, error.message)
                self._refusal_audit(request, appeal, action, error)
            else:
                if done:
                    messages.success(request, done)
                    return redirect("admin:appeals_appeal_review", pk=appeal.pk)
                status = 200 if preview and action == "decide_preview" else 400
        context = self._review_context(request, data, forms, preview)
        return TemplateResponse(request, "admin/appeals/appeal_review.html", context, status=status)

    def _review_context(self, request, data, forms, preview):
        appeal = data["appeal"]
        recused = appeal_recused_user_ids(appeal)
        record_template = _decision_record_template()
        return {
            **self.admin_site.each_context(request),
            **data,
            **forms,
            "title": _("Appeal %(reference)s") % {"reference": appeal.reference},
            "opts": self.model._meta,
            "preview": preview,
            "restoration": selectors.appeal_restoration_get(appeal=appeal),
            "time_left": selectors.appeal_time_left(appeal),
            "decision": decision_state(appeal, request.user, recused),
            "decision_record_template": record_template,
            "show_record": bool(record_template and data.get("decision_record")),
            "pending_approval": next((a for a in appeal.approvals.all() if a.status == "pending"), None),
            "can_take": _can_take(appeal, request.user),
            "user_is_recused": request.user.pk in recused,
            "can_review": request.user.has_perm(services.REVIEW_PERMISSION),
            "can_approve": request.user.has_perm(services.APPROVE_PERMISSION),
        }

    def _refusal_audit(self, request, appeal, action, error):
        if error.status_code == 403:  # a refused staff action (permission, recusal, four eyes) is audited
            audit_event_record(
                actor=request.user,
                action="appeal.refused",
                target=appeal,
                summary=f"{action}: {error.message}",
                request=request,
            )

    def _act(self, request, appeal, action, forms):
        """Run the named action. Returns (success message or None, decision preview or None);
        a form error gives (None, None) and changes nothing."""
        common = {"appeal": appeal, "actor": request.user, "request": request}
        if action == "assign":
            services.appeal_assign(**common)
            return _("The appeal is assigned to you."), None
        if action in TEXT_ACTIONS:
            form = next(form for form in forms["actions"] if form.action == action)
            if not form.is_valid():
                return None, None
            service, keyword, extra, done = TEXT_ACTIONS[action]
            service(**common, **extra, **{keyword: form.cleaned_data["body"]})
            return str(done), None
        if action in ("decide", "decide_preview"):
            return self._decide(request, appeal, action, forms["decision_form"], common)
        if action in ("approve", "reject"):
            if not forms["approval_form"].is_valid():
                return None, None
            note = forms["approval_form"].cleaned_data["note"]
            services.appeal_approval_decide(**common, approve=action == "approve", note=note)
            if action == "approve":
                return _("Approved: the decision is in effect and the borrower told."), None
            return _("Sent back to the reviewer."), None
        raise PortalError(_("Unknown action."))

    def _decide(self, request, appeal, action, form, common):
        """First a preview of the notice, then (confirmed from the preview) the decision."""
        if not form.is_valid():
            return None, None
        data = form.cleaned_data
        if data["outcome"] == Appeal.Outcome.PARTLY_OVERTURNED and data["restored_limit"] is None:
            form.add_error("restored_limit", _("For a partial overturn, give the limit to restore."))
            return None, None
        if action == "decide_preview" or not data["confirm"]:
            if action == "decide":
                form.add_error(None, _("Check what the borrower will be told, then confirm the decision."))
            preview = services.appeal_decision_preview(
                appeal=appeal, outcome=data["outcome"], reason=data["reason"], restored_limit=data["restored_limit"]
            )
            return None, preview
        appeal = services.appeal_decide(
            **common, outcome=data["outcome"], reason=data["reason"], restored_limit=data["restored_limit"]
        )
        if appeal.status == Appeal.Status.AWAITING_APPROVAL:
            return _("Decision recorded. It takes effect once another supervisor approves it."), None
        return _("Decision recorded and the borrower told."), None
