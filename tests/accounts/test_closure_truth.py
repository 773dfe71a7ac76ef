"""What the receipt, its download, the request list and the dashboard say about a closure request
follows its status and the ledger: a withdrawn, rejected or expired request changed nothing, a
completed one shows the ledger's new limit and when it took effect, and a request in cooling-off
shows on the dashboard as a pending change with its date and a way to withdraw it."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from accounts.closure import services
from accounts.credit.services import limit_change_apply
from accounts.models import ClosureRequest
from accounts.tasks import closure_requests_process
from tests.factories import BorrowerFactory, credit_account

pytestmark = pytest.mark.django_db

CODE = "123456"
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Asia/Shanghai
# The cooling-off window of a request submitted at START ends 24 hours later, shown in the
# borrower's time zone (Asia/Shanghai): 3 March, 09:00.


def english_datetime(moment):
    """``moment`` as English pages show a date and time (the project's one style per language)."""
    with translation.override("en"):
        return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


WINDOW_END = START + timedelta(hours=24)


@pytest.fixture(autouse=True)
def fixed_code(monkeypatch):
    monkeypatch.setattr(services.secrets, "randbelow", lambda _limit: int(CODE))


def make_borrower(language):
    return BorrowerFactory(preferred_language=language)


def submitted(borrower, account, kind="lower", target="20000"):
    closure_request = services.closure_request_draft_create(
        user=borrower, account=account, kind=kind, target_limit=target if kind == "lower" else None
    )
    services.closure_request_impact_acknowledge(closure_request=closure_request, user=borrower)
    services.closure_request_reason_set(closure_request=closure_request, user=borrower, reason="limit_spending")
    services.closure_verification_code_send(closure_request=closure_request, user=borrower)
    closure_request = services.closure_request_verify(closure_request=closure_request, user=borrower, code=CODE)
    return services.closure_request_submit(closure_request=closure_request, user=borrower)


def pages(client, closure_request):
    """The receipt page, the receipt download and the request list, as text."""
    kwargs = {"account_id": closure_request.account_id, "request_id": closure_request.pk}
    return [
        client.get(reverse("closure_receipt", kwargs=kwargs)).content.decode(),
        client.get(reverse("closure_receipt_download", kwargs=kwargs)).content.decode(),
        client.get(reverse("closure_request_list", args=[closure_request.account_id])).content.decode(),
    ]


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_withdrawn_request_says_it_changed_nothing_everywhere(client, clock, language):
    borrower = make_borrower(language)
    account = credit_account(customer=borrower.customer, credit_limit="35000.00")
    closure_request = submitted(borrower, account, kind="close")
    services.closure_request_withdraw(closure_request=closure_request, user=borrower)
    client.force_login(borrower)
    receipt, download, request_list = pages(client, closure_request)
    for text in (receipt, download):
        assert "¥35,000.00 → ¥0.00" not in text
        assert "Takes effect" not in text and "冷静期结束后生效" not in text
        assert "2026" in text  # the withdrawal date
    if language == "en":
        for text in (receipt, download, request_list):
            assert f"You withdrew this request on {english_datetime(START)}; your limit did not change." in text
        assert "Limit: not changed by this request" in download
    else:
        assert "已撤回" in receipt and "已撤回" in download and "已撤回" in request_list


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_rejected_request_gives_the_reason_and_says_the_limit_did_not_change(client, clock, language):
    borrower = make_borrower(language)
    account = credit_account(customer=borrower.customer, credit_limit="50000.00")
    closure_request = submitted(borrower, account, target="30000")
    limit_change_apply(
        account=account, kind="risk_reduction", new_limit="25000", reason_codes=["score_drop"], decided_by="policy"
    )
    clock.shift(timedelta(hours=25))
    closure_requests_process()
    closure_request.refresh_from_db()
    assert closure_request.status == ClosureRequest.Status.REJECTED
    client.force_login(borrower)
    receipt, download, request_list = pages(client, closure_request)
    for text in (receipt, download):
        assert "¥50,000.00 → ¥30,000.00" not in text
        assert "Takes effect" not in text and "冷静期结束后生效" not in text
        assert closure_request.rejection_reason in text
    if language == "en":
        for text in (receipt, download, request_list):
            assert "This request could not be applied: " in text
            assert "Your limit did not change." in text
    else:
        assert "未能执行" in receipt and "未能执行" in request_list


def test_a_completed_request_shows_when_it_took_effect_and_the_ledgers_new_limit(client, clock):
    borrower = make_borrower("en")
    account = credit_account(customer=borrower.customer, credit_limit="50000.00")
    closure_request = submitted(borrower, account, target="20000")
    clock.shift(timedelta(hours=25))
    closure_requests_process()
    client.force_login(borrower)
    receipt, download, request_list = pages(client, closure_request)
    for text in (receipt, download, request_list):
        took_effect = english_datetime(WINDOW_END + timedelta(hours=1))
        assert f"Your request took effect on {took_effect}; your limit is now ¥20,000.00." in text
    assert "Took effect on" in receipt
    assert "Takes effect" not in receipt and "Takes effect" not in download


def test_a_request_in_cooling_off_shows_when_it_takes_effect(client, clock):
    borrower = make_borrower("en")
    account = credit_account(customer=borrower.customer, credit_limit="50000.00")
    closure_request = submitted(borrower, account, target="20000")
    client.force_login(borrower)
    receipt, download, request_list = pages(client, closure_request)
    for text in (receipt, download):
        assert "¥50,000.00 → ¥20,000.00" in text
    for text in (receipt, download, request_list):
        assert f"Your request takes effect on {english_datetime(WINDOW_END)}, when the cooling-off period ends." in text


# --- the dashboard -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "what"),
    [
        ("lower", "Your limit will be lowered to ¥20,000.00 on"),
        ("pause", "New borrowing on this line will be paused on"),
        ("close", "This line will be closed on"),
    ],
)
def test_the_dashboard_shows_a_pending_change_with_its_date_and_a_withdraw_link(client, clock, kind, what):
    borrower = make_borrower("en")
    account = credit_account(customer=borrower.customer, credit_limit="50000.00")
    closure_request = submitted(borrower, account, kind=kind)
    client.force_login(borrower)
    page = client.get("/").content.decode()
    assert (
        f"{what} {english_datetime(WINDOW_END)}; until then nothing changes and you can withdraw the request." in page
    )
    assert f"See or withdraw request {closure_request.reference}" in page
    assert reverse("closure_receipt", args=[account.pk, closure_request.pk]) in page


