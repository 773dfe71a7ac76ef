"""Notices are data rendered at read time (issue 15): a notice keeps its template and parameters,
the web shows it in the reader's language whatever language it was written in, and the text the
borrower was emailed stays stored as sent."""

import importlib
import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.apps import apps
from django.utils import translation
from rest_framework.test import APIClient

from accounts.credit.services import limit_change_apply
from accounts.models import RiskSignal
from accounts.risk import services as risk
from portal import services
from portal.models import Notification
from tests.factories import BorrowerFactory, RiskSignalFactory, credit_account, score_history

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


def cut(borrower, **kwargs):
    account = credit_account(customer=borrower.customer, external_id=kwargs.pop("external_id", "CL-1001"))
    limit_change_apply(
        account=account,
        kind=kwargs.pop("kind", "risk_reduction"),
        new_limit=kwargs.pop("new_limit", "30000"),
        reason_codes=kwargs.pop("reason_codes", ["score_drop", "linked_overdue"]),
        decided_by=kwargs.pop("decided_by", "policy"),
        **kwargs,
    )
    return Notification.objects.filter(recipient=borrower).latest("pk")


def read(notice, language):
    with translation.override(language):
        return Notification.objects.filter(pk=notice.pk).localised().get()


def signed_in(user, *, cookie_language=None):
    from tests.staff_login import SignInClient

    client = SignInClient()
    client.force_login(user)
    if cookie_language:
        client.cookies["portal_language"] = cookie_language
    return client


@time_machine.travel(NOW, tick=False)
def test_a_cut_written_in_chinese_reads_in_english_on_every_page_and_the_api():
    borrower = BorrowerFactory(preferred_language="zh-hans")
    notice = cut(borrower)
    assert notice.title == "您的信用额度已由 ¥50,000.00 调整为 ¥30,000.00"  # as emailed
    client = signed_in(borrower, cookie_language="en")

    listing = client.get("/notifications/").content.decode()
    page = client.get(f"/notifications/{notice.pk}/").content.decode()
    dashboard = client.get("/").context["recent_notifications"]
    api = APIClient()
    api.force_authenticate(borrower)
    api.cookies["portal_language"] = "en"
    item = api.get("/api/v1/notifications/").json()["results"][0]

    english = "Your credit limit changed from ¥50,000.00 to ¥30,000.00"
    assert english in listing and notice.title not in listing
    assert f"<title>{english}" in page and "<h1" in page and "Your credit score fell" in page
    assert [n.title for n in dashboard] == [english]
    assert item["title"] == english and not CJK.search(item["body"])
    notice.refresh_from_db()
    assert notice.title == "您的信用额度已由 ¥50,000.00 调整为 ¥30,000.00"  # stored as sent, untouched


@time_machine.travel(NOW, tick=False)
def test_a_cut_written_in_english_reads_in_chinese_for_a_reader_who_now_prefers_chinese():
    borrower = BorrowerFactory(preferred_language="en")
    notice = cut(borrower)
    borrower.preferred_language = "zh-hans"
    borrower.save(update_fields=["preferred_language"])

    page = signed_in(borrower).get(f"/notifications/{notice.pk}/").content.decode()

    assert "您的信用额度已由 ¥50,000.00 调整为 ¥30,000.00" in page
    assert "Your credit limit changed" not in page
    assert notice.email_text.startswith("What changed on credit line CL-1001")


LIMIT_GOLDEN = {
    "risk_reduction": {
        "en": ("Your credit limit changed from ¥50,000.00 to ¥30,000.00", "lowered after a risk review"),
        "zh-hans": ("您的信用额度已由 ¥50,000.00 调整为 ¥30,000.00", "有变动：经风险评估后调低。"),
    },
    "risk_freeze": {
        "en": ("Your credit line is now frozen", "Status: active → frozen"),
        "zh-hans": ("您的信用额度状态现为：已冻结", "状态：正常 → 已冻结"),
    },
    "clearance": {
        "en": ("Your credit line CL-1001 has been cleared", "CL-1001: account clearance."),
        "zh-hans": ("您的信用额度 CL-1001 已被清退", "有变动：账户清退。"),
    },
}
LIMIT_CHANGES = {
    "risk_reduction": {},
    "risk_freeze": {"new_limit": None, "new_status": "frozen", "reason_codes": ["fraud_suspicion"]},
    "clearance": {
        "new_limit": "0",
        "new_status": "cleared",
        "reason_codes": ["fraud_suspicion"],
        "decided_by": "staff",
    },
}


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("kind", sorted(LIMIT_GOLDEN))
@pytest.mark.parametrize("written_in", ["zh-hans", "en"])
def test_each_limit_notice_reads_in_both_languages_whatever_it_was_written_in(kind, written_in):
    borrower = BorrowerFactory(preferred_language=written_in)
    notice = cut(borrower, kind=kind, **LIMIT_CHANGES[kind])
    for language, (title, line) in LIMIT_GOLDEN[kind].items():
        shown = read(notice, language)
        assert (shown.title, line in shown.body) == (title, True)
        assert bool(CJK.search(shown.body)) is (language == "zh-hans")
    sent = read(notice, written_in)
    assert (sent.title, sent.body) == (notice.title, notice.email_text)  # the data says what was sent


