"""The staff side of appeals: the queue (filters, search by reference) and the review page,
whose every action goes through appeals.services."""

from datetime import timedelta

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appeals import selectors, services
from appeals.decision_records import appeal_recused_user_ids
from appeals.forms import ApprovalForm, DecisionForm, StaffMessageForm
from appeals.models import Appeal
from portal.admin_base import ReadOnlyAdmin
from portal.exceptions import PortalError
from portal.services import audit_event_record

DUE_SOON_DAYS = 3


class DueFilter(admin.SimpleListFilter):
    title = gettext_lazy("deadline")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("soon", gettext_lazy("due within 3 days")), ("overdue", gettext_lazy("overdue"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        running = queryset.filter(status__in=Appeal.OPEN_STATUSES)
        if self.value() == "soon":
            return running.filter(due_at__gte=now, due_at__lte=now + timedelta(days=DUE_SOON_DAYS))
        if self.value() == "overdue":
            return running.filter(due_at__lt=now)
        return queryset


class AssigneeFilter(admin.SimpleListFilter):
    title = gettext_lazy("assignee")
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("me", gettext_lazy("assigned to me")), ("none", gettext_lazy("unassigned"))]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(assignee=request.user)
        if self.value() == "none":
            return queryset.filter(assignee__isnull=True)
        return queryset


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ["reference", "status", "grounds", "account", "assignee", "created_at", "due_at", "review_link"]
    list_filter = ["status", DueFilter, AssigneeFilter, "grounds"]
    search_fields = ["reference"]
    list_select_related = ["limit_change__account", "closure_request__account", "assignee"]
    ordering = ["due_at"]
    show_full_result_count = False

    @admin.display(description=gettext_lazy("credit line"))
    def account(self, obj):
        return obj.account.external_id

    @admin.display(description=gettext_lazy("review"))
    def review_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:appeals_appeal_review", args=[obj.pk]), _("Open"))

    def get_urls(self):
        return [
            path("<int:pk>/review/", self.admin_site.admin_view(self.review_view), name="appeals_appeal_review"),
        ] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not str(object_id).isdigit():
            return super().change_view(request, object_id, form_url, extra_context)
        return redirect("admin:appeals_appeal_review", pk=object_id)

    def review_view(self, request, pk):
        if not request.user.has_perm("appeals.view_appeal"):
            audit_event_record(
                actor=request.user, action="appeal.refused", summary=f"review page of appeal #{pk}", request=request
            )
            raise PermissionDenied
        data = selectors.appeal_review_get(appeal_id=pk)
        appeal = data["appeal"]
        message_form = StaffMessageForm(request.POST if request.POST.get("form") == "message" else None)
        decision_form = DecisionForm(request.POST if request.POST.get("form") == "decision" else None)
        approval_form = ApprovalForm(request.POST if request.POST.get("form") == "approval" else None)
        status = 200
        if request.method == "POST":
            try:
                done = self._act(request, appeal, message_form, decision_form, approval_form)
            except PortalError as error:
                status = error.status_code
                messages.error(request, error.message)
                if status == 403:  # a refused staff action (permission, recusal, four eyes) is audited
                    audit_event_record(
                        actor=request.user,
                        action="appeal.refused",
                        target=appeal,
                        summary=f"{request.POST.get('action', '')}: {error.message}",
                        request=request,
                    )
            else:
                if done:
                    messages.success(request, done)
                    return redirect("admin:appeals_appeal_review", pk=appeal.pk)
                status = 400
        recused = appeal_recused_user_ids(appeal)
        context = {
            **self.admin_site.each_context(request),
            **data,
            "title": _("Appeal %(reference)s") % {"reference": appeal.reference},
            "opts": self.model._meta,
            "message_form": message_form,
            "decision_form": decision_form,
            "approval_form": approval_form,
            "pending_approval": next((a for a in appeal.approvals.all() if a.status == "pending"), None),
            "user_is_recused": request.user.pk in recused,
            "can_review": request.user.has_perm(services.REVIEW_PERMISSION),
            "can_approve": request.user.has_perm(services.APPROVE_PERMISSION),
        }
        return TemplateResponse(request, "admin/appeals/appeal_review.html", context, status=status)

    def _act(self, request, appeal, message_form, decision_form, approval_form):
        """Run the action the button named; return the success message (or None for a form error)."""
        action = request.POST.get("action")
        user = request.user
        common = {"appeal": appeal, "actor": user, "request": request}
        if action == "assign":
            services.appeal_assign(**common)
            return _("The appeal is assigned to you.")
        if action in ("request_information", "reply", "note", "extend", "escalate"):
            if not message_form.is_valid():
                return None
            body = message_form.cleaned_data["body"]
            if action == "request_information":
                services.appeal_information_request(**common, message=body)
                return _("Information requested; the clock is paused until the borrower answers.")
            if action == "reply":
                services.appeal_staff_reply(**common, body=body)
                return _("Reply sent to the borrower.")
            if action == "note":
                services.appeal_staff_reply(**common, body=body, internal=True)
                return _("Internal note added.")
            if action == "extend":
                services.appeal_deadline_extend(**common, reason=body)
                return _("Deadline extended; the borrower is told the new date.")
            services.appeal_escalate(**common, note=body)
            return _("Escalated: the supervisors are told.")
        if action == "decide":
            if not decision_form.is_valid():
                return None
            appeal = services.appeal_decide(
                **common,
                outcome=decision_form.cleaned_data["outcome"],
                reason=decision_form.cleaned_data["reason"],
                restored_limit=decision_form.cleaned_data["restored_limit"],
            )
            if appeal.status == Appeal.Status.AWAITING_APPROVAL:
                return _("Decision recorded. It takes effect once another supervisor approves it.")
            return _("Decision recorded and the borrower told.")
        if action in ("approve", "reject"):
            if not approval_form.is_valid():
                return None
            services.appeal_approval_decide(
                **common, approve=action == "approve", note=approval_form.cleaned_data["note"]
            )
            if action == "approve":
                return _("Approved: the decision is in effect and the borrower told.")
            return _("Sent back to the reviewer.")
        raise PortalError(_("Unknown action."))
