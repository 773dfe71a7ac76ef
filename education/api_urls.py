"""The education app's API routes, mounted by config/urls.py under /api/v1/."""

from django.urls import path, re_path

from education.api.content import ArticleDetailView, ArticleListView, QuizAttemptCreateView, QuizAttemptDetailView
from education.api.reports import HealthReportDetailView, HealthReportListView
from portal.api_base import NotFoundView

urlpatterns = [
    path("articles/", ArticleListView.as_view(), name="article-list"),
    path("articles/<slug:slug>/", ArticleDetailView.as_view(), name="article-detail"),
    path("quizzes/<int:quiz_id>/attempts/", QuizAttemptCreateView.as_view(), name="quiz-attempt-create"),
    path(
        "quizzes/<int:quiz_id>/attempts/<int:attempt_id>/",
        QuizAttemptDetailView.as_view(),
        name="quiz-attempt-detail",
    ),
    path("health-reports/", HealthReportListView.as_view(), name="health-report-list"),
    path("health-reports/<int:report_id>/", HealthReportDetailView.as_view(), name="health-report-detail"),
    # Last: a malformed id or slug (/quizzes/abc/attempts/) is a JSON 404 like a missing object.
    re_path(r"^(articles|quizzes|health-reports)/", NotFoundView.as_view()),
]
