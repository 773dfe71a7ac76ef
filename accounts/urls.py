from django.urls import path

from accounts import views, views_closure

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

# The closure-request wizard (accounts/views_closure.py): five steps, then receipt and withdrawal.
urlpatterns += [
    path("credit/manage/", views_closure.closure_entry, name="closure_entry"),
    path("credit/<int:account_id>/manage/", views_closure.closure_start, name="closure_start"),
    path(
        "credit/<int:account_id>/manage/<int:request_id>/choose/", views_closure.closure_choose, name="closure_choose"
    ),
    path(
        "credit/<int:account_id>/manage/<int:request_id>/impact/", views_closure.closure_impact, name="closure_impact"
    ),
    path(
        "credit/<int:account_id>/manage/<int:request_id>/reason/", views_closure.closure_reason, name="closure_reason"
    ),
    path(
        "credit/<int:account_id>/manage/<int:request_id>/verify/", views_closure.closure_verify, name="closure_verify"
    ),
    path(
        "credit/<int:account_id>/manage/<int:request_id>/confirm/",
        views_closure.closure_confirm,
        name="closure_confirm",
    ),
    path("credit/<int:account_id>/manage/requests/", views_closure.closure_request_list, name="closure_request_list"),
    path(
        "credit/<int:account_id>/manage/requests/<int:request_id>/",
        views_closure.closure_receipt,
        name="closure_receipt",
    ),
    path(
        "credit/<int:account_id>/manage/requests/<int:request_id>/receipt.txt",
        views_closure.closure_receipt_download,
        name="closure_receipt_download",
    ),
    path(
        "credit/<int:account_id>/manage/requests/<int:request_id>/withdraw/",
        views_closure.closure_withdraw,
        name="closure_withdraw",
    ),
]