@time_machine.travel(NOW, tick=False)
def test_a_clearance_says_what_it_is_and_never_calls_itself_temporary():
    borrower = BorrowerFactory(preferred_language="zh-hans")
    notice = cut(borrower, kind="clearance", **LIMIT_CHANGES["clearance"])
    pages = {
        language: signed_in(borrower, cookie_language=language).get(f"/notifications/{notice.pk}/").content.decode()
        for language in ("zh-hans", "en")
    }
    chinese, english = read(notice, "zh-hans"), read(notice, "en")

    for text in (chinese.title, chinese.body, pages["zh-hans"], notice.email_html):
        assert "结清" not in text and "暂时" not in text
    assert "清退" in chinese.body and "永久" in pages["zh-hans"]
    for text in (english.body, pages["en"]):
        assert "for now" not in text and "temporar" not in text
    assert "closed for new borrowing for good" in pages["en"]


@time_machine.travel(NOW, tick=False)
def test_the_notice_page_is_structured_with_real_links_and_one_primary_action():
    borrower = BorrowerFactory(preferred_language="en")
    notice = cut(borrower)
    page = signed_in(borrower).get(f"/notifications/{notice.pk}/").content.decode()

    assert "What changed" in page and "Why (most important first)" in page and "The way back" in page
    assert "<li>Limit: ¥50,000.00 → ¥30,000.00</li>" in page and "<li>You can borrow now: ¥30,000.00</li>" in page
    assert '<a href="/learn/what-moves-a-credit-score/">Read more: Your credit score fell</a>' in page
    assert '<a href="/learn/repaying-on-time/">Read more: A linked account is overdue</a>' in page
    assert "http://" not in page.split("<main", 1)[-1].split("</main>")[0]  # no bare addresses
    assert "you can appeal this decision until" in page
    assert page.count('class="btn btn-primary"') == 1
    assert re.search(r'<a class="btn btn-primary" href="/appeals/new/\d+/">Appeal this decision</a>', page)


@time_machine.travel(NOW, tick=False)
def test_a_token_notice_reads_in_the_readers_language():
    borrower = BorrowerFactory(preferred_language="zh-hans")
    notice = services.notification_send(
        recipient=borrower, kind="api_token_created", template="api_token_created", link="/settings/"
    )

    english = read(notice, "en")

    assert english.title == "A new API token was created for your login"
    assert borrower.email in english.body and not CJK.search(english.body)
    assert CJK.search(notice.title)


def test_a_context_that_cannot_be_stored_as_data_keeps_its_text():
    borrower = BorrowerFactory(preferred_language="zh-hans")
    notice = services.notification_send(
        recipient=borrower,
        kind="api_token_created",
        template="api_token_created",
        context={"helper": object()},
    )

    assert (notice.template, notice.params) == ("", None)
    assert read(notice, "en").title == notice.title


def test_a_notice_rendered_for_a_reader_is_never_saved_over_the_text_that_was_sent():
    borrower = BorrowerFactory(preferred_language="zh-hans")
    services.notification_send(recipient=borrower, kind="api_token_created", template="api_token_created")
    shown = read(Notification.objects.get(recipient=borrower), "en")

    with pytest.raises(RuntimeError):
        shown.save()


@time_machine.travel(NOW, tick=False)
def test_existing_notices_are_migrated_to_data_and_read_in_english():
    borrower = BorrowerFactory(preferred_language="zh-hans")
    notice = cut(borrower)
    Notification.objects.filter(pk=notice.pk).update(template="", params=None)  # as written before
    assert read(notice, "en").title == notice.title  # before: only the stored Chinese text

    importlib.import_module("portal.migrations.0009_h15n_notice_params_backfill").backfill(apps, None)

    english = read(notice, "en")
    assert english.title == "Your credit limit changed from ¥50,000.00 to ¥30,000.00"
    assert "Your credit score fell" in english.body and "You can borrow now" not in english.body
    chinese = read(notice, "zh-hans")
    assert chinese.title == notice.title and "信用评分" in chinese.body


@time_machine.travel(NOW, tick=False)
def test_an_early_warning_page_reads_in_the_readers_language_with_its_article_links():
    borrower = BorrowerFactory(preferred_language="zh-hans")
    watched = credit_account(customer=borrower.customer, external_id="CL-2002")
    score_history(watched, [760, 715], days_apart=10)
    RiskSignalFactory(account=watched, kind=RiskSignal.Kind.SCORE_UPDATE, value="715")
    risk.risk_evaluation_run()
    notice = Notification.objects.get(recipient=borrower, kind="risk_watch")

    page = signed_in(borrower, cookie_language="en").get(f"/notifications/{notice.pk}/").content.decode()

    assert "<title>A heads-up about your credit line" in page and "What we noticed" in page
    assert '<a href="/learn/what-moves-a-credit-score/">Read more: Your credit score fell</a>' in page
    assert not CJK.search(page.split("<main", 1)[1].split("<footer", 1)[0])
