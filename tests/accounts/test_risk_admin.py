from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import PolicyVersion, RiskDecision
from accounts.risk import services as risk
from tests.factories import RiskSignalFactory, StaffFactory, credit_account, score_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending_freeze(borrower):
    account = credit_account(customer=borrower.customer)
    RiskSignalFactory(account=account, kind="linked_overdue", value="90")
    (decision,) = risk.risk_evaluation_run()
    return decision


def test_supervisor_approves_a_freeze_from_the_queue(client, pending_freeze):
    supervisor = StaffFactory(group="Supervisor")
    client.force_login(supervisor)
    queue = client.get(reverse("admin:accounts_riskdecision_changelist") + "?status__exact=pending_approval")
    assert reverse("admin:accounts_riskdecision_review", args=[pending_freeze.pk]) in queue.content.decode()

    response = client.post(
        reverse("admin:accounts_riskdecision_review", args=[pending_freeze.pk]), {"note": "ok", "approve": "1"}
    )
    assert response.status_code == 302
    pending_freeze.refresh_from_db()
    assert pending_freeze.status == RiskDecision.Status.APPLIED
    assert pending_freeze.account.status == "frozen"


def test_a_risk_analyst_cannot_open_the_review_page(client, pending_freeze):
    client.force_login(StaffFactory(group="Risk analyst"))
    response = client.post(reverse("admin:accounts_riskdecision_review", args=[pending_freeze.pk]), {"approve": "1"})
    assert response.status_code == 403
    pending_freeze.refresh_from_db()
    assert pending_freeze.status == RiskDecision.Status.PENDING_APPROVAL


def test_rejecting_without_a_note_shows_the_reason_and_changes_nothing(client, pending_freeze):
    client.force_login(StaffFactory(group="Supervisor"))
    response = client.post(reverse("admin:accounts_riskdecision_review", args=[pending_freeze.pk]), {"reject": "1"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    pending_freeze.refresh_from_db()
    assert pending_freeze.status == RiskDecision.Status.PENDING_APPROVAL


def test_analyst_previews_a_draft_and_switches_it_on(client, borrower):
    account = credit_account(customer=borrower.customer)
    score_history(account, [760, 700])
    analyst = StaffFactory(group="Risk analyst")
    client.force_login(analyst)
    draft = PolicyVersion.objects.create(name="Tighter", base_cut_percent=40, created_by=analyst)
    preview = client.get(reverse("admin:accounts_policyversion_preview", args=[draft.pk]))
    assert preview.context["summary"]["reduction"] == 1
    assert preview.context["summary"]["limit_removed"] == Decimal("20000.00")

    client.post(
        reverse("admin:accounts_policyversion_changelist"),
        {"action": "activate", "_selected_action": [draft.pk]},
    )
    draft.refresh_from_db()
    assert draft.status == "active"
    assert PolicyVersion.objects.active().count() == 1


def test_an_active_policy_cannot_be_edited_in_place(client):
    analyst = StaffFactory(group="Risk analyst")
    client.force_login(analyst)
    active = PolicyVersion.objects.active().get()
    client.post(reverse("admin:accounts_policyversion_change", args=[active.pk]), {"base_cut_percent": 90})
    active.refresh_from_db()
    assert active.base_cut_percent == 30


def test_the_daily_risk_report_page_and_email(client, pending_freeze, django_capture_on_commit_callbacks):
    analyst = StaffFactory(group="Risk analyst")
    client.force_login(analyst)
    today = timezone.localdate().isoformat()
    page = client.get(reverse("admin:accounts_risk_report") + f"?day={today}")
    assert page.context["report"]["pending_approvals"] == 1
    assert page.context["report"]["signals_total"] == 1
    assert (page.context["report"]["policy_runs"], page.context["report"]["chunks_waiting"]) == (1, 0)

    with django_capture_on_commit_callbacks(execute=True):
        risk.risk_report_send(day=timezone.localdate())
        risk.risk_report_send(day=timezone.localdate())  # the same day again sends nothing new
    assert [message.to for message in mail.outbox] == [[analyst.email]]


def test_the_report_is_for_staff_who_may_read_decisions(client):
    client.force_login(StaffFactory(group="Content editor"))
    assert client.get(reverse("admin:accounts_risk_report")).status_code == 403


def test_risk_analysts_read_each_policy_run_and_whether_its_chunks_are_done(client, borrower):
    account = credit_account(customer=borrower.customer)
    score_history(account, [760, 700])
    RiskSignalFactory(account=account, kind="score_update", value="700")
    run = risk.risk_evaluation_run_start()
    client.force_login(StaffFactory(group="Risk analyst"))

    listing = client.get(reverse("admin:accounts_riskevaluationrun_changelist"))
    assert listing.status_code == 200
    rows = listing.context["cl"].result_list
    assert [(r.pk, r.chunk_count, r.done_count, r.decision_count) for r in rows] == [(run.pk, 1, 0, 0)]
    assert "0 / 1" in listing.content.decode()

    report = client.get(reverse("admin:accounts_risk_report") + f"?day={timezone.localdate().isoformat()}")
    assert (report.context["report"]["policy_runs"], report.context["report"]["chunks_waiting"]) == (1, 1)

    (chunk_id,) = run.chunks.values_list("pk", flat=True)
    risk.risk_evaluation_chunk_decide(chunk_id=chunk_id)
    rows = client.get(reverse("admin:accounts_riskevaluationrun_changelist")).context["cl"].result_list
    assert [(r.done_count, r.decision_count) for r in rows] == [(1, 1)]
    detail = client.get(reverse("admin:accounts_riskevaluationrun_change", args=[run.pk]))
    assert detail.status_code == 200
    assert "1 / 1" in detail.content.decode()
    # Runs are a record: nobody adds, edits or deletes them here.
    assert client.get(reverse("admin:accounts_riskevaluationrun_add")).status_code == 403
    assert client.post(reverse("admin:accounts_riskevaluationrun_delete", args=[run.pk])).status_code == 403


def test_support_agents_cannot_read_policy_runs(client):
    client.force_login(StaffFactory(group="Support agent"))
    assert client.get(reverse("admin:accounts_riskevaluationrun_changelist")).status_code == 403
