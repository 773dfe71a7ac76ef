"""Staff pages for stress tests: the list with progress, each test's result, the form that starts
one, and the results shown on a policy version's own (approval) page."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import PolicyVersion, StressTest
from accounts.risk.stress import selectors
from accounts.risk.stress import services as stress
from accounts.risk.stress.forms import StressTestForm
from portal.admin_base import ReadOnlyAdmin
from portal.exceptions import PortalError


def stress_test_context(stress_test):
    return {"test": stress_test, "rows": selectors.stress_test_table(stress_test)}


@admin.register(StressTest)
class StressTestAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "policy_version", "status", "progress", "shock", "created_by", "created_at"]
    list_filter = ["status"]
    list_select_related = ["policy_version", "created_by"]
    show_full_result_count = False
    fields = [
        "policy_version",
        "baseline_version",
        "segment_set",
        "shock",
        "status",
        "progress",
        "error",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
        "result_table",
    ]
    readonly_fields = fields

    @admin.display(description=_("progress"))
    def progress(self, obj):
        return _("%(done)s of %(total)s accounts (%(percent)s %%)") % {
            "done": f"{obj.accounts_done:,}",
            "total": f"{obj.accounts_total:,}",
            "percent": obj.progress_percent,
        }

    @admin.display(description=_("shock"))
    def shock(self, obj):
        text = _("scores −%(points)s; linked overdue of %(days)s days for %(share)s %% of accounts") % {
            "points": obj.score_shock_points,
            "days": obj.overdue_days,
            "share": obj.overdue_share_percent,
        }
        if obj.macro_tightening:
            text = _("%(shock)s; macro-economic tightening on") % {"shock": text}
        return text

    @admin.display(description=_("result"))
    def result_table(self, obj):
        return render_to_string("accounts/risk/stress/result.html", stress_test_context(obj))

    def get_urls(self):
        return [
            path(
                "start/<int:policy_pk>/",
                self.admin_site.admin_view(self.start_view),
                name="accounts_stresstest_start",
            ),
        ] + super().get_urls()

    def start_view(self, request, policy_pk):
        if not request.user.has_perm("accounts.run_stresstest"):
            raise PermissionDenied
        policy = get_object_or_404(PolicyVersion, pk=policy_pk)
        form = StressTestForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                stress_test = stress.stress_test_start(
                    policy=policy, actor=request.user, request=request, **form.cleaned_data
                )
            except PortalError as error:
                error.add_to_form(form)
            else:
                self.message_user(
                    request,
                    _("The stress test is running in the background; this page shows its progress."),
                    messages.SUCCESS,
                )
                return redirect("admin:accounts_stresstest_change", stress_test.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Stress test of %(policy)s") % {"policy": policy},
            "policy": policy,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "accounts/risk/stress/start.html", context)


class PolicyStressTestsMixin:
    """For the policy version admin: its page (where a draft is approved) shows the version's
    latest stress tests beside the version in force, and a link to run another."""

    change_form_template = "accounts/risk/stress/policyversion_change_form.html"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        policy = self.get_object(request, object_id)
        if policy is not None:
            can_start = (
                request.user.has_perm("accounts.run_stresstest") and policy.status != PolicyVersion.Status.RETIRED
            )
            extra_context = {
                **(extra_context or {}),
                "stress_tests": [stress_test_context(t) for t in selectors.stress_tests_for_policy(policy=policy)],
                "stress_test_start_url": reverse("admin:accounts_stresstest_start", args=[policy.pk])
                if can_start
                else "",
            }
        return super().change_view(request, object_id, form_url, extra_context)
