"""The borrower's repayment options, under their credit line."""

from django.urls import path

from accounts.repayment import views

urlpatterns = [
    path("credit/<int:account_id>/repayment/", views.options, name="repayment_options"),
    path("credit/<int:account_id>/repayment/early/", views.early_repayment, name="repayment_early"),
    path(
        "credit/<int:account_id>/repayment/early/<uuid:reference>/",
        views.early_repayment_quote,
        name="repayment_quote",
    ),
    path("credit/<int:account_id>/repayment/due-day/", views.due_day, name="repayment_due_day"),
    path("credit/<int:account_id>/repayment/autopay/", views.autopay, name="repayment_autopay"),
    path("credit/<int:account_id>/repayment/hardship/", views.hardship, name="repayment_hardship"),
    path(
        "credit/<int:account_id>/repayment/instructions/<uuid:reference>/",
        views.instruction_detail,
        name="repayment_instruction",
    ),
    path(
        "credit/<int:account_id>/repayment/instructions/<uuid:reference>/<str:answer>/",
        views.hardship_answer,
        name="repayment_hardship_answer",
    ),
]
