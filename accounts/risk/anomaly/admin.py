"""Staff pages for anomaly detection: the reviews (one-line reason, filters, confirm or dismiss
with a note), the model versions with their precision, and the scoring runs. Every change goes
through accounts.risk.anomaly.services; none changes a limit."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Sum
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import AnomalyModelVersion, AnomalyReview, AnomalyScoringRun
from accounts.risk.anomaly import selectors, services
from accounts.risk.anomaly.explain import explanation_line, explanation_reason
from portal.admin_base import ReadOnlyAdmin
from portal.exceptions import PortalError


class OpenedFilter(admin.SimpleListFilter):
    """When the review was opened, by local day: yesterday's reviews are the morning's work."""

    title = pgettext_lazy("anomaly review", "opened")
    parameter_name = "opened"

    def lookups(self, request, model_admin):
        return [("yesterday", _("Yesterday")), ("today", _("Today")), ("week", _("Past 7 days"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "yesterday":
            return queryset.filter(pk__in=selectors.anomaly_reviews_opened_on(day=today - timedelta(days=1)))
        if self.value() == "today":
            return queryset.filter(pk__in=selectors.anomaly_reviews_opened_on(day=today))
        if self.value() == "week":
            return queryset.filter(created_at__gte=timezone.now() - timedelta(days=7))
        return queryset


@admin.register(AnomalyReview)
class AnomalyReviewAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "account", "reason", "score_display", "model_version", "status", "review_link"]
    list_filter = ["status", "model_version", OpenedFilter, "created_at"]
    search_fields = ["account__external_id"]
    list_select_related = ["account__product", "model_version"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    fields = [
        "account",
        "model_version",
        "score",
        "explanation_lines",
        "status",
        "created_at",
        "reviewed_by",
        "reviewed_at",
        "review_note",
    ]
    readonly_fields = fields

    @admin.display(description=_("reason"))
    def reason(self, obj):
        return explanation_reason(obj.explanation, currency=obj.account.product.currency)

    @admin.display(description=_("what stands out"))
    def explanation_lines(self, obj):
        return "\n".join(explanation_line(item, currency=obj.account.product.currency) for item in obj.explanation)

    @admin.display(description=_("score"), ordering="score")
    def score_display(self, obj):
        return f"{obj.score:.3f}"

    @admin.display(description=_("review"))
    def review_link(self, obj):
        label = _("Review") if obj.status == AnomalyReview.Status.OPEN else _("Open")
        return format_html('<a href="{}">{}</a>', reverse("admin:accounts_anomalyreview_decide", args=[obj.pk]), label)

    def get_urls(self):
        return [
            path(
                "<int:pk>/decide/", self.admin_site.admin_view(self.decide_view), name="accounts_anomalyreview_decide"
            ),
        ] + super().get_urls()

    def decide_view(self, request, pk):
        if not request.user.has_perm("accounts.view_anomalyreview"):
            raise PermissionDenied
        review = get_object_or_404(
            AnomalyReview.objects.select_related("account__product", "model_version", "reviewed_by"), pk=pk
        )
        may_decide = request.user.has_perm("accounts.decide_anomalyreview")
        form = DecideForm(request.POST or None)
        if request.method == "POST":
            if not may_decide:
                raise PermissionDenied
            if form.is_valid():
                service = (
                    services.anomaly_review_confirm if "confirm" in request.POST else services.anomaly_review_dismiss
                )
                try:
                    review = service(review=review, actor=request.user, note=form.cleaned_data["note"], request=request)
                except PortalError as error:
                    error.add_to_form(form)
                else:
                    if review.status == AnomalyReview.Status.CONFIRMED:
                        self.message_user(
                            request,
                            _(
                                "Confirmed. Nothing has changed for the borrower: to act on the line, propose a "
                                "clearance or let the policy decide, so the borrower gets a notice with reasons "
                                "and can appeal."
                            ),
                            messages.SUCCESS,
                        )
                        return redirect("admin:accounts_anomalyreview_decide", pk=review.pk)
                    self.message_user(request, _("Dismissed: the review is closed with your note."), messages.SUCCESS)
                    return redirect("admin:accounts_anomalyreview_changelist")
        currency = review.account.product.currency
        context = {
            **self.admin_site.each_context(request),
            "title": _("Anomaly review"),
            "review": review,
            "lines": [{"text": explanation_line(item, currency=currency), "item": item} for item in review.explanation],
            "form": form,
            "may_decide": may_decide and review.status == AnomalyReview.Status.OPEN,
            "links": _account_links(review.account),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "accounts/risk/anomaly/review.html", context)


def _account_links(account):
    """Where the normal decision path starts for this account, for whichever pages exist."""
    links = []
    for label, name, args, query in [
        (_("The credit account"), "admin:accounts_creditaccount_change", [account.pk], ""),
        (_("Propose a clearance"), "admin:accounts_clearancecase_add", [], f"?account={account.pk}"),
        (_("Its risk decisions"), "admin:accounts_riskdecision_changelist", [], f"?q={account.external_id}"),
    ]:
        try:
            links.append({"label": label, "url": reverse(name, args=args) + query})
        except NoReverseMatch:
            continue
    return links


class DecideForm(forms.Form):
    note = forms.CharField(
        label=_("Note for the record"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write a note saying what you checked: it is kept with the review.")},
    )


@admin.register(AnomalyModelVersion)
class AnomalyModelVersionAdmin(ReadOnlyAdmin):
    """Trained versions; a risk analyst switches a draft on (the artefact's hash is checked)."""

    list_display = [
        "__str__",
        "status",
        "trained_to",
        "training_accounts",
        "threshold_display",
        "reviews_opened",
        "precision_display",
        "activated_at",
        "activated_by",
    ]
    list_filter = ["status"]
    list_select_related = ["activated_by"]
    actions = ["activate"]
    fields = [
        "status",
        "features_version",
        "features",
        "parameters",
        "metrics",
        "threshold",
        "trained_from",
        "trained_to",
        "training_accounts",
        "artefact_name",
        "artefact_sha256",
        "created_at",
        "activated_at",
        "activated_by",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                opened=Count("reviews"),
                reviewed=Count("reviews", filter=~Q(reviews__status=AnomalyReview.Status.OPEN)),
                confirmed=Count("reviews", filter=Q(reviews__status=AnomalyReview.Status.CONFIRMED)),
            )
        )

    @admin.display(description=_("threshold"))
    def threshold_display(self, obj):
        return f"{obj.threshold:.3f}"

    @admin.display(description=_("reviews"), ordering="opened")
    def reviews_opened(self, obj):
        return obj.opened

    @admin.display(description=_("precision (confirmed / reviewed)"))
    def precision_display(self, obj):
        value = selectors.precision(confirmed=obj.confirmed, reviewed=obj.reviewed)
        if value is None:
            return "—"
        return f"{value:.0%} ({obj.confirmed} / {obj.reviewed})"

    def has_activate_permission(self, request):
        return request.user.has_perm("accounts.change_anomalymodelversion")

    @admin.action(description=_("Switch the selected draft on"), permissions=["activate"])
    def activate(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one draft to switch on."), messages.ERROR)
            return
        try:
            version = services.anomaly_model_version_activate(
                version=queryset.get(), actor=request.user, request=request
            )
        except PortalError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            self.message_user(request, _("%(model)s now scores accounts.") % {"model": version}, messages.SUCCESS)


@admin.register(AnomalyScoringRun)
class AnomalyScoringRunAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "model_version", "accounts", "chunks_done", "scored", "skipped", "reviews"]
    list_select_related = ["model_version"]
    date_hierarchy = "started_at"
    show_full_result_count = False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                chunk_count=Count("chunks"),
                done_count=Count("chunks", filter=Q(chunks__done_at__isnull=False)),
                scored_count=Sum("chunks__scored", default=0),
                skipped_count=Sum("chunks__skipped", default=0),
                review_count=Sum("chunks__reviews", default=0),
            )
        )

    @admin.display(description=_("chunks done"))
    def chunks_done(self, obj):
        return f"{obj.done_count} / {obj.chunk_count}"

    @admin.display(description=_("scored"))
    def scored(self, obj):
        return obj.scored_count

    @admin.display(description=_("skipped: a feature missing"))
    def skipped(self, obj):
        return obj.skipped_count

    @admin.display(description=_("reviews opened"))
    def reviews(self, obj):
        return obj.review_count
