"""Root URLs. Each app keeps its pages in `<app>/urls.py` and its API in `<app>/api_urls.py`;
this file only mounts them."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.risk.admin import risk_report_view
from config import views

# Staff pages that belong to no model, mounted under admin/ by the admin site.
admin.site.page_register(route="risk-report/", view=risk_report_view, name="accounts_risk_report")

api_v1 = [
    path("", include("portal.api_urls")),
    path("", include("accounts.api_urls")),
    path("appeals/", include("appeals.api_urls")),
    path("", include("education.api_urls")),
]

urlpatterns = [
    path("", views.home, name="dashboard"),
    path("i18n/setlang/", views.language_set, name="set_language"),
    path("health/", views.health, name="health"),
    path("", include("portal.urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("appeals/", include("appeals.urls")),
    path("", include("education.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="api-v1")),
    path("api/integration/v1/", include("accounts.integration.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as its own URL (?script), not inline,
    # so the Content-Security-Policy allows scripts from the portal's own files only.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
]
