"""Repayment instructions for staff: the hardship queue (filter by status, kind and age), the
decision page (approve with the computed schedule, or reject with the reason; a second person
approves above REPAYMENT_HARDSHIP_SECOND_APPROVAL_AMOUNT), and every instruction the core system
refused. Decisions go through accounts.repayment.services; nothing here saves a model."""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import RepaymentInstruction
from accounts.repayment import services
from portal.admin_base import ReadOnlyAdmin, money_display
from portal.exceptions import PortalError
from portal.services import audit_event_record

Status = RepaymentInstruction.Status


class HardshipDecisionForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note to the borrower (required when rejecting)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )


class AgeFilter(admin.SimpleListFilter):
    title = gettext_lazy("age")
    parameter_name = "age"

    def lookups(self, request, model_admin):
        return [
            ("2d", gettext_lazy("requested in the last 2 days")),
            ("older", gettext_lazy("requested more than 2 days ago")),
        ]

    def queryset(self, request, queryset):
        since = timezone.now() - timedelta(days=2)
        if self.value() == "2d":
            return queryset.filter(requested_at__gte=since)
        if self.value() == "older":
            return queryset.filter(requested_at__lt=since)
        return queryset


@admin.register(RepaymentInstruction)
class RepaymentInstructionAdmin(ReadOnlyAdmin):
    list_display = [
        "short_reference",
        "account",
        "kind",
        "status",
        "amount_display",
        "requested_at",
        "decided_by",
        "approved_by",
        "decide_link",
    ]
    list_filter = ["status", "kind", AgeFilter]
    search_fields = ["account__external_id", "account__customer__external_id", "=reference"]
    list_select_related = ["account__product", "decided_by", "approved_by"]
    ordering = ["-requested_at"]
    show_full_result_count = False
    amount_display = money_display("amount", gettext_lazy("amount"))

    @admin.display(description=gettext_lazy("reference"))
    def short_reference(self, obj):
        return obj.short_reference

    @admin.display(description=gettext_lazy("decision"))
    def decide_link(self, obj):
        if obj.kind != RepaymentInstruction.Kind.HARDSHIP_PLAN:
            return "—"
        label = _("Decide") if obj.status in (Status.REQUESTED, Status.AWAITING_APPROVAL) else _("Open")
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:accounts_repaymentinstruction_decide", args=[obj.pk]), label
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="accounts_repaymentinstruction_decide",
            ),
            path(
                "<int:pk>/evidence/",
                self.admin_site.admin_view(self.evidence_view),
                name="accounts_repaymentinstruction_evidence",
            ),
        ] + super().get_urls()

    def _instruction(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(
            RepaymentInstruction.objects.select_related(
                "account__product", "account__customer", "requested_by", "decided_by", "approved_by"
            ),
            pk=pk,
            kind=RepaymentInstruction.Kind.HARDSHIP_PLAN,
        )

    def decide_view(self, request, pk):
        instruction = self._instruction(request, pk)
        form = HardshipDecisionForm(request.POST or None)
        status = 200
        if request.method == "POST":
            status = 400
            decision = request.POST.get("decision")
            if decision not in ("approve", "reject"):
                form.add_error(None, _("Choose approve or reject."))
            elif form.is_valid():
                second = instruction.status == Status.AWAITING_APPROVAL
                service = services.hardship_second_approve if second else services.hardship_decide
                try:
                    service(
                        actor=request.user,
                        instruction_id=instruction.pk,
                        approve=decision == "approve",
                        note=form.cleaned_data["note"],
                        request=request,
                    )
                except services.StaffPermissionRefused as error:
                    raise PermissionDenied(error.message) from None
                except PortalError as error:
                    error.add_to_form(form)
                else:
                    messages.success(request, _("Decision recorded; the borrower is told."))
                    return redirect("admin:accounts_repaymentinstruction_decide", pk=instruction.pk)
        preview, preview_error = None, None
        if instruction.status == Status.REQUESTED:
            try:
                preview = services.hardship_plan_compute(
                    account=instruction.account,
                    mode=instruction.parameters.get("mode"),
                    months=instruction.parameters.get("months"),
                    today=timezone.localdate(),
                )
            except PortalError as error:
                preview_error = error.message
        permission = (
            services.APPROVE_PERMISSION
            if instruction.status == Status.AWAITING_APPROVAL
            else services.DECIDE_PERMISSION
        )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Hardship plan %(reference)s") % {"reference": instruction.short_reference},
            "instruction": instruction,
            "account": instruction.account,
            "form": form,
            "preview": preview,
            "preview_error": preview_error,
            "threshold": settings.REPAYMENT_HARDSHIP_SECOND_APPROVAL_AMOUNT,
            "can_decide": instruction.status in (Status.REQUESTED, Status.AWAITING_APPROVAL)
            and request.user.has_perm(permission)
            and request.user.pk != instruction.decided_by_id,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "accounts/repayment/admin_decide.html", context, status=status)

    def evidence_view(self, request, pk):
        instruction = self._instruction(request, pk)
        path_ = services.hardship_evidence_path(instruction)
        if path_ is None or not path_.exists():
            raise Http404
        audit_event_record(
            actor=request.user,
            action="repayment.evidence_downloaded",
            target=instruction.account,
            request=request,
            after={"instruction": str(instruction.reference)},
        )
        return FileResponse(
            open(path_, "rb"),
            as_attachment=True,
            filename=instruction.evidence_name,
            content_type=instruction.evidence_content_type,
        )