def test_the_dashboard_banner_is_in_chinese_for_a_chinese_reader(client, clock):
    borrower = make_borrower("zh-hans")
    account = credit_account(customer=borrower.customer, credit_limit="50000.00")
    closure_request = submitted(borrower, account)
    client.force_login(borrower)
    page = client.get("/").content.decode()
    assert 'data-field="pending-change"' in page
    assert "¥20,000.00" in page
    assert "2026年3月3日" in page
    assert reverse("closure_receipt", args=[account.pk, closure_request.pk]) in page


def test_a_withdrawn_or_finished_request_leaves_no_banner(client, clock):
    borrower = make_borrower("en")
    withdrawn_on = credit_account(customer=borrower.customer, credit_limit="50000.00")
    services.closure_request_withdraw(closure_request=submitted(borrower, withdrawn_on), user=borrower)
    completed_on = credit_account(customer=borrower.customer, credit_limit="50000.00")
    submitted(borrower, completed_on, kind="pause")
    clock.shift(timedelta(hours=25))
    closure_requests_process()
    client.force_login(borrower)
    page = client.get("/").content.decode()
    assert 'data-field="pending-change"' not in page


def test_another_borrowers_pending_change_is_not_shown(client, clock):
    other = make_borrower("en")
    submitted(other, credit_account(customer=other.customer, credit_limit="50000.00"))
    borrower = make_borrower("en")
    credit_account(customer=borrower.customer, credit_limit="50000.00")
    client.force_login(borrower)
    assert 'data-field="pending-change"' not in client.get("/").content.decode()


def closure_queries(client, borrower, banners):
    """The queries the dashboard makes of closure requests, for a borrower with ``banners``
    requests in cooling-off."""
    client.force_login(borrower)
    with CaptureQueriesContext(connection) as context:
        page = client.get("/").content.decode()
    assert page.count('data-field="pending-change"') == banners
    return [query["sql"] for query in context.captured_queries if ClosureRequest._meta.db_table in query["sql"]]


def test_the_banners_cost_one_query_for_all_accounts(client, clock):
    one = make_borrower("en")
    submitted(one, credit_account(customer=one.customer, credit_limit="50000.00"))
    three = make_borrower("en")
    for _ in range(3):
        submitted(three, credit_account(customer=three.customer, credit_limit="50000.00"))
    assert len(closure_queries(client, one, 1)) == 1
    assert len(closure_queries(client, three, 3)) == 1
