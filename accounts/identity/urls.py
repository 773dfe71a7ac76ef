"""Identity binding and the borrower's account settings."""

from django.urls import path

from accounts.identity import views

urlpatterns = [
    path("identity/", views.identity_binding, name="identity_binding"),
    path("settings/", views.account_settings, name="account_settings"),
    path("settings/api-token/new/", views.api_token_create, name="api_token_create"),
    path("settings/api-token/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("settings/sign-out-everywhere/", views.sign_out_everywhere, name="sign_out_everywhere"),
    path("sign-in/cancel/", views.sign_in_cancel, name="sign_in_cancel"),
]
