"""The hardship queue in the staff admin: filters, the decision page with the computed schedule,
permission (403) and the second approval above the threshold."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import RepaymentInstruction
from accounts.repayment import services
from portal.models import AuditEvent
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

Status = RepaymentInstruction.Status


@pytest.fixture
def request_(borrower, account):
    return services.hardship_request(
        user=borrower, account_id=account.pk, mode="lower_payments", months=3, reason="Lost my job."
    )


def decide_url(instruction):
    return reverse("admin:accounts_repaymentinstruction_decide", args=[instruction.pk])


def staff_client(client, group):
    staff = StaffFactory(group=group, preferred_language="en")
    client.force_login(staff)
    return client, staff


def test_the_queue_filters_by_status_and_kind_within_a_bounded_number_of_queries(
    client, request_, django_assert_max_num_queries
):
    client, _agent = staff_client(client, "Support agent")
    url = reverse("admin:accounts_repaymentinstruction_changelist")

    with django_assert_max_num_queries(20):
        response = client.get(url, {"status__exact": "requested", "kind__exact": "hardship_plan"})

    assert response.status_code == 200
    assert request_.short_reference in response.content.decode()
    refused = client.get(url, {"status__exact": "refused"})
    assert request_.short_reference not in refused.content.decode()


def test_the_decision_page_shows_the_schedule_and_approving_offers_it(client, request_):
    client, agent = staff_client(client, "Support agent")

    page = client.get(decide_url(request_))
    assert page.status_code == 200
    assert "Approve this schedule" in page.content.decode()

    response = client.post(decide_url(request_), {"decision": "approve", "note": ""})
    assert response.status_code == 302
    request_.refresh_from_db()
    assert request_.status == Status.OFFERED
    assert request_.decided_by == agent


def test_rejecting_without_a_reason_is_refused_and_changes_nothing(client, request_):
    client, _agent = staff_client(client, "Support agent")

    response = client.post(decide_url(request_), {"decision": "reject", "note": ""})

    assert response.status_code == 400
    assert "reason for rejecting" in response.content.decode()
    request_.refresh_from_db()
    assert request_.status == Status.REQUESTED


def test_staff_without_the_permission_get_403_and_it_is_audited(client, request_):
    client, staff = staff_client(client, "Risk analyst")
    staff.user_permissions.add(Permission.objects.get(codename="view_repaymentinstruction"))

    response = client.post(decide_url(request_), {"decision": "approve", "note": ""})

    assert response.status_code == 403
    assert AuditEvent.objects.filter(action="repayment.refused", actor=staff).exists()
    request_.refresh_from_db()
    assert request_.status == Status.REQUESTED


def test_above_the_threshold_a_supervisor_gives_the_second_approval(client, request_, settings):
    settings.REPAYMENT_HARDSHIP_SECOND_APPROVAL_AMOUNT = Decimal("1000")
    client, _agent = staff_client(client, "Support agent")
    client.post(decide_url(request_), {"decision": "approve", "note": ""})
    request_.refresh_from_db()
    assert request_.status == Status.AWAITING_APPROVAL

    client, supervisor = staff_client(client, "Supervisor")
    client.post(decide_url(request_), {"decision": "approve", "note": ""})

    request_.refresh_from_db()
    assert request_.status == Status.OFFERED
    assert request_.approved_by == supervisor


def test_the_agent_downloads_the_evidence_and_it_is_audited(client, borrower, account, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
    request = services.hardship_request(
        user=borrower,
        account_id=account.pk,
        mode="longer_term",
        months=2,
        reason="Illness.",
        evidence=SimpleUploadedFile("letter.png", png, content_type="image/png"),
    )
    client, agent = staff_client(client, "Support agent")

    response = client.get(reverse("admin:accounts_repaymentinstruction_evidence", args=[request.pk]))

    assert b"".join(response.streaming_content) == png
    assert AuditEvent.objects.filter(action="repayment.evidence_downloaded", actor=agent).exists()
