"""The appeal queue as a workbench (issue 16): my queue and the team queue by deadline, time
left in words and colour, filters, bulk assignment (permission-checked, audited) and a CSV
export of the filtered queue (audited, injection-safe)."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse_lazy
from django.utils import timezone

from appeals import selectors
from appeals.models import Appeal
from portal.models import AuditEvent
from tests.appeals.conftest import file_appeal, reduction
from tests.factories import BorrowerFactory, StaffFactory

pytestmark = pytest.mark.django_db

QUEUE = reverse_lazy("admin:appeals_appeal_changelist")
EXPORT = reverse_lazy("admin:appeals_appeal_export")


@pytest.fixture
def reviewer(db):
    return StaffFactory(group="Appeals reviewer", preferred_language="en")


@pytest.fixture
def supervisor(db):
    return StaffFactory(group="Supervisor", preferred_language="en")


def _appeals(count, due_in_days):
    """``count`` appeals of different borrowers, due in the given numbers of days."""
    made = []
    for days in due_in_days[:count]:
        person = BorrowerFactory()
        appeal = file_appeal(person, reduction(person.customer))
        Appeal.objects.filter(pk=appeal.pk).update(due_at=timezone.now() + timedelta(days=days))
        made.append(Appeal.objects.get(pk=appeal.pk))
    return made


def _listed(response):
    return [appeal.pk for appeal in response.context["cl"].result_list]


def test_the_queue_is_ordered_by_deadline_and_says_how_urgent_each_appeal_is(client, reviewer):
    fine, overdue, soon, day = _appeals(4, [10, -2, 2, 0.5])
    client.force_login(reviewer)
    response = client.get(QUEUE)
    assert _listed(response) == [overdue.pk, day.pk, soon.pk, fine.pk]
    page = response.content.decode()
    for level, label in [("overdue", "Overdue"), ("day", "Due within a day"), ("soon", "Due within 3 days")]:
        assert f'<span class="urgency urgency-{level}">{label}</span>' in page
    assert '<span class="urgency urgency-fine">On time</span>' in page
    assert "2\xa0days late" in page  # timesince joins number and unit with a no-break space


def test_time_left_is_paused_while_the_borrower_owes_an_answer(appeal):
    Appeal.objects.filter(pk=appeal.pk).update(status=Appeal.Status.INFORMATION_REQUESTED)
    appeal.refresh_from_db()
    assert selectors.appeal_time_left(appeal)["level"] == "paused"
    Appeal.objects.filter(pk=appeal.pk).update(status=Appeal.Status.CLOSED)
    appeal.refresh_from_db()
    assert selectors.appeal_time_left(appeal) == {"level": "done", "label": "", "text": "—"}


def test_my_queue_the_team_queue_and_the_filters(client, reviewer):
    mine, others, waiting, closed = _appeals(4, [1, 2, 3, 4])
    colleague = StaffFactory(group="Appeals reviewer")
    Appeal.objects.filter(pk=mine.pk).update(assignee=reviewer, status=Appeal.Status.UNDER_REVIEW)
    Appeal.objects.filter(pk=others.pk).update(assignee=colleague, status=Appeal.Status.UNDER_REVIEW)
    Appeal.objects.filter(pk=closed.pk).update(status=Appeal.Status.CLOSED, jurisdiction="other")
    client.force_login(reviewer)
    assert _listed(client.get(QUEUE, {"queue": "mine"})) == [mine.pk]
    assert _listed(client.get(QUEUE, {"queue": "team"})) == [mine.pk, others.pk, waiting.pk]
    assert _listed(client.get(QUEUE, {"queue": "unassigned"})) == [waiting.pk]
    assert _listed(client.get(QUEUE, {"assigned": str(colleague.pk)})) == [others.pk]
    assert _listed(client.get(QUEUE, {"status__exact": "closed"})) == [closed.pk]
    assert _listed(client.get(QUEUE, {"jurisdiction": mine.jurisdiction})) == [mine.pk, others.pk, waiting.pk]
    assert len(_listed(client.get(QUEUE, {"grounds__exact": "data_wrong"}))) == 4
    page = client.get(QUEUE).content.decode()
    assert "My queue (1)" in page and "Team queue (3)" in page


def test_bulk_assign_to_me_is_audited_and_refuses_what_is_not_allowed(client, reviewer):
    first, second, decided = _appeals(3, [1, 2, 3])
    Appeal.objects.filter(pk=decided.pk).update(status=Appeal.Status.DECIDED, outcome="upheld")
    client.force_login(reviewer)
    ids = [first.pk, second.pk, decided.pk]
    response = client.post(QUEUE, {"action": "assign_to_me", "_selected_action": ids}, follow=True)
    assert set(Appeal.objects.filter(assignee=reviewer).values_list("pk", flat=True)) == {first.pk, second.pk}
    page = response.content.decode()
    assert "2 appeals assigned." in page
    assert f"{decided.reference} not assigned" in page
    assert AuditEvent.objects.filter(action="appeal.assigned", actor=reviewer).count() == 2
    assert AuditEvent.objects.filter(action="appeal.refused", actor=reviewer, target_id=str(decided.pk)).exists()


def test_assigning_to_a_colleague_is_for_supervisors(client, reviewer, supervisor):
    (appeal,) = _appeals(1, [2])
    colleague = StaffFactory(group="Appeals reviewer")
    data = {"action": "assign_to_reviewer", "_selected_action": [appeal.pk], "apply": "1", "assignee": colleague.pk}
    client.force_login(reviewer)  # a reviewer is not offered the action at all
    response = client.post(QUEUE, data)
    assert Appeal.objects.get(pk=appeal.pk).assignee is None
    client.force_login(supervisor)
    form = client.post(QUEUE, {"action": "assign_to_reviewer", "_selected_action": [appeal.pk]})
    assert form.status_code == 200 and appeal.reference in form.content.decode()
    response = client.post(QUEUE, data)
    assert response.status_code == 302
    assert Appeal.objects.get(pk=appeal.pk).assignee == colleague
    assert AuditEvent.objects.filter(action="appeal.assigned", actor=supervisor, target_id=str(appeal.pk)).exists()


def test_the_csv_export_is_the_filtered_queue_audited_and_injection_safe(client, reviewer):
    (mine, other) = _appeals(2, [1, 2])
    Appeal.objects.filter(pk=mine.pk).update(assignee=reviewer, status=Appeal.Status.UNDER_REVIEW)
    Appeal.objects.filter(pk=other.pk).update(reference="=HYPERLINK(1)")
    client.force_login(reviewer)
    response = client.get(EXPORT, {"queue": "mine"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "reference" and len(rows) == 2 and rows[1][0] == mine.reference
    assert mine.statement not in response.content.decode("utf-8-sig")  # only what the queue shows
    event = AuditEvent.objects.get(action="appeal.queue_exported", actor=reviewer)
    assert event.after["count"] == 1 and event.after["filters"] == {"queue": "mine"}
    everything = client.get(EXPORT).content.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in everything and "\n=HYPERLINK" not in everything


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx"])
def test_csv_cells_that_a_spreadsheet_would_run_are_defused(value):
    assert selectors.csv_safe(value) == "'" + value
    assert selectors.csv_safe("AP-1") == "AP-1"


def test_export_needs_the_view_permission(client):
    client.force_login(StaffFactory(group="Content editor"))
    assert client.get(EXPORT).status_code == 403
    assert not AuditEvent.objects.filter(action="appeal.queue_exported").exists()


def test_the_queue_speaks_chinese(client):
    _appeals(2, [-1, 5])
    client.force_login(StaffFactory(group="Appeals reviewer", preferred_language="zh-hans"))
    page = client.get(QUEUE, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    for english in ["time left", "My queue", "Team queue", "Export this list as CSV", "Overdue", "On time", " late"]:
        assert english not in page, english
    for chinese in ["剩余时间", "我的队列", "团队队列", "已逾期", "按时", "将所选申诉分配给我"]:
        assert chinese in page, chinese
