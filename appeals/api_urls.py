from django.urls import path

from appeals.api import AppealDetailView, AppealListCreateView, AppealWithdrawView

urlpatterns = [
    path("", AppealListCreateView.as_view(), name="appeal-list"),
    path("<int:appeal_id>/", AppealDetailView.as_view(), name="appeal-detail"),
    path("<int:appeal_id>/withdraw/", AppealWithdrawView.as_view(), name="appeal-withdraw"),
]
