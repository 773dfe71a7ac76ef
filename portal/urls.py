from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.api import CreditAccountListView, LimitChangeListView, MeView
from portal import views
from portal.api_views import NotificationListView, NotificationReadView

api_v1 = [
    path("me", MeView.as_view(), name="me"),
    path("accounts/", CreditAccountListView.as_view(), name="account-list"),
    path("accounts/<int:account_id>/limit-changes/", LimitChangeListView.as_view(), name="limit-change-list"),
    path("closure-requests/", include("accounts.api_closure")),
    path("notifications/", NotificationListView.as_view(), name="notification-list"),
    path("notifications/<int:notification_id>/", views.notification_detail, name="notification_detail"),
    path("notifications/read/", NotificationReadView.as_view(), name="notification-read"),
    path("appeals/", include("appeals.api_urls")),
    path("", include("education.api.content_urls")),
    path("health-reports/", include("education.api.reports_urls")),
]

urlpatterns = [
    path("", views.home, name="dashboard"),
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/<int:notification_id>/", views.notification_detail, name="notification_detail"),
    path("notifications/read/", views.notification_mark_read, name="notification_mark_read"),
    path("i18n/setlang/", views.language_set, name="set_language"),
    path("health/", views.health, name="health"),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("appeals/", include("appeals.urls")),
    path("learn/", include("education.urls")),
    path("reports/", include("education.urls_reports")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="api-v1")),
    path("api/integration/v1/", include("accounts.integration.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]
