"""Limit-change and early-warning notices are rendered once per shape and language and then
filled in per notice (see ``portal.services``). What the borrower reads must not change: these
tests compare a sample in both languages with the text the full template rendering produced
before (``notice_golden.json``; regenerate with ``UPDATE_NOTICE_GOLDEN=1`` only on purpose)."""

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine

from accounts.credit.services import limit_change_apply
from accounts.models import RiskSignal
from accounts.risk import services as risk
from portal import services
from portal.models import Notification
from tests.factories import BorrowerFactory, CustomerRecordFactory, RiskSignalFactory, credit_account, score_history

pytestmark = pytest.mark.django_db

GOLDEN = Path(__file__).with_name("notice_golden.json")
FIELDS = ("kind", "title", "body", "email_subject", "email_text", "email_html")


def notices_for(language):
    customer = CustomerRecordFactory()
    borrower = BorrowerFactory(customer=customer, preferred_language=language)
    cut = credit_account(customer=customer, external_id=f"GOLD-{language}-1", outstanding_balance="1234.50")
    frozen = credit_account(customer=customer, external_id=f"GOLD-{language}-2", credit_limit="20000.00")
    closed = credit_account(customer=customer, external_id=f"GOLD-{language}-3", credit_limit="8000.00")
    watched = credit_account(customer=customer, external_id=f"GOLD-{language}-4")
    limit_change_apply(
        account=cut,
        kind="risk_reduction",
        new_limit="30000",
        reason_codes=["score_drop", "linked_overdue", "slow_repayment"],
        decided_by="policy",
    )
    limit_change_apply(
        account=frozen, kind="risk_freeze", new_status="frozen", reason_codes=["fraud_suspicion"], decided_by="staff"
    )
    limit_change_apply(account=closed, kind="voluntary_reduction", new_limit="5000", decided_by="borrower")
    score_history(watched, [760, 715], days_apart=10)
    RiskSignalFactory(account=watched, kind=RiskSignal.Kind.SCORE_UPDATE, value="715")
    risk.risk_evaluation_run()
    # Account ids in links depend on the database's sequences, not on the rendering.
    return [
        {name: re.sub(r"/credit/\d+/", "/credit/N/", getattr(notice, name)) for name in FIELDS}
        for notice in Notification.objects.filter(recipient=borrower).order_by("pk")
    ]


@time_machine.travel(datetime(2026, 3, 14, 9, 26, 53, tzinfo=UTC), tick=False)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_limit_change_and_watch_notices_read_exactly_as_before(language):
    rendered = notices_for(language)
    golden = json.loads(GOLDEN.read_text()) if GOLDEN.exists() else {}
    if os.environ.get("UPDATE_NOTICE_GOLDEN"):
        golden[language] = rendered
        GOLDEN.write_text(json.dumps(golden, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    assert [notice["kind"] for notice in rendered] == [
        "limit_change.risk_reduction",
        "limit_change.risk_freeze",
        "limit_change.voluntary_reduction",
        "risk_watch",
    ]
    assert rendered == golden[language]


def limit_change_context(external_id, *, old, new, reasons):
    return {
        "account": {"external_id": external_id},
        "kind": services.FixedText("risk_reduction"),
        "kind_label": "lowered after a <risk> review",
        "limit_changed": old != new,
        "previous_limit": old,
        "new_limit": new,
        "previous_status": "active",
        "new_status": "active",
        "status_changed": False,
        "available_credit": new,
        "effective_at": "March 14, 2026",
        "reasons": [{"title": f"T{n} & co", "explanation": 'It\'s "so"', "remedy": "Pay <now>"} for n in reasons],
        "appeal_deadline": "May 13, 2026",
    }


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_stamped_notices_equal_a_full_rendering_of_each(language, monkeypatch):
    monkeypatch.setattr(services, "_stamps", {})
    borrower = BorrowerFactory(preferred_language=language)
    items = [
        {
            "recipient": borrower,
            "kind": "limit_change.risk_reduction",
            "template": "limit_change",
            "link": f"/credit/{n}/history/",
            "context": limit_change_context(f"A<{n}>&'", old=f"¥{n},000.00", new="¥1.00", reasons=range(n % 3)),
        }
        for n in range(1, 8)
    ]
    notices = services.notifications_send_many(items=items)
    expected = [services._notification_build(**item) for item in items]
    assert [(n.title, n.body, n.email_subject, n.email_html) for n in notices] == [
        (n.title, n.body, n.email_subject, n.email_html) for n in expected
    ]
    assert len(services._stamps) == 3  # one stamp per number of reasons, reused by the others


def test_a_template_that_compares_a_slot_is_rendered_in_full(borrower, monkeypatch):
    monkeypatch.setattr(services, "_stamps", {})
    items = [
        {
            "recipient": borrower,
            "kind": "limit_change.risk_reduction",
            "template": "limit_change",
            "context": {**limit_change_context(f"A{n}", old="¥1", new="¥1", reasons=[]), "kind": kind},
        }
        for n, kind in enumerate(["clearance", "risk_reduction", "clearance"])
    ]
    notices = services.notifications_send_many(items=items)
    assert [n.title for n in notices] == [services._notification_build(**item).title for item in items]
