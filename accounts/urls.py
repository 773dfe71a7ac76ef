from django.urls import path

from accounts import views

urlpatterns = [
    path("identity/", views.identity_binding, name="identity_binding"),
    path("settings/", views.account_settings, name="account_settings"),
    path("settings/api-token/new/", views.api_token_create, name="api_token_create"),
    path("settings/api-token/revoke/", views.api_token_revoke, name="api_token_revoke"),
]

urlpatterns += [
    path("credit/<int:account_id>/history/", views.credit_history, name="credit_history"),
    path("credit/<int:account_id>/repayments/", views.credit_repayments, name="credit_repayments"),
]
