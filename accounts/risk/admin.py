"""Staff pages for the risk policy: signals, policy versions with preview, the approval queue,
and the daily risk report. Every action goes through accounts.risk.services."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import PolicyVersion, RiskDecision, RiskEvaluationChunk, RiskEvaluationRun, RiskSignal
from accounts.risk import selectors
from accounts.risk import services as risk
from accounts.risk.records import decision_record_present
from accounts.risk.segments import admin as segments_admin  # noqa: F401 (importing registers its pages)
from accounts.risk.stress.admin import PolicyStressTestsMixin
from portal.admin_base import ReadOnlyAdmin, money_display
from portal.exceptions import PortalError
from portal.formatting import money


@admin.register(RiskSignal)
class RiskSignalAdmin(ReadOnlyAdmin):
    list_display = ["external_id", "account", "kind", "value", "observed_at", "received_at"]
    list_filter = ["kind", "observed_at"]
    search_fields = ["external_id", "account__external_id"]
    list_select_related = ["account"]
    date_hierarchy = "observed_at"
    show_full_result_count = False
    readonly_fields = [field.name for field in RiskSignal._meta.fields]


@admin.register(RiskEvaluationRun)
class RiskEvaluationRunAdmin(ReadOnlyAdmin):
    """Each policy run: the signals it covered, how many accounts it looked at and decided, and
    whether every chunk is done (one not done after ten minutes is queued again, at most
    CHUNK_MAX_REQUEUES times; then it is given up until a risk analyst queues it again here)."""

    list_display = [
        "started_at",
        "policy_version",
        "signals",
        "accounts_seen",
        "accounts_picked",
        "chunks_done",
        "decisions",
    ]
    date_hierarchy = "started_at"  # the dates above the list are the filter: no sidebar, the columns fit
    readonly_fields = [
        "policy_version",
        "after_signal_id",
        "through_signal_id",
        "started_at",
        "accounts",
        "candidates",
        "chunks_done",
        "decisions",
        "given_up_chunks",
    ]
    list_select_related = ["policy_version"]
    list_display_links = ["started_at"]
    show_full_result_count = False
    actions = ["retry_given_up_chunks"]
    change_form_template = "admin/accounts/riskevaluationrun/change_form.html"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The run's own page: its figures, then its chunks, errors and decisions."""
        run = self.get_object(request, object_id)
        if run is not None:
            extra_context = {**(extra_context or {}), "run_detail": selectors.policy_run_detail(run=run)}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_queryset(self, request):
        given_up = RiskEvaluationChunk.objects.given_up(timezone.now()).filter(run=OuterRef("pk"))
        return (
            super()
            .get_queryset(request)
            .annotate(
                chunk_count=Count("chunks"),
                done_count=Count("chunks", filter=Q(chunks__done_at__isnull=False)),
                decision_count=Sum("chunks__decisions", default=0),
                given_up_count=Coalesce(
                    Subquery(given_up.order_by().values("run").annotate(total=Count("pk")).values("total")), 0
                ),
            )
        )

    @admin.display(description=_("signals"))
    def signals(self, obj):
        return f"{obj.after_signal_id + 1:,}–{obj.through_signal_id:,}"

    # Short headings, so the list fits beside the admin's navigation; the run's page has the
    # full field names.
    @admin.display(description=_("accounts"), ordering="accounts")
    def accounts_seen(self, obj):
        return obj.accounts

    @admin.display(description=_("picked"), ordering="candidates")
    def accounts_picked(self, obj):
        return obj.candidates

    @admin.display(description=_("chunks done"))
    def chunks_done(self, obj):
        done = f"{obj.done_count} / {obj.chunk_count}"
        if not obj.given_up_count:
            return done
        return format_html(
            "{} · <strong>{}</strong>",
            done,
            ngettext("%(count)s given up", "%(count)s given up", obj.given_up_count) % {"count": obj.given_up_count},
        )

    @admin.display(description=_("given-up chunks"))
    def given_up_chunks(self, obj):
        chunks = RiskEvaluationChunk.objects.given_up(timezone.now()).filter(run=obj).order_by("pk")
        if not chunks:
            return "—"
        return format_html_join(
            "\n",
            "<p>{}</p>",
            (
                (
                    _("Chunk %(id)s: %(accounts)s accounts, queued again %(times)s times; last error: %(error)s")
                    % {
                        "id": chunk.pk,
                        "accounts": len(chunk.account_ids),
                        "times": chunk.requeues,
                        "error": chunk.last_error or _("none recorded (the worker stopped)"),
                    },
                )
                for chunk in chunks
            ),
        )

    def has_retry_permission(self, request):
        return request.user.has_perm("accounts.retry_riskevaluationrun")

    @admin.action(description=_("Queue the given-up chunks again"), permissions=["retry"])
    def retry_given_up_chunks(self, request, queryset):
        try:
            queued = risk.risk_evaluation_chunks_retry(runs=list(queryset), actor=request.user, request=request)
        except PortalError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        if not queued:
            self.message_user(request, _("None of the selected runs has a given-up chunk."), messages.WARNING)
            return
        self.message_user(
            request,
            ngettext(
                "Queued %(count)s chunk again: workers decide it now.",
                "Queued %(count)s chunks again: workers decide them now.",
                queued,
            )
            % {"count": queued},
            messages.SUCCESS,
        )

    @admin.display(description=_("decisions"), ordering="decision_count")
    def decisions(self, obj):
        return obj.decision_count


