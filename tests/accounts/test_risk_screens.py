"""Issue 16 (6): risk screens lead somewhere. Each policy run opens on a page of its own with its
chunks, decisions and errors; the daily risk report opens on today so far, with the day before
beside it and links to what waits for action."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models.risk import CHUNK_MAX_REQUEUES
from accounts.risk import services as risk
from tests.factories import RiskSignalFactory, StaffFactory, credit_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst(client):
    client.force_login(StaffFactory(group="Risk analyst", preferred_language="en"))
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def pending_freeze(borrower):
    account = credit_account(customer=borrower.customer)
    RiskSignalFactory(account=account, kind="linked_overdue", value="90")
    (decision,) = risk.risk_evaluation_run()
    return decision


def test_a_run_opens_from_the_list_on_a_page_with_its_chunks_and_decisions(analyst, pending_freeze):
    listing = analyst.get(reverse("admin:accounts_riskevaluationrun_changelist")).content.decode()
    (run_pk,) = {
        int(part.split("/")[0])
        for part in listing.split("/admin/accounts/riskevaluationrun/")[1:]
        if part.split("/")[0].isdigit()
    }
    page = analyst.get(reverse("admin:accounts_riskevaluationrun_change", args=[run_pk]))
    html = page.content.decode()
    assert [row["chunk"].decisions for row in page.context["run_detail"]["chunks"]] == [1]
    assert page.context["run_detail"]["decisions"] == [pending_freeze]
    assert reverse("admin:accounts_riskdecision_review", args=[pending_freeze.pk]) in html
    assert pending_freeze.account.external_id in html
    assert "No errors." in html


def test_a_run_page_shows_the_error_of_a_given_up_chunk(analyst, borrower):
    account = credit_account(customer=borrower.customer)
    RiskSignalFactory(account=account, kind="linked_overdue", value="90")
    run = risk.risk_evaluation_run_start()
    run.chunks.update(
        requeues=CHUNK_MAX_REQUEUES,
        queued_at=timezone.now() - timedelta(minutes=11),
        last_error="OperationalError: core system down",
    )
    html = analyst.get(reverse("admin:accounts_riskevaluationrun_change", args=[run.pk])).content.decode()
    assert "OperationalError: core system down" in html
    assert "given up" in html


def test_the_risk_report_opens_on_today_with_yesterday_beside_it_and_links_to_waiting_work(analyst, pending_freeze):
    page = analyst.get(reverse("admin:accounts_risk_report"))
    assert page.context["report"]["day"] == timezone.localdate()
    assert page.context["previous"]["day"] == timezone.localdate() - timedelta(days=1)
    assert page.context["report"]["pending_approvals"] == 1
    assert page.context["report"]["signals_total"] == 1
    html = page.content.decode()
    assert "Today so far" in html and "The day before" in html
    assert reverse("admin:accounts_riskdecision_changelist") + "?status__exact=pending_approval" in html
    assert "1 decision to review" in html
    assert [row["day"] for row in page.context["comparison"][:1]] == [1]  # signals today, beside...
    assert [row["previous"] for row in page.context["comparison"][:1]] == [0]  # ...the day before
