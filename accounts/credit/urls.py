"""The borrower's credit pages."""

from django.urls import path

from accounts.credit import views

urlpatterns = [
    path("credit/<int:account_id>/history/", views.credit_history, name="credit_history"),
    path("credit/<int:account_id>/repayments/", views.credit_repayments, name="credit_repayments"),
]
