"""The notification centre's API routes, mounted by config/urls.py under /api/v1/."""

from django.urls import path, re_path

from portal.api import NotificationDetailView, NotificationListView, NotificationReadView
from portal.api_base import NotFoundView

urlpatterns = [
    path("notifications/", NotificationListView.as_view(), name="notification-list"),
    path("notifications/<int:notification_id>/", NotificationDetailView.as_view(), name="notification-detail"),
    path("notifications/read/", NotificationReadView.as_view(), name="notification-read"),
    # Last: a malformed id (/notifications/abc/) is a JSON 404 like a missing notice.
    re_path(r"^notifications/", NotFoundView.as_view()),
]
