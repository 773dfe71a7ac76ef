"""The notification centre's API routes, mounted by config/urls.py under /api/v1/."""

from django.urls import path

from portal.api import NotificationDetailView, NotificationListView, NotificationReadView

urlpatterns = [
    path("notifications/", NotificationListView.as_view(), name="notification-list"),
    path("notifications/<int:notification_id>/", NotificationDetailView.as_view(), name="notification-detail"),
    path("notifications/read/", NotificationReadView.as_view(), name="notification-read"),
]
