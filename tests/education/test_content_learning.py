"""Learning progress on the dashboard and the article suggested next, from the borrower's
situation: their latest limit change's reasons, then high utilisation, then late repayments,
else the first unread beginner article."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.credit.services import limit_change_apply
from accounts.models import LimitChange
from education.models import ArticleRead, Quiz
from education.selectors import learning_summary_get
from education.services import quiz_attempt_submit
from tests.education.factories import right_answers
from tests.factories import BorrowerFactory, RepaymentInstallmentFactory, credit_account

pytestmark = pytest.mark.django_db


def _borrower(limit="50000.00", balance="0.00"):
    borrower = BorrowerFactory(preferred_language="en")
    account = credit_account(customer=borrower.customer, credit_limit=limit, outstanding_balance=balance)
    return borrower, account


def _read(user, *slugs):
    for slug in slugs:
        ArticleRead.objects.create(user=user, article_slug=slug, first_read_at=timezone.now())


def _suggested(user):
    return learning_summary_get(user=user, language="en")["suggestion"].slug


def test_the_latest_limit_changes_first_unread_reason_article_comes_first():
    borrower, account = _borrower(balance="45000.00")
    limit_change_apply(
        account=account,
        kind=LimitChange.Kind.RISK_REDUCTION,
        new_limit="48000.00",
        reason_codes=["score_drop", "high_borrowing_frequency"],
        decided_by=LimitChange.DecidedBy.POLICY,
    )
    assert _suggested(borrower) == "what-moves-a-credit-score"

    _read(borrower, "what-moves-a-credit-score")
    assert _suggested(borrower) == "the-cost-of-borrowing-often"


def test_high_utilisation_suggests_the_article_on_utilisation():
    borrower, _account = _borrower(limit="10000.00", balance="7100.00")
    summary = learning_summary_get(user=borrower, language="en")
    assert summary["suggestion"].slug == "understanding-utilisation"
    assert "70%" in summary["suggestion_reason"]


def test_utilisation_at_seventy_percent_is_not_high():
    borrower, _account = _borrower(limit="10000.00", balance="7000.00")
    assert _suggested(borrower) != "understanding-utilisation"


def test_an_overdue_repayment_suggests_repaying_on_time():
    borrower, account = _borrower()
    RepaymentInstallmentFactory(account=account, due_date=timezone.localdate() - timedelta(days=3), status="overdue")
    assert _suggested(borrower) == "repaying-on-time"


def test_a_repayment_paid_after_its_due_date_counts_as_late():
    borrower, account = _borrower()
    due = timezone.localdate() - timedelta(days=40)
    RepaymentInstallmentFactory(
        account=account, due_date=due, status="paid", amount_paid="1200.00", paid_at=timezone.now() - timedelta(days=30)
    )
    assert _suggested(borrower) == "repaying-on-time"


def test_otherwise_the_first_unread_beginner_article_is_suggested():
    borrower, _account = _borrower()
    first = learning_summary_get(user=borrower, language="en")["suggestion"]
    assert first.level == "beginner"

    _read(borrower, first.slug)
    second = learning_summary_get(user=borrower, language="en")["suggestion"]
    assert second.slug != first.slug and second.level == "beginner"


def test_progress_counts_articles_read_and_quizzes_done_once_per_slug():
    borrower, _account = _borrower()
    _read(borrower, "budgeting-basics", "repaying-on-time", "not-an-article")
    for language in ("en", "zh-hans"):
        quiz = Quiz.objects.get(article__slug="budgeting-basics", article__language=language)
        quiz_attempt_submit(user=borrower, quiz=quiz, answers=right_answers(quiz))

    summary = learning_summary_get(user=borrower, language="en")

    assert (summary["articles_read"], summary["articles_total"]) == (2, 12)
    assert (summary["quizzes_done"], summary["quizzes_total"]) == (1, 7)


def test_the_dashboard_shows_progress_and_the_suggestion(client):
    borrower, _account = _borrower(limit="10000.00", balance="9000.00")
    _read(borrower, "budgeting-basics")
    client.force_login(borrower)

    page = client.get("/").content.decode()

    assert "1 of 12 articles read, 0 quizzes done" in page
    assert 'href="/learn/understanding-utilisation/"' in page


def test_the_summary_query_count_is_bounded(django_assert_max_num_queries):
    borrower, account = _borrower(limit="10000.00", balance="100.00")
    for step in range(5):
        limit_change_apply(
            account=account,
            kind=LimitChange.Kind.RISK_REDUCTION,
            new_limit=str(9000 - step * 500),
            reason_codes=["score_drop"],
            decided_by=LimitChange.DecidedBy.POLICY,
        )
    _read(borrower, "what-moves-a-credit-score")
    RepaymentInstallmentFactory(account=account, due_date=timezone.localdate() - timedelta(days=3), status="overdue")

    with django_assert_max_num_queries(6):
        summary = learning_summary_get(user=borrower, language="en")

    assert summary["suggestion"].slug == "repaying-on-time"
