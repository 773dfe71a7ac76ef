"""Quizzes: one form, scored answers, an explanation for each, and only your own results."""

import pytest

from education.models import Quiz, QuizAttempt
from education.services import quiz_attempt_submit
from portal.exceptions import PortalError
from portal.models import AuditEvent
from tests.education.factories import ArticleFactory, quiz_for, right_answers, wrong_answers
from tests.factories import BorrowerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def quiz():
    return quiz_for(ArticleFactory(language="en"))


def _form(answers):
    return {f"question_{question_id}": choice_id for question_id, choice_id in answers.items()}


def test_the_quiz_page_is_one_form_with_a_labelled_group_per_question(borrower_client, quiz):
    page = borrower_client.get(f"/learn/quiz/{quiz.pk}/").content.decode()

    assert page.count("<fieldset") == 2 and page.count("<legend") == 2
    assert "1. Question one?" in page and "Right 1" in page and "Wrong 2" in page
    assert page.count('<form method="post"') == 1


def test_answering_scores_the_attempt_and_shows_every_explanation(borrower_client, borrower, quiz):
    answers = right_answers(quiz)
    first_question = quiz.questions.first()
    answers[first_question.pk] = first_question.choices.get(is_correct=False).pk

    response = borrower_client.post(f"/learn/quiz/{quiz.pk}/", _form(answers))

    attempt = QuizAttempt.objects.get(user=borrower)
    assert response.status_code == 302 and response["Location"] == f"/learn/quiz/attempts/{attempt.pk}/"
    assert (attempt.score, attempt.question_count) == (1, 2)
    page = borrower_client.get(response["Location"]).content.decode()
    assert "You answered 1 of 2 questions correctly." in page
    assert "Because one." in page and "Because two." in page
    assert AuditEvent.objects.filter(action="education.quiz_attempt", target_id=str(attempt.pk)).exists()


def test_another_borrowers_attempt_is_not_found(client, quiz):
    owner_attempt = quiz_attempt_submit(user=BorrowerFactory(), quiz=quiz, answers=right_answers(quiz))
    client.force_login(BorrowerFactory())

    assert client.get(f"/learn/quiz/attempts/{owner_attempt.pk}/").status_code == 404


def test_a_choice_from_another_question_is_refused_and_nothing_is_saved(borrower_client, quiz):
    first, second = quiz.questions.all()
    answers = {first.pk: second.choices.first().pk, second.pk: second.choices.first().pk}

    response = borrower_client.post(f"/learn/quiz/{quiz.pk}/", _form(answers))

    assert response.status_code == 200
    assert "Choose one of the answers listed for this question." in response.content.decode()
    assert not QuizAttempt.objects.exists()


def test_a_missing_answer_is_refused_and_nothing_is_saved(borrower_client, quiz):
    answers = right_answers(quiz)
    answers.popitem()

    response = borrower_client.post(f"/learn/quiz/{quiz.pk}/", _form(answers))

    assert "Choose an answer to this question." in response.content.decode()
    assert not QuizAttempt.objects.exists()


def test_the_service_refuses_a_foreign_choice_too(borrower, quiz):
    other_quiz = quiz_for(ArticleFactory(language="en"))
    answers = right_answers(quiz)
    answers[next(iter(answers))] = next(iter(right_answers(other_quiz).values()))

    with pytest.raises(PortalError) as error:
        quiz_attempt_submit(user=borrower, quiz=quiz, answers=answers)

    assert error.value.code == "invalid_choice"
    assert not QuizAttempt.objects.exists()


def test_an_anonymous_visitor_is_asked_to_sign_in(client, quiz):
    response = client.get(f"/learn/quiz/{quiz.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_quiz_on_an_unpublished_article_is_not_found(borrower_client):
    draft_quiz = quiz_for(ArticleFactory(language="en", is_published=False))
    assert borrower_client.get(f"/learn/quiz/{draft_quiz.pk}/").status_code == 404


def test_all_wrong_scores_zero_and_shows_the_right_answers(borrower_client, quiz):
    response = borrower_client.post(f"/learn/quiz/{quiz.pk}/", _form(wrong_answers(quiz)), follow=True)

    page = response.content.decode()
    assert "You answered 0 of 2 questions correctly." in page
    assert "Right 1" in page and "Right 2" in page


def test_a_seeded_chinese_quiz_can_be_taken_in_chinese(borrower_client):
    quiz = Quiz.objects.get(article__slug="spotting-loan-fraud", article__language="zh-hans")
    response = borrower_client.post(f"/learn/quiz/{quiz.pk}/", _form(right_answers(quiz)), follow=True)

    page = response.content.decode()
    assert "我们绝不会索要你的密码或验证码" in page
    assert QuizAttempt.objects.get().score == 3
