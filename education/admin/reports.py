"""Staff read health reports and preferences here; they change only through services."""

from django.contrib import admin

from education.models import CommunicationPreference, HealthReport
from portal.admin_base import ReadOnlyAdmin


@admin.register(HealthReport)
class HealthReportAdmin(ReadOnlyAdmin):
    list_display = ["month", "user", "grade", "score", "utilisation", "on_time_rate", "email_status"]
    list_filter = ["month", "grade", "email_status"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    show_full_result_count = False
    readonly_fields = [field.name for field in HealthReport._meta.fields]


@admin.register(CommunicationPreference)
class CommunicationPreferenceAdmin(ReadOnlyAdmin):
    list_display = ["user", "report_emails", "reminder_emails", "time_zone", "updated_at"]
    list_filter = ["report_emails", "reminder_emails"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    readonly_fields = [field.name for field in CommunicationPreference._meta.fields]
