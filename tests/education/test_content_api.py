"""/api/v1/articles/ and /api/v1/quizzes/<id>/attempts/."""

import pytest
from rest_framework.test import APIClient

from education.models import Quiz, QuizAttempt
from tests.education.factories import ArticleFactory, quiz_for, right_answers
from tests.factories import BorrowerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(borrower):
    client = APIClient()
    client.force_authenticate(borrower)
    return client


def _answers(answers):
    return {"answers": [{"question": question, "choice": choice} for question, choice in answers.items()]}


def test_the_article_list_needs_a_signed_in_user():
    assert APIClient().get("/api/v1/articles/").status_code == 401


def test_the_article_list_gives_one_version_per_slug_in_the_asked_language(api, django_assert_max_num_queries):
    ArticleFactory.create_batch(5, language="en")
    with django_assert_max_num_queries(4):
        response = api.get("/api/v1/articles/", {"language": "en"})

    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 17
    fraud = next(item for item in results if item["slug"] == "spotting-loan-fraud")
    assert fraud["title"] == "Spotting loan fraud" and fraud["topic"] == "rights-and-safety"
    assert fraud["is_fallback"] is False and fraud["url"] == "/learn/spotting-loan-fraud/?language=en"


def test_the_article_list_filters_by_topic_and_text(api):
    by_topic = api.get("/api/v1/articles/", {"topic": "managing-money", "language": "en"}).json()["results"]
    assert {item["slug"] for item in by_topic} == {
        "budgeting-basics",
        "building-an-emergency-fund",
        "handling-financial-hardship",
    }
    by_text = api.get("/api/v1/articles/", {"q": "安全账户", "language": "zh-hans"}).json()["results"]
    assert [item["slug"] for item in by_text] == ["spotting-loan-fraud"]


def test_unpublished_articles_are_not_listed_or_retrievable(api):
    ArticleFactory(slug="api-draft", is_published=False)
    slugs = {item["slug"] for item in api.get("/api/v1/articles/").json()["results"]}
    assert "api-draft" not in slugs
    assert api.get("/api/v1/articles/api-draft/").status_code == 404


def test_an_article_comes_with_its_html_and_quiz_without_the_right_answers(api):
    response = api.get("/api/v1/articles/repaying-on-time/", {"language": "en"})

    data = response.json()
    assert data["title"] == "Repaying on time, made simple" and data["other_language"] == "zh-hans"
    assert "<h2>" in data["body_html"]
    assert len(data["quiz"]["questions"]) == 3
    assert "is_correct" not in str(data["quiz"])


def test_answering_a_quiz_returns_the_score_and_explanations(api, borrower):
    quiz = Quiz.objects.get(article__slug="understanding-utilisation", article__language="en")

    response = api.post(f"/api/v1/quizzes/{quiz.pk}/attempts/", _answers(right_answers(quiz)), format="json")

    assert response.status_code == 201
    data = response.json()
    assert (data["score"], data["question_count"]) == (3, 3)
    assert all(row["is_correct"] and row["explanation"] for row in data["results"])
    assert QuizAttempt.objects.get(user=borrower).score == 3
    own = api.get(f"/api/v1/quizzes/{quiz.pk}/attempts/{data['id']}/")
    assert own.status_code == 200 and own.json()["score"] == 3


def test_a_choice_from_another_question_is_a_400_and_nothing_is_saved(api):
    quiz = quiz_for(ArticleFactory())
    first, second = quiz.questions.all()
    answers = {first.pk: second.choices.first().pk, second.pk: second.choices.first().pk}

    response = api.post(f"/api/v1/quizzes/{quiz.pk}/attempts/", _answers(answers), format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_choice"
    assert not QuizAttempt.objects.exists()


def test_another_borrowers_attempt_is_a_404(api):
    quiz = quiz_for(ArticleFactory())
    other = APIClient()
    other.force_authenticate(BorrowerFactory())
    attempt_id = other.post(
        f"/api/v1/quizzes/{quiz.pk}/attempts/", _answers(right_answers(quiz)), format="json"
    ).json()["id"]

    assert api.get(f"/api/v1/quizzes/{quiz.pk}/attempts/{attempt_id}/").status_code == 404
