"""Staff see every instruction sent to the core system, above all those that failed, and can
send one again once the cause is fixed."""

from django.contrib import admin, messages
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.integration.outbound import services
from accounts.models import CoreInstruction
from portal.admin_base import ReadOnlyAdmin
from portal.exceptions import PortalError


@admin.register(CoreInstruction)
class CoreInstructionAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "kind",
        "subject_reference",
        "status",
        "attempts",
        "next_attempt_at",
        "error_start",
        "answered_at",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["=subject_reference", "=idempotency_key"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    readonly_fields = [field.name for field in CoreInstruction._meta.fields]
    actions = ["retry_now"]

    @admin.display(description=_("last error"))
    def error_start(self, obj):
        return Truncator(obj.last_error).chars(80)

    def has_retry_permission(self, request):
        return request.user.has_perm("accounts.retry_coreinstruction")

    @admin.action(description=_("Send to the core system again now"), permissions=["retry"])
    def retry_now(self, request, queryset):
        try:
            queued = services.core_instructions_retry(instructions=list(queryset), actor=request.user, request=request)
        except PortalError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        if not queued:
            self.message_user(
                request,
                _("None of the selected instructions can be sent again: each has an answer or is being sent."),
                messages.WARNING,
            )
            return
        self.message_user(
            request,
            ngettext(
                "Sending %(count)s instruction again, under its same idempotency key.",
                "Sending %(count)s instructions again, each under its same idempotency key.",
                queued,
            )
            % {"count": queued},
            messages.SUCCESS,
        )
