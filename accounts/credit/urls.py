"""The borrower's credit pages."""

from django.urls import path

from accounts.credit import offer_views, statement, views

urlpatterns = [
    path("credit/<int:account_id>/history/", views.credit_history, name="credit_history"),
    path("credit/<int:account_id>/repayments/", views.credit_repayments, name="credit_repayments"),
    path("credit/<int:account_id>/history/statement.json", statement.credit_statement, name="credit_statement"),
    path("credit/<int:account_id>/offers/<int:offer_id>/", offer_views.offer_detail, name="credit_offer"),
    path(
        "credit/<int:account_id>/offers/<int:offer_id>/<str:answer>/",
        offer_views.offer_answer,
        name="credit_offer_answer",
    ),
    path("offers/answer/<str:token>/", offer_views.offer_answer_link, name="offer_answer_link"),
    path("credit/<int:account_id>/offers/preference/", offer_views.offers_preference, name="credit_offers_preference"),
]
