"""Counts on the dashboard's learning card read correctly in both languages (issue 15, point 5):
"1 quiz done", never "1 quizzes done"; each count takes its own plural form."""

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from education.models import Quiz
from education.services import quiz_attempt_submit
from tests.education.factories import right_answers
from tests.factories import BorrowerFactory, credit_account

pytestmark = pytest.mark.django_db


def _progress(language, *, read, total, done):
    learning = {"articles_read": read, "articles_total": total, "quizzes_done": done}
    with translation.override(language):
        return render_to_string("education/_dashboard_learning.html", {"learning": learning})


@pytest.mark.parametrize(
    ("read", "total", "done", "text"),
    [
        (1, 12, 1, "1 of 12 articles read, 1 quiz done"),
        (1, 12, 0, "1 of 12 articles read, 0 quizzes done"),
        (2, 12, 3, "2 of 12 articles read, 3 quizzes done"),
        (0, 1, 0, "0 of 1 article read, 0 quizzes done"),
    ],
)
def test_english_counts_take_singular_and_plural(read, total, done, text):
    assert text in _progress("en", read=read, total=total, done=done)


@pytest.mark.parametrize("done", [1, 2])
def test_chinese_counts_read_naturally(done):
    page = _progress("zh-hans", read=1, total=12, done=done)

    assert f"共 12 篇文章，已读 1 篇；已完成 {done} 个小测验" in page


def test_the_dashboard_shows_one_quiz_done(client):
    borrower = BorrowerFactory(preferred_language="en")
    credit_account(customer=borrower.customer)
    quiz = Quiz.objects.get(article__slug="budgeting-basics", article__language="en")
    quiz_attempt_submit(user=borrower, quiz=quiz, answers=right_answers(quiz))
    client.force_login(borrower)

    page = client.get("/").content.decode()

    assert "1 quiz done" in page
    assert "1 quizzes done" not in page
