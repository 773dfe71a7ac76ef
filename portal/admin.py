from django.contrib import admin

from portal.models import AuditEvent, Notification


class ReadOnlyAdmin(admin.ModelAdmin):
    """Staff read these records here; they change only through services (or not at all)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "action", "actor_label", "target_type", "target_label", "ip_address"]
    list_filter = ["action", "target_type", "occurred_at"]
    search_fields = ["actor_label", "target_label", "target_id", "action", "summary"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False
    readonly_fields = [f.name for f in AuditEvent._meta.fields]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "kind", "title", "email_status", "read_at"]
    list_filter = ["kind", "email_status"]
    search_fields = ["recipient__email", "title"]
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
    ]
    exclude = ["email_html", "email_text", "idempotency_key"]
