"""The notification centre's pages, mounted by config/urls.py at the site root."""

from django.urls import path

from portal import views
from portal.integrity import views as integrity_views

urlpatterns = [
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/<int:notification_id>/", views.notification_detail, name="notification_detail"),
    path("notifications/read/", views.notification_mark_read, name="notification_mark_read"),
    path("integrity/public-key/", integrity_views.public_key, name="integrity_public_key"),
]
