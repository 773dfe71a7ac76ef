from django.urls import path

from accounts.integration import api

app_name = "integration"

urlpatterns = [path(f"{kind}/", view.as_view(), name=kind) for kind, view in api.UPSERT_VIEWS.items()]
