from django.urls import path

from education.api.content import ArticleDetailView, ArticleListView, QuizAttemptCreateView, QuizAttemptDetailView

urlpatterns = [
    path("articles/", ArticleListView.as_view(), name="article-list"),
    path("articles/<slug:slug>/", ArticleDetailView.as_view(), name="article-detail"),
    path("quizzes/<int:quiz_id>/attempts/", QuizAttemptCreateView.as_view(), name="quiz-attempt-create"),
    path(
        "quizzes/<int:quiz_id>/attempts/<int:attempt_id>/",
        QuizAttemptDetailView.as_view(),
        name="quiz-attempt-detail",
    ),
]
