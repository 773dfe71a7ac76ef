"""The staff queue and review page; every action through the services, every one audited."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import CreditAccount
from appeals.models import Appeal
from portal.models import AuditEvent
from tests.appeals.conftest import file_appeal, reduction
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def _review(client, appeal, **data):
    return client.post(reverse("admin:appeals_appeal_review", args=[appeal.pk]), data)


def test_queue_filters_and_search_with_bounded_queries(client, borrower, reviewer, django_assert_max_num_queries):
    appeals = [file_appeal(borrower, reduction(borrower.customer)) for _ in range(4)]
    Appeal.objects.filter(pk=appeals[0].pk).update(due_at=timezone.now() - timedelta(days=1))
    Appeal.objects.filter(pk=appeals[1].pk).update(assignee=reviewer)
    client.force_login(reviewer)
    url = reverse("admin:appeals_appeal_changelist")
    with django_assert_max_num_queries(20):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 4
    assert [a.pk for a in client.get(url, {"due": "overdue"}).context["cl"].result_list] == [appeals[0].pk]
    assert [a.pk for a in client.get(url, {"assigned": "me"}).context["cl"].result_list] == [appeals[1].pk]
    assert len(client.get(url, {"assigned": "none"}).context["cl"].result_list) == 3
    assert [a.pk for a in client.get(url, {"q": appeals[2].reference}).context["cl"].result_list] == [appeals[2].pk]
    assert len(client.get(url, {"grounds__exact": "data_wrong"}).context["cl"].result_list) == 4


def test_review_page_shows_decision_reasons_evidence_and_thread(
    client, appeal, reviewer, django_assert_max_num_queries
):
    client.force_login(reviewer)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("admin:appeals_appeal_review", args=[appeal.pk]))
    page = response.content.decode()
    assert appeal.reference in page
    assert "score_drop" in page
    assert appeal.statement in page


def test_staff_without_permission_get_403(client, appeal):
    client.force_login(StaffFactory(group="Risk analyst"))
    assert client.get(reverse("admin:appeals_appeal_review", args=[appeal.pk])).status_code == 403


def test_the_whole_review_in_admin(client, borrower, appeal, reviewer, supervisor):
    client.force_login(reviewer)
    assert _review(client, appeal, action="assign").status_code == 302
    _review(
        client,
        appeal,
        action="request_information",
        **{"request_information-body": "Send the bank letter.", "request_information-confirm": "on"},
    )
    assert Appeal.objects.get().status == Appeal.Status.INFORMATION_REQUESTED
    _review(client, appeal, action="note", **{"note-body": "Bureau error likely.", "note-confirm": "on"})
    from appeals.services import appeal_borrower_reply

    appeal_borrower_reply(appeal=appeal, user=borrower, body="Letter attached.")
    decision = {"decide-outcome": "overturned", "decide-reason": "Bureau error.", "decide-confirm": "on"}
    response = _review(client, appeal, action="decide", **decision)
    assert response.status_code == 302
    assert Appeal.objects.get().status == Appeal.Status.AWAITING_APPROVAL

    # the decider cannot approve: refused with the reason, nothing changes
    response = _review(client, appeal, form="approval", action="approve", note="")
    assert response.status_code == 403
    assert CreditAccount.objects.get().credit_limit == Decimal("30000.00")

    client.force_login(supervisor)
    assert _review(client, appeal, form="approval", action="approve", note="Agreed.").status_code == 302
    assert CreditAccount.objects.get().credit_limit == Decimal("50000.00")
    actions = set(AuditEvent.objects.for_target(appeal).values_list("action", flat=True))
    assert {
        "appeal.assigned",
        "appeal.information_requested",
        "appeal.internal_note",
        "appeal.approval_requested",
        "appeal.approved",
    } <= actions


def test_out_of_order_action_is_refused_with_a_message(client, appeal, reviewer):
    client.force_login(reviewer)
    response = _review(client, appeal, action="approve", note="")
    assert response.status_code == 409
    assert Appeal.objects.get().status == Appeal.Status.SUBMITTED


def test_a_refused_staff_action_is_audited(client, appeal, decision):
    outsider = StaffFactory(group="Support agent")  # may read appeals, not review them
    client.force_login(outsider)
    response = _review(client, appeal, action="assign")
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action="appeal.refused", actor=outsider, target_id=str(appeal.pk)).exists()
    appeal.refresh_from_db()
    assert appeal.assignee is None


def test_staff_without_the_view_permission_get_403_and_the_attempt_is_audited(client, appeal):
    editor = StaffFactory(group="Content editor")
    client.force_login(editor)
    assert client.get(reverse("admin:appeals_appeal_review", args=[appeal.pk])).status_code == 403
    assert AuditEvent.objects.filter(action="appeal.refused", actor=editor).exists()
