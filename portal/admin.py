from django.contrib import admin, messages
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal import services
from portal.admin_base import ReadOnlyAdmin
from portal.exceptions import PortalError
from portal.models import AuditEvent, Notification
from portal.switch_admin import EmergencySwitchAdmin, ServiceNoticeAdmin  # noqa: F401  (registers them)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = [
        "occurred_at",
        "action",
        "actor_label",
        "target_type",
        "target_label",
        "summary_start",
        "ip_address",
    ]
    list_filter = ["action", "target_type", "occurred_at"]
    search_fields = ["actor_label", "target_label", "target_id", "action", "summary"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    @admin.display(description=_("summary"))
    def summary_start(self, obj):
        """Enough of the summary to tell events apart in the list (a file name, a reason)."""
        return Truncator(obj.summary).chars(80)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "email_to", "kind", "title", "email_status", "email_attempts"]
    list_filter = ["email_status", "kind", "in_centre"]
    search_fields = ["recipient__email", "email_to", "title"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "recipient",
        "kind",
        "title",
        "body",
        "link",
        "created_at",
        "read_at",
        "email_status",
        "email_subject",
        "email_attempts",
        "email_sent_at",
        "email_last_error",
        "email_next_attempt_at",
        "in_centre",
        "email_to",
        "email_expires_at",
    ]
    # The email's text stays out of the admin: a closure code must not be readable by staff.
    exclude = ["email_html", "email_text", "email_headers", "idempotency_key"]
    actions = ["resend_failed_emails"]

    def has_resend_permission(self, request):
        return request.user.has_perm("portal.resend_notification")

    @admin.action(description=_("Send the failed emails again"), permissions=["resend"])
    def resend_failed_emails(self, request, queryset):
        try:
            queued = services.notification_emails_resend(
                notifications=list(queryset), actor=request.user, request=request
            )
        except PortalError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        if not queued:
            self.message_user(request, _("None of the selected notices has an email that failed."), messages.WARNING)
            return
        self.message_user(
            request,
            ngettext(
                "Sending %(count)s email again, to the borrower's current address.",
                "Sending %(count)s emails again, to the borrowers' current addresses.",
                queued,
            )
            % {"count": queued},
            messages.SUCCESS,
        )


# The seal chain's pages live with it; imported here so the admin site registers them.
from portal.integrity import admin as integrity_admin  # noqa: E402, F401
