"""The closure-request wizard: four screens, then the receipt (the fifth) and withdrawal."""

from django.urls import path

from accounts.closure import views

urlpatterns = [
    path("credit/manage/", views.closure_entry, name="closure_entry"),
    path("credit/<int:account_id>/manage/", views.closure_start, name="closure_start"),
    path("credit/<int:account_id>/manage/<int:request_id>/choose/", views.closure_choose, name="closure_choose"),
    path("credit/<int:account_id>/manage/<int:request_id>/impact/", views.closure_impact, name="closure_impact"),
    path("credit/<int:account_id>/manage/<int:request_id>/reason/", views.closure_reason, name="closure_reason"),
    path("credit/<int:account_id>/manage/<int:request_id>/verify/", views.closure_verify, name="closure_verify"),
    path(
        "credit/<int:account_id>/manage/<int:request_id>/confirm/",
        views.closure_confirm,
        name="closure_confirm",
    ),
    path("credit/<int:account_id>/manage/requests/", views.closure_request_list, name="closure_request_list"),
    path(
        "credit/<int:account_id>/manage/requests/<int:request_id>/",
        views.closure_receipt,
        name="closure_receipt",
    ),
    path(
        "credit/<int:account_id>/manage/requests/<int:request_id>/receipt.txt",
        views.closure_receipt_download,
        name="closure_receipt_download",
    ),
    path(
        "credit/<int:account_id>/manage/requests/<int:request_id>/withdraw/",
        views.closure_withdraw,
        name="closure_withdraw",
    ),
]
