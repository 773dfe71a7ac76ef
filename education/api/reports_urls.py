from django.urls import path

from education.api.reports import HealthReportDetailView, HealthReportListView

urlpatterns = [
    path("", HealthReportListView.as_view(), name="health-report-list"),
    path("<int:report_id>/", HealthReportDetailView.as_view(), name="health-report-detail"),
]
