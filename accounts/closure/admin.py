"""Closure requests for staff: read-only, filterable by status and age.

Manual processing: the action "Process due requests now" completes the selected requests whose
cooling-off period has ended, through the same service as the beat task
(``closure_request_complete``), for when the beat job has been held up (e.g. a broker outage).
It never completes a request early: the borrower's cooling-off period is theirs. It needs the
"Can process due closure requests by hand" permission and is audited under the staff member."""

from datetime import timedelta

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.closure.services import closure_request_complete
from accounts.models import ClosureRequest
from portal.admin_base import ReadOnlyAdmin
from portal.exceptions import PortalError


class AgeFilter(admin.SimpleListFilter):
    title = _("age")
    parameter_name = "age"

    def lookups(self, request, model_admin):
        return [
            ("1d", _("started in the last day")),
            ("7d", _("started in the last 7 days")),
            ("older", _("started more than 7 days ago")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "1d":
            return queryset.filter(created_at__gte=now - timedelta(days=1))
        if self.value() == "7d":
            return queryset.filter(created_at__gte=now - timedelta(days=7))
        if self.value() == "older":
            return queryset.filter(created_at__lt=now - timedelta(days=7))
        return queryset


@admin.register(ClosureRequest)
class ClosureRequestAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__",
        "account",
        "kind",
        "target_limit",
        "status",
        "created_at",
        "submitted_at",
        "cooling_off_ends_at",
        "completed_at",
    ]
    list_filter = ["status", "kind", AgeFilter]
    search_fields = ["reference", "account__external_id", "requested_by__email"]
    list_select_related = ["account"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = ["process_due"]
    readonly_fields = [
        field.name
        for field in ClosureRequest._meta.fields
        if field.name not in {"code_hash", "code_expires_at", "idempotency_key"}
    ]
    fields = readonly_fields

    def has_process_permission(self, request):
        return request.user.has_perm("accounts.process_closurerequest")

    @admin.action(description=_("Process due requests now (cooling-off ended)"), permissions=["process"])
    def process_due(self, request, queryset):
        done = 0
        for closure_request in queryset.filter(status=ClosureRequest.Status.SUBMITTED):
            try:
                result = closure_request_complete(
                    closure_request_id=closure_request.pk, actor=request.user, request=request
                )
            except PortalError as error:
                self.message_user(request, error.message, messages.WARNING)
            else:
                done += result is not None
        self.message_user(
            request,
            ngettext("%(count)s request processed.", "%(count)s requests processed.", done) % {"count": done},
            messages.SUCCESS,
        )
