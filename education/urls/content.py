from django.urls import path

from education.views import content

app_name = "education"

urlpatterns = [
    path("", content.article_list, name="article_list"),
    path("search/", content.article_search, name="article_search"),
    path("topic/<slug:slug>/", content.topic_detail, name="topic_detail"),
    path("quiz/<int:quiz_id>/", content.quiz_take, name="quiz"),
    path("quiz/attempts/<int:attempt_id>/", content.quiz_result, name="quiz_result"),
    path("<slug:slug>/", content.article_detail, name="article_detail"),
]
