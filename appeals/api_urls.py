from django.urls import path, re_path

from appeals.api import AppealDetailView, AppealListCreateView, AppealWithdrawView
from portal.api_base import NotFoundView

urlpatterns = [
    path("", AppealListCreateView.as_view(), name="appeal-list"),
    path("<int:appeal_id>/", AppealDetailView.as_view(), name="appeal-detail"),
    path("<int:appeal_id>/withdraw/", AppealWithdrawView.as_view(), name="appeal-withdraw"),
    # Last: a malformed id (/appeals/abc/) is a JSON 404 like a missing appeal.
    re_path(r"^", NotFoundView.as_view()),
]