@admin.register(PolicyVersion)
class PolicyVersionAdmin(PolicyStressTestsMixin, admin.ModelAdmin):
    list_display = [
        "__str__",
        "status",
        "score_drop_points",
        "base_cut_percent",
        "combined_cut_percent",
        "macro_tightening",
        "activated_at",
        "activated_by",
        "preview_link",
    ]
    list_filter = ["status"]
    actions = ["activate", "copy_as_draft"]
    readonly_fields = ["status", "created_by", "created_at", "activated_by", "activated_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != PolicyVersion.Status.DRAFT:
            # Active and retired versions are history: decisions name them.
            return [field.name for field in PolicyVersion._meta.fields]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return (
            obj is not None and obj.status == PolicyVersion.Status.DRAFT and super().has_delete_permission(request, obj)
        )

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user  # who wrote it: they may not approve its decisions
        super().save_model(request, obj, form, change)

    @admin.display(description=_("preview"))
    def preview_link(self, obj):
        url = reverse("admin:accounts_policyversion_preview", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("What would it change?"))

    def get_urls(self):
        return [
            path(
                "<int:pk>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="accounts_policyversion_preview",
            ),
        ] + super().get_urls()

    def preview_view(self, request, pk):
        policy = get_object_or_404(PolicyVersion, pk=pk)
        if not self.has_view_permission(request, policy):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": _("Preview of %(policy)s") % {"policy": policy},
            "policy": policy,
            "summary": risk.policy_version_preview(policy=policy),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/accounts/policy_preview.html", context)

    @admin.action(description=_("Switch the selected draft on"), permissions=["change"])
    def activate(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one draft to switch on."), messages.ERROR)
            return
        try:
            policy = risk.policy_version_activate(policy=queryset.get(), actor=request.user, request=request)
        except PortalError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            self.message_user(request, _("%(policy)s is now in force.") % {"policy": policy}, messages.SUCCESS)

    @admin.action(description=_("Copy as a new draft"), permissions=["add"])
    def copy_as_draft(self, request, queryset):
        for policy in queryset:
            copy = risk.policy_version_copy(policy=policy, actor=request.user, request=request)
            self.message_user(request, _("Created draft %(policy)s.") % {"policy": copy}, messages.SUCCESS)


class ReviewForm(forms.Form):
    note = forms.CharField(label=_("Note for the record"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


def risk_decision_record(decision):
    """The stored record of a decision (rules that fired, their figures, the signals read), in the
    labelled form the decision-record include shows; the same include as on the limit change."""
    return decision_record_present(
        {
            "kind": "",
            "previous_limit": str(decision.previous_limit),
            "new_limit": str(decision.proposed_limit),
            "currency": decision.account.product.currency,
            "decided_by": "policy",
            "policy_version": decision.policy_version.label,
            "reason_codes": decision.reason_codes,
            "rules": decision.inputs.get("rules", []),
            "signals": decision.inputs.get("signals", []),
        }
    )


@admin.register(RiskDecision)
class RiskDecisionAdmin(ReadOnlyAdmin):
    """The approval queue: freezes and large cuts wait here for a second person."""

    list_display = [
        "created_at",
        "account",
        "kind",
        "status",
        "previous_limit_money",
        "proposed_limit_money",
        "reasons",
        "policy_version",
        "review_link",
    ]
    list_filter = ["status", "kind", "policy_version", "created_at"]
    search_fields = ["account__external_id"]
    list_select_related = ["account__product", "policy_version"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "decision_record",
        *[
            {"previous_limit": "previous_limit_money", "proposed_limit": "proposed_limit_money"}.get(f.name, f.name)
            for f in RiskDecision._meta.fields
            if f.name not in ("inputs", "reason_codes")  # both read in the decision record above
        ],
    ]
    show_full_result_count = False
    fields = readonly_fields  # the stored JSON shows as the record below, not raw
    previous_limit_money = money_display("previous_limit", _("limit before"))
    proposed_limit_money = money_display("proposed_limit", _("proposed limit"))

    @admin.display(description=_("decision record"))
    def decision_record(self, obj):
        return render_to_string("admin/includes/decision_record.html", {"record": risk_decision_record(obj)})

    @admin.display(description=_("reasons"))
    def reasons(self, obj):
        return ", ".join(obj.reason_codes)

    @admin.display(description=_("review"))
    def review_link(self, obj):
        if obj.status != RiskDecision.Status.PENDING_APPROVAL:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:accounts_riskdecision_review", args=[obj.pk]), _("Review")
        )

    def get_urls(self):
        return [
            path("<int:pk>/review/", self.admin_site.admin_view(self.review_view), name="accounts_riskdecision_review"),
        ] + super().get_urls()

    def review_view(self, request, pk):
        if not request.user.has_perm("accounts.approve_riskdecision"):
            raise PermissionDenied
        decision = get_object_or_404(RiskDecision.objects.select_related("account__product", "policy_version"), pk=pk)
        form = ReviewForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            note = form.cleaned_data["note"]
            try:
                if "approve" in request.POST:
                    risk.risk_decision_approve(decision=decision, reviewer=request.user, note=note, request=request)
                    self.message_user(
                        request, _("Approved: the change is applied and the borrower told."), messages.SUCCESS
                    )
                else:
                    risk.risk_decision_reject(decision=decision, reviewer=request.user, note=note, request=request)
                    self.message_user(request, _("Rejected: nothing changes for the borrower."), messages.SUCCESS)
            except PortalError as error:
                form.add_error(None, error.message)
            else:
                return redirect("admin:accounts_riskdecision_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Review risk decision"),
            "decision": decision,
            "record": risk_decision_record(decision),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/accounts/risk_decision_review.html", context)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "risk_report_url": reverse("admin:accounts_risk_report")}
        return super().changelist_view(request, extra_context)


def _report_comparison(report, previous):
    """The day's main figures beside the day before's, labelled, with decisions by kind."""
    kinds = dict(RiskDecision.Kind.choices)
    rows = [
        (_("Signals received"), report["signals_total"], previous["signals_total"]),
        *(
            (kinds[kind], report["decisions_by_kind"].get(kind, 0), previous["decisions_by_kind"].get(kind, 0))
            for kind in kinds
        ),
        (_("Limit reductions applied"), report["reductions"], previous["reductions"]),
        (_("Total limit reduced"), money(report["limit_reduced"]), money(previous["limit_reduced"])),
        (_("Freezes applied"), report["freezes"], previous["freezes"]),
        (_("Policy runs"), report["policy_runs"], previous["policy_runs"]),
        (_("Appeals opened"), report["appeals_opened"], previous["appeals_opened"]),
    ]
    return [{"label": label, "day": day, "previous": before} for label, day, before in rows]


def _admin_url(name):
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def risk_report_view(request):
    """The daily risk report, for staff who may read risk decisions."""
    if not request.user.has_perm("accounts.view_riskdecision"):
        raise PermissionDenied
    # Today so far by default, with the day before beside it.
    day = parse_date(request.GET.get("day") or "") or timezone.localdate()
    report = selectors.risk_report_get(day=day)
    previous = selectors.risk_report_get(day=day - timedelta(days=1))
    context = {
        **admin.site.each_context(request),
        "title": _("Daily risk report"),
        "report": report,
        "previous": previous,
        "comparison": _report_comparison(report, previous),
        "is_today": day == timezone.localdate(),
        "links": {
            "approvals": reverse("admin:accounts_riskdecision_changelist") + "?status__exact=pending_approval",
            "runs": reverse("admin:accounts_riskevaluationrun_changelist"),
            "appeals": _admin_url("admin:appeals_appeal_changelist"),
        },
    }
    return TemplateResponse(request, "admin/accounts/risk_report.html", context)
