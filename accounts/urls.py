"""The accounts app's pages, one urls module per subject; config/urls.py mounts this at the root."""

from django.urls import include, path

urlpatterns = [
    path("", include("accounts.identity.urls")),
    path("", include("accounts.credit.urls")),
    path("", include("accounts.closure.urls")),
    path("", include("accounts.repayment.urls")),
]
