"""The accounts app's borrower API routes, mounted by config/urls.py under /api/v1/. (The core
system's integration API has its own, under /api/integration/v1/.)"""

from django.urls import include, path, re_path

from accounts.closure import api as closure_api
from accounts.credit.api import CreditAccountListView, LimitChangeListView, LimitOfferAnswerView, LimitOfferListView
from accounts.identity.api import MeView
from portal.api_base import NotFoundView

urlpatterns = [
    path("me", MeView.as_view(), name="me"),
    path("accounts/", CreditAccountListView.as_view(), name="account-list"),
    path("accounts/<int:account_id>/limit-changes/", LimitChangeListView.as_view(), name="limit-change-list"),
    path("", include("accounts.repayment.api_urls")),
    path("closure-requests/", closure_api.ClosureRequestListCreateView.as_view(), name="closure-request-list"),
    path(
        "closure-requests/<int:request_id>/verification-code/",
        closure_api.ClosureRequestCodeView.as_view(),
        name="closure-request-code",
    ),
    path(
        "closure-requests/<int:request_id>/submit/",
        closure_api.ClosureRequestSubmitView.as_view(),
        name="closure-request-submit",
    ),
    path(
        "closure-requests/<int:request_id>/withdraw/",
        closure_api.ClosureRequestWithdrawView.as_view(),
        name="closure-request-withdraw",
    ),
    path("offers/", LimitOfferListView.as_view(), name="limit-offer-list"),
    path("offers/<int:offer_id>/accept/", LimitOfferAnswerView.as_view(answer="accept"), name="limit-offer-accept"),
    path("offers/<int:offer_id>/decline/", LimitOfferAnswerView.as_view(answer="decline"), name="limit-offer-decline"),
    # Last: a malformed id (/accounts/abc/limit-changes/) is a JSON 404 like a missing object.
    re_path(r"^(accounts|closure-requests|offers)/", NotFoundView.as_view()),
]
