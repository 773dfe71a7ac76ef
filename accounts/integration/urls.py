from django.urls import path, re_path

from accounts.integration import api, offer_api
from accounts.integration.outbound import api as outbound_api
from portal.api_base import NotFoundView

app_name = "integration"

urlpatterns = [
    *(path(f"{kind}/", view.as_view(), name=kind) for kind, view in api.UPSERT_VIEWS.items()),
    path(
        "instructions/<uuid:idempotency_key>/outcome/",
        outbound_api.InstructionOutcomeView.as_view(),
        name="instruction-outcome",
    ),
    path("limit-offers/", offer_api.LimitOfferCreateView.as_view(), name="limit-offers"),
    # Any other path here answers 404 in JSON, not with the site's HTML page.
    re_path(r"^.*$", NotFoundView.as_view(), name="not-found"),
]
