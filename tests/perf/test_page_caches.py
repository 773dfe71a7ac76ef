"""What issue 17's second pass cached or read in bulk stays correct: the reason-code
catalogue each process keeps shows a staff edit at once, the dashboard reads every line's next
payment and score trend in one query each (and each line shows its own), and the customer record
it now reads with the lines is the borrower's own."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.credit import selectors as credit_selectors
from accounts.credit.services import limit_change_apply
from accounts.models import LimitChange, ReasonCode
from education.selectors import advice
from tests.factories import BorrowerFactory, CreditScoreFactory, RepaymentInstallmentFactory, credit_account

pytestmark = pytest.mark.django_db


def _cut(account, code="score_drop"):
    account.refresh_from_db()
    return limit_change_apply(
        account=account,
        kind=LimitChange.Kind.RISK_REDUCTION,
        new_limit=account.credit_limit - Decimal("5000.00"),
        reason_codes=[code],
        decided_by=LimitChange.DecidedBy.POLICY,
    )


def test_reason_catalogue_is_read_once_per_process_and_reloaded_after_an_edit():
    account = credit_account(customer=BorrowerFactory().customer, credit_limit="50000.00")
    change = _cut(account)
    advice.reasons_of([change])  # loads this process's copy
    with CaptureQueriesContext(connection) as captured:
        first = advice.reasons_of([change])
    assert len(captured.captured_queries) == 0
    reason = ReasonCode.objects.get(code="score_drop")
    reason.title_en = "A new title for the score drop"
    reason.save()
    assert advice.reasons_of([change])["score_drop"].title_en == "A new title for the score drop"
    assert first["score_drop"].title_en != "A new title for the score drop"


def test_a_new_and_a_deleted_reason_code_show_at_once():
    account = credit_account(customer=BorrowerFactory().customer, credit_limit="50000.00")
    assert "score_drop" in advice.reasons_of([_cut(account)])  # the copy is loaded
    ReasonCode.objects.create(code="fresh_code", title_en="New", title_zh="新")
    change = _cut(account, code="fresh_code")
    assert advice.reasons_of([change])["fresh_code"].title_en == "New"
    ReasonCode.objects.get(code="fresh_code").delete()
    assert advice.reasons_of([change]) == {}


def test_dashboard_shows_a_reason_title_edited_after_it_was_cached(client):
    borrower = BorrowerFactory(preferred_language="en")
    _cut(credit_account(customer=borrower.customer, credit_limit="50000.00"))
    client.force_login(borrower)
    old_title = ReasonCode.objects.get(code="score_drop").title_en
    assert old_title in client.get(reverse("dashboard")).content.decode()
    reason = ReasonCode.objects.get(code="score_drop")
    reason.title_en = "Your score fell sharply this month"
    reason.save()
    page = client.get(reverse("dashboard")).content.decode()
    assert "Your score fell sharply this month" in page


def _line(borrower, *, balance, due_in_days, amount, score):
    account = credit_account(customer=borrower.customer, credit_limit="50000.00", outstanding_balance=balance)
    due = timezone.localdate() + datetime.timedelta(days=due_in_days)
    RepaymentInstallmentFactory(account=account, due_date=due, amount_due=amount, status="scheduled")
    CreditScoreFactory(account=account, score=score, scored_at=timezone.now() - datetime.timedelta(days=1))
    return account


def test_every_lines_next_payment_and_trend_read_together_match_the_single_reads():
    borrower = BorrowerFactory()
    accounts = [
        _line(borrower, balance="3000.00", due_in_days=5, amount="1200.00", score=640),
        _line(borrower, balance="500.00", due_in_days=9, amount="900.00", score=720),
        _line(borrower, balance="0.00", due_in_days=3, amount="100.00", score=700),
    ]
    due = credit_selectors.next_installments_due(accounts=accounts)
    trends = credit_selectors.credit_score_trends(accounts=accounts)
    for account in accounts:
        assert due.get(account.pk) == credit_selectors.next_installment_due(account=account)
        assert trends[account.pk] == credit_selectors.credit_score_trend(account=account)
    assert due[accounts[1].pk].amount_due == Decimal("500.00")  # capped at what is owed
    assert accounts[2].pk not in due  # nothing owed, nothing due


def _dashboard_queries(client):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_dashboard_queries_do_not_grow_with_the_number_of_lines(client):
    one, three = BorrowerFactory(preferred_language="en"), BorrowerFactory(preferred_language="en")
    _line(one, balance="3000.00", due_in_days=5, amount="1200.00", score=640)
    for days in (5, 9, 12):
        _line(three, balance="3000.00", due_in_days=days, amount="1200.00", score=640 + days)
    counts = {}
    for name, borrower in (("one", one), ("three", three)):
        client.force_login(borrower)
        client.get(reverse("dashboard"))  # a warm process
        counts[name] = _dashboard_queries(client)
    assert counts["three"] == counts["one"], counts


def test_dashboard_shows_each_borrower_their_own_customer_record(client):
    first, second = BorrowerFactory(preferred_language="en"), BorrowerFactory(preferred_language="en")
    for borrower, last4 in ((first, "1111"), (second, "2222")):
        borrower.customer.national_id_last4 = last4
        borrower.customer.save()
        credit_account(customer=borrower.customer, credit_limit="50000.00")
    for borrower, other in ((first, second), (second, first)):
        client.force_login(borrower)
        page = client.get(reverse("dashboard")).content.decode()
        assert borrower.customer.masked_national_id in page
        assert other.customer.masked_national_id not in page


def test_dashboard_of_a_borrower_without_lines_still_shows_their_record(client):
    borrower = BorrowerFactory(preferred_language="en")
    client.force_login(borrower)
    assert borrower.customer.masked_national_id in client.get(reverse("dashboard")).content.decode()


def test_dashboard_counts_every_unread_notice_and_lists_the_three_newest(client):
    from portal.models import Notification

    borrower, other = BorrowerFactory(preferred_language="en"), BorrowerFactory(preferred_language="en")
    for number in range(6):
        read_at = timezone.now() if number in (1, 4) else None
        Notification.objects.create(
            recipient=borrower, kind="test", title=f"Notice {number}", body=".", read_at=read_at
        )
    Notification.objects.create(recipient=other, kind="test", title="Not yours", body=".")
    Notification.objects.create(recipient=borrower, kind="test", title="Email only", body=".", in_centre=False)
    client.force_login(borrower)
    page = client.get(reverse("dashboard")).content.decode()
    assert "All notices (4 unread)" in page
    assert all(f"Notice {number}" in page for number in (3, 4, 5))
    assert "Notice 2" not in page and "Not yours" not in page and "Email only" not in page


def test_dashboard_without_notices_counts_none_unread(client):
    borrower = BorrowerFactory(preferred_language="en")
    client.force_login(borrower)
    assert "All notices (0 unread)" in client.get(reverse("dashboard")).content.decode()


def test_article_page_counts_its_quiz_questions_without_loading_them(client):
    from education.models import Quiz

    quiz = Quiz.objects.filter(is_published=True, article__is_published=True, article__language="en").first()
    questions = quiz.questions.count()
    client.force_login(BorrowerFactory(preferred_language="en"))
    path = reverse("education:article_detail", args=[quiz.article.slug]) + "?language=en"
    page = client.get(path).content.decode()
    assert f"A short quiz of {questions} questions" in page
    assert reverse("education:quiz", args=[quiz.pk]) in page
