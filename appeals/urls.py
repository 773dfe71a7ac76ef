from django.urls import path

from appeals import views

app_name = "appeals"

urlpatterns = [
    path("", views.appeal_list, name="list"),
    path("new/<int:change_id>/", views.appeal_create, name="create"),
    path("new/closure-request/<int:request_id>/", views.appeal_create_for_closure_request, name="create_for_request"),
    path("<int:appeal_id>/", views.appeal_detail, name="detail"),
    path("<int:appeal_id>/reply/", views.appeal_reply, name="reply"),
    path("<int:appeal_id>/withdraw/", views.appeal_withdraw, name="withdraw"),
    path("<int:appeal_id>/second-review/", views.appeal_second_review, name="second_review"),
    path("evidence/<int:evidence_id>/", views.evidence_download, name="evidence"),
]
