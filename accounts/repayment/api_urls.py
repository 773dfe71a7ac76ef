"""The repayment options' API routes, under /api/v1/accounts/<id>/repayment/."""

from django.urls import path

from accounts.repayment import api

PREFIX = "accounts/<int:account_id>/repayment/"

urlpatterns = [
    path(f"{PREFIX}instructions/", api.RepaymentInstructionListView.as_view(), name="repayment-instruction-list"),
    path(f"{PREFIX}quotes/", api.RepaymentQuoteCreateView.as_view(), name="repayment-quote-create"),
    path(f"{PREFIX}early/", api.EarlyRepaymentCreateView.as_view(), name="repayment-early-create"),
    path(f"{PREFIX}due-day/", api.DueDayChangeCreateView.as_view(), name="repayment-due-day-create"),
    path(f"{PREFIX}autopay/", api.AutopayCreateView.as_view(), name="repayment-autopay-create"),
    path(f"{PREFIX}hardship/", api.HardshipCreateView.as_view(), name="repayment-hardship-create"),
    path(
        f"{PREFIX}instructions/<uuid:reference>/accept/",
        api.HardshipAnswerView.as_view(answer="accept"),
        name="repayment-hardship-accept",
    ),
    path(
        f"{PREFIX}instructions/<uuid:reference>/decline/",
        api.HardshipAnswerView.as_view(answer="decline"),
        name="repayment-hardship-decline",
    ),
]
