"""The education app's pages, one urls module per subject: literacy content under /learn/, health
reports under /reports/. config/urls.py mounts this at the root, as it does every app's urls."""

from django.urls import include, path

urlpatterns = [
    path("learn/", include("education.urls.content")),
    path("reports/", include("education.urls.reports")),
]
