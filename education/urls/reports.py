"""Health report pages, under /reports/."""

from django.urls import path

from education.views import reports

urlpatterns = [
    path("", reports.health_report_list, name="health_report_list"),
    path("latest/", reports.health_report_latest, name="health_report_latest"),
    path("<int:report_id>/", reports.health_report_detail, name="health_report_detail"),
    path("preferences/", reports.communication_preferences, name="communication_preferences"),
    path("unsubscribe/<str:token>/", reports.report_unsubscribe, name="report_unsubscribe"),
]
