"""A policy-run chunk that fails every time is queued again a few times, then given up: staff
read why in admin and in the daily risk report, and a risk analyst queues it again once the
cause is fixed. Nothing is queued for ever and nothing is dropped in silence."""

from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.contrib import messages
from django.urls import reverse
from django.utils import timezone

from accounts.models import RiskDecision, RiskEvaluationChunk
from accounts.models.risk import CHUNK_MAX_REQUEUES
from accounts.risk import services as risk
from accounts.risk.selectors import risk_report_get
from accounts.risk.services import evaluation
from portal.exceptions import PortalError
from portal.models import AuditEvent
from tests.factories import RiskSignalFactory, StaffFactory, credit_account

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:accounts_riskevaluationrun_changelist"


@pytest.fixture
def run(borrower):
    account = credit_account(customer=borrower.customer)
    RiskSignalFactory(account=account, kind="linked_overdue", value="90")  # the policy freezes: one decision
    return risk.risk_evaluation_run_start()


def given_up(run, error="RuntimeError: the core system sent a bad row"):
    """The state the beat job leaves a chunk in after its last requeue timed out."""
    run.chunks.update(requeues=CHUNK_MAX_REQUEUES, queued_at=timezone.now() - timedelta(minutes=11), last_error=error)
    return run.chunks.get()


def test_a_failing_chunk_keeps_its_error_and_is_given_up_after_the_last_requeue(run):
    chunk = run.chunks.get()
    with (
        mock.patch.object(evaluation, "accounts_evaluate", side_effect=RuntimeError("the core system sent a bad row")),
        pytest.raises(RuntimeError),
    ):
        risk.risk_evaluation_chunk_decide(chunk_id=chunk.pk)
    chunk.refresh_from_db()
    assert (chunk.done_at, chunk.last_error) == (None, "RuntimeError: the core system sent a bad row")
    assert not RiskDecision.objects.exists()  # nothing of the failed attempt stays

    moment = chunk.queued_at
    for times in range(1, CHUNK_MAX_REQUEUES + 1):
        moment += timedelta(minutes=11)
        assert risk.risk_evaluation_chunks_requeue(now=moment) == [chunk.pk]
        chunk.refresh_from_db()
        assert chunk.requeues == times
        assert not RiskEvaluationChunk.objects.given_up(moment).exists()  # its last try may still be running
    moment += timedelta(minutes=11)
    assert risk.risk_evaluation_chunks_requeue(now=moment) == []
    assert list(RiskEvaluationChunk.objects.given_up(moment)) == [chunk]
    with time_machine.travel(moment):
        report = risk_report_get(day=timezone.localdate())
    assert (report["chunks_waiting"], report["chunks_given_up"]) == (1, 1)


def test_a_chunk_decided_at_last_loses_its_old_error(run):
    chunk = run.chunks.get()
    run.chunks.update(last_error="OperationalError: server closed the connection")
    (decision,) = risk.risk_evaluation_chunk_decide(chunk_id=chunk.pk)
    chunk.refresh_from_db()
    assert (chunk.decisions, chunk.last_error) == (1, "")
    assert decision.kind == RiskDecision.Kind.FREEZE


def test_a_risk_analyst_reads_why_and_queues_the_chunk_again(client, run, django_capture_on_commit_callbacks):
    chunk = given_up(run)
    analyst = StaffFactory(group="Risk analyst")
    client.force_login(analyst)

    listing = client.get(reverse(CHANGELIST))
    assert [row.given_up_count for row in listing.context["cl"].result_list] == [1]
    detail = client.get(reverse("admin:accounts_riskevaluationrun_change", args=[run.pk])).content.decode()
    assert "RuntimeError: the core system sent a bad row" in detail
    report = client.get(reverse("admin:accounts_risk_report") + f"?day={timezone.localdate().isoformat()}")
    assert report.context["report"]["chunks_given_up"] == 1

    with django_capture_on_commit_callbacks(execute=True):  # the chunk task runs on commit (eagerly here)
        response = client.post(
            reverse(CHANGELIST), {"action": "retry_given_up_chunks", "_selected_action": [run.pk]}, follow=True
        )
    assert [message.level for message in response.context["messages"]] == [messages.SUCCESS]
    chunk.refresh_from_db()
    assert (chunk.done_at is not None, chunk.decisions, chunk.requeues, chunk.last_error) == (True, 1, 0, "")
    assert RiskDecision.objects.get().kind == RiskDecision.Kind.FREEZE
    event = AuditEvent.objects.get(action="risk_run.chunks_requeued")
    assert (event.actor, event.target_id, event.ip_address) == (analyst, str(run.pk), "127.0.0.1")
    assert event.before == {"chunks": {str(chunk.pk): "RuntimeError: the core system sent a bad row"}}


def test_only_those_allowed_may_queue_a_chunk_again(client, run):
    chunk = given_up(run)
    supervisor = StaffFactory(group="Supervisor")  # reads runs, may not queue them
    client.force_login(supervisor)
    listing = client.get(reverse(CHANGELIST))
    assert listing.status_code == 200
    assert "retry_given_up_chunks" not in listing.content.decode()
    client.post(reverse(CHANGELIST), {"action": "retry_given_up_chunks", "_selected_action": [run.pk]})
    with pytest.raises(PortalError):
        risk.risk_evaluation_chunks_retry(runs=[run], actor=supervisor)
    chunk.refresh_from_db()
    assert (chunk.requeues, chunk.done_at) == (CHUNK_MAX_REQUEUES, None)
    assert not AuditEvent.objects.filter(action="risk_run.chunks_requeued").exists()


def test_queuing_again_a_run_without_given_up_chunks_changes_nothing(client, run):
    client.force_login(StaffFactory(group="Risk analyst"))
    response = client.post(
        reverse(CHANGELIST), {"action": "retry_given_up_chunks", "_selected_action": [run.pk]}, follow=True
    )
    assert [message.level for message in response.context["messages"]] == [messages.WARNING]
    assert run.chunks.get().requeues == 0
    assert not AuditEvent.objects.filter(action="risk_run.chunks_requeued").exists()
