"""Clearance cases for staff: the list (filters by status, grounds and age; search by credit line
or customer name), a propose form (the add page) and the decision page where a compliance
officer approves or rejects with a legal-review note. Every step calls accounts.clearance.services;
nothing here saves a model. Steps without the permission get a 403, recorded in the audit log."""

from datetime import timedelta

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.clearance import services
from accounts.clearance.forms import ClearanceDecisionForm, ClearanceProposeForm
from accounts.models import ClearanceCase
from portal.exceptions import PortalError
from portal.services import audit_event_record


class ClearanceAgeFilter(admin.SimpleListFilter):
    title = gettext_lazy("age")
    parameter_name = "age"

    def lookups(self, request, model_admin):
        return [
            ("2d", gettext_lazy("proposed in the last 2 days")),
            ("7d", gettext_lazy("proposed in the last 7 days")),
            ("older", gettext_lazy("proposed more than 7 days ago")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "2d":
            return queryset.filter(proposed_at__gte=now - timedelta(days=2))
        if self.value() == "7d":
            return queryset.filter(proposed_at__gte=now - timedelta(days=7))
        if self.value() == "older":
            return queryset.filter(proposed_at__lt=now - timedelta(days=7))
        return queryset


def _denied(request, target, message):
    audit_event_record(actor=request.user, action="clearance.refused", target=target, summary=message, request=request)
    return PermissionDenied(message)


@admin.register(ClearanceCase)
class ClearanceCaseAdmin(admin.ModelAdmin):
    list_display = [
        "reference_display",
        "account",
        "customer_name",
        "grounds",
        "status",
        "proposer",
        "proposed_at",
        "reviewer",
        "decided_at",
        "decide_link",
    ]
    list_filter = ["status", "grounds", ClearanceAgeFilter]
    search_fields = ["account__external_id", "account__customer__legal_name", "account__customer__external_id"]
    list_select_related = ["account__customer", "proposer", "reviewer"]
    ordering = ["-proposed_at"]
    show_full_result_count = False
    actions = ["approve_selected", "reject_selected"]

    @admin.display(description=gettext_lazy("reference"), ordering="pk")
    def reference_display(self, obj):
        return obj.reference

    @admin.display(description=gettext_lazy("customer"))
    def customer_name(self, obj):
        return obj.account.customer.masked_name

    @admin.display(description=gettext_lazy("decision"))
    def decide_link(self, obj):
        label = _("Review") if obj.is_open else _("Open")
        return format_html('<a href="{}">{}</a>', reverse("admin:accounts_clearancecase_decide", args=[obj.pk]), label)

    # --- permissions: the model never changes here except through the services -------------

    def has_add_permission(self, request):
        return request.user.has_perm(services.PROPOSE_PERMISSION)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_approve_permission(self, request):
        return request.user.has_perm(services.APPROVE_PERMISSION)

    def get_urls(self):
        return [
            path(
                "<int:pk>/decide/", self.admin_site.admin_view(self.decide_view), name="accounts_clearancecase_decide"
            ),
        ] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not str(object_id).isdigit():
            return super().change_view(request, object_id, form_url, extra_context)
        return redirect("admin:accounts_clearancecase_decide", pk=object_id)

    # --- propose (the add page) --------------------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise _denied(request, None, _("You do not have permission to propose clearance."))
        initial = {"account": request.GET.get("account", "")}
        form = ClearanceProposeForm(request.POST or None, initial=initial)
        status = 200
        if request.method == "POST":
            status = 400
            if form.is_valid():
                try:
                    case = services.clearance_propose(
                        account=form.cleaned_data["account"],
                        actor=request.user,
                        grounds=form.cleaned_data["grounds"],
                        evidence=form.cleaned_data["evidence"],
                        evidence_reference=form.cleaned_data["evidence_reference"],
                        statement=form.cleaned_data["statement"],
                        request=request,
                    )
                except PortalError as error:
                    error.add_to_form(form)
                    status = error.status_code if error.status_code != 403 else 400
                else:
                    messages.success(
                        request,
                        _("Clearance %(reference)s proposed; a compliance officer other than you must decide it.")
                        % {"reference": case.reference},
                    )
                    return redirect("admin:accounts_clearancecase_decide", pk=case.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Propose account clearance"),
            "form": form,
            "checklist": [
                (ClearanceCase.Grounds(grounds).label, items)
                for grounds, items in ClearanceCase.EVIDENCE_CHECKLIST.items()
            ],
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/accounts/clearance_propose.html", context, status=status)

    # --- decide (approve / reject / withdraw) -------------------------------------------------

    def decide_view(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        case = get_object_or_404(
            ClearanceCase.objects.select_related(
                "account__product", "account__customer", "proposer", "reviewer", "withdrawn_by", "limit_change"
            ),
            pk=pk,
        )
        form = ClearanceDecisionForm(request.POST or None)
        status = 200
        if request.method == "POST":
            action = request.POST.get("decision")
            can_act = {
                "approve": self.has_approve_permission(request),
                "reject": self.has_approve_permission(request),
                "withdraw": request.user.has_perm(services.PROPOSE_PERMISSION),
            }
            if action not in can_act:
                form.add_error(None, _("Choose approve, reject or withdraw."))
                status = 400
            elif not can_act[action]:
                message = (
                    _("You do not have permission to withdraw clearance cases.")
                    if action == "withdraw"
                    else _("Only a compliance officer may approve or reject clearance.")
                )
                raise _denied(request, case, message)
            elif form.is_valid():
                done = self._decide(request, case, action, form)
                if done:
                    messages.success(request, done)
                    return redirect("admin:accounts_clearancecase_decide", pk=case.pk)
                status = 400
            else:
                status = 400
        context = {
            **self.admin_site.each_context(request),
            "title": _("Clearance %(reference)s") % {"reference": case.reference},
            "case": case,
            "form": form,
            "suggested": request.GET.get("decision", ""),
            "can_decide": self.has_approve_permission(request) and request.user.pk != case.proposer_id,
            "is_proposer": request.user.pk == case.proposer_id,
            "can_withdraw": request.user.has_perm(services.PROPOSE_PERMISSION),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/accounts/clearance_decide.html", context, status=status)

    def _decide(self, request, case, action, form):
        note = form.cleaned_data["note"]
        try:
            if action == "approve":
                services.clearance_approve(case=case, actor=request.user, legal_review_note=note, request=request)
                return _("Clearance approved: the line is cleared through the ledger and the borrower told.")
            if action == "reject":
                services.clearance_reject(case=case, actor=request.user, legal_review_note=note, request=request)
                return _("Clearance rejected: nothing changes on the credit line.")
            services.clearance_withdraw(case=case, actor=request.user, reason=note, request=request)
            return _("Clearance case withdrawn.")
        except PortalError as error:
            form.add_error("note" if error.field == "legal_review_note" else None, error.message)
            return None

    # --- changelist actions: open the decision page (the intermediate form) ------------------

    def _to_decision_page(self, request, queryset, decision):
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one clearance case to decide."), messages.ERROR)
            return None
        url = reverse("admin:accounts_clearancecase_decide", args=[queryset.get().pk])
        return redirect(f"{url}?{urlencode({'decision': decision})}")

    @admin.action(description=gettext_lazy("Approve the selected case…"), permissions=["approve"])
    def approve_selected(self, request, queryset):
        return self._to_decision_page(request, queryset, "approve")

    @admin.action(description=gettext_lazy("Reject the selected case…"), permissions=["approve"])
    def reject_selected(self, request, queryset):
        return self._to_decision_page(request, queryset, "reject")
