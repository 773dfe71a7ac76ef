"""Staff screens: turn a switch on with a reason, ask for and approve turning it off on the
switch's page, write and approve service notices. Each step is permission-checked, refused
steps are audited, and bad input is refused with a message that changes nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portal import switches
from portal.models import AuditEvent
from portal.switch_models import EmergencySwitch, ServiceNotice
from tests.factories import StaffFactory
from tests.portal.switches.conftest import REASON, turn_on

pytestmark = pytest.mark.django_db

ADD = "admin:portal_emergencyswitch_add"
LIST = "admin:portal_emergencyswitch_changelist"
NOTICE_ADD = "admin:portal_servicenotice_add"


def manage(switch):
    return reverse("admin:portal_emergencyswitch_manage", args=[switch.pk])


def notice_page(notice):
    return reverse("admin:portal_servicenotice_manage", args=[notice.pk])


def test_a_supervisor_turns_read_only_on_from_the_admin(client, supervisor):
    client.force_login(supervisor)
    assert client.get(reverse(ADD)).status_code == 200
    response = client.post(reverse(ADD), {"kind": "read_only", "reason": REASON})
    switch = EmergencySwitch.objects.on().get()
    assert response["Location"] == manage(switch)
    assert (switch.kind, switch.turned_on_by, switch.reason) == ("read_only", supervisor, REASON)
    assert AuditEvent.objects.filter(action="emergency_switch.turned_on", actor=supervisor).exists()


def test_an_email_kind_is_chosen_from_the_kinds_in_the_outbox(client, supervisor):
    switches_before = EmergencySwitch.objects.count()
    client.force_login(supervisor)
    response = client.post(reverse(ADD), {"kind": "email_kind", "email_kind": "no_such_kind", "reason": REASON})
    assert response.status_code == 400
    assert EmergencySwitch.objects.count() == switches_before


def test_turning_on_without_a_reason_is_refused_with_a_message(client, supervisor):
    client.force_login(supervisor)
    response = client.post(reverse(ADD), {"kind": "decisions", "reason": "now"})
    assert response.status_code == 400
    assert "Say why the switch is turned on, in at least 10 characters." in response.content.decode()
    assert not EmergencySwitch.objects.exists()


def test_support_cannot_turn_a_switch_on_and_the_attempt_is_audited(client, support_agent):
    client.force_login(support_agent)
    response = client.post(reverse(ADD), {"kind": "read_only", "reason": REASON})
    assert response.status_code == 403
    assert not EmergencySwitch.objects.exists()
    assert AuditEvent.objects.filter(action="emergency_switch.refused", actor=support_agent).exists()


def test_the_switch_list_shows_state_and_filters(client, supervisor, django_assert_max_num_queries):
    turn_on(supervisor, "read_only")
    turn_on(supervisor, "email_kind", "health_report")
    client.force_login(supervisor)
    with django_assert_max_num_queries(15):
        response = client.get(reverse(LIST), {"state": "on"})
    html = response.content.decode()
    assert "Pause an email kind: health_report" in html and "Read-only portal" in html


def test_the_person_who_turned_it_on_is_refused_approval_on_the_page(client, supervisor, second_supervisor):
    switch = turn_on(supervisor, "read_only")
    switches.emergency_switch_off_request(switch=switch, actor=second_supervisor)
    client.force_login(supervisor)
    response = client.post(manage(switch), {"step": "approve"})
    assert response.status_code == 400
    assert "You turned this switch on, so another person must approve turning it off." in response.content.decode()
    assert EmergencySwitch.objects.get(pk=switch.pk).is_on


def test_a_third_person_approves_turning_off_on_the_page(client, supervisor, second_supervisor, compliance_officer):
    switch = turn_on(supervisor, "read_only")
    switches.emergency_switch_off_request(switch=switch, actor=second_supervisor)
    client.force_login(compliance_officer)
    page = client.get(manage(switch)).content.decode()
    assert 'name="step" value="approve"' in page
    assert client.post(manage(switch), {"step": "approve"}).status_code == 302
    assert not EmergencySwitch.objects.get(pk=switch.pk).is_on


def test_a_risk_analyst_cannot_turn_a_switch_off_from_the_page(client, supervisor):
    switch = turn_on(supervisor, "decisions")
    analyst = StaffFactory(group="Risk analyst")
    client.force_login(analyst)
    assert client.get(manage(switch)).status_code == 200  # may read it
    assert client.post(manage(switch), {"step": "request"}).status_code == 403
    switch.refresh_from_db()
    assert switch.off_requested_at is None


def notice_form(**changes):
    now = timezone.localtime()
    return {
        "text_zh": "系统维护中。",
        "text_en": "Maintenance in progress.",
        "starts_at": now.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        **changes,
    }


def test_support_writes_a_notice_and_a_supervisor_approves_it(client, support_agent, supervisor):
    client.force_login(support_agent)
    response = client.post(reverse(NOTICE_ADD), notice_form())
    notice = ServiceNotice.objects.get()
    assert response["Location"] == notice_page(notice)
    assert (notice.status, notice.written_by) == (ServiceNotice.Status.DRAFT, support_agent)
    assert client.post(notice_page(notice), {"step": "approve"}).status_code == 403  # support may not

    client.force_login(supervisor)
    assert client.post(notice_page(notice), {"step": "approve"}).status_code == 302
    notice.refresh_from_db()
    assert (notice.status, notice.approved_by) == (ServiceNotice.Status.APPROVED, supervisor)


def test_a_notice_ending_before_it_starts_is_refused_on_the_form(client, support_agent):
    client.force_login(support_agent)
    now = timezone.localtime()
    response = client.post(
        reverse(NOTICE_ADD), notice_form(ends_at=(now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    )
    assert response.status_code == 400
    assert "The notice must end after it starts." in response.content.decode()
    assert not ServiceNotice.objects.exists()


def test_the_notice_list_has_a_query_bound(client, support_agent, supervisor, django_assert_max_num_queries):
    client.force_login(support_agent)
    for _ in range(5):
        client.post(reverse(NOTICE_ADD), notice_form())
    client.force_login(supervisor)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("admin:portal_servicenotice_changelist"), {"when": "now"})
    assert response.content.decode().count("Maintenance in progress.") == 5


def test_chinese_staff_read_the_four_eyes_refusal_in_chinese(client, supervisor, second_supervisor):
    switch = turn_on(supervisor, "read_only")
    switches.emergency_switch_off_request(switch=switch, actor=second_supervisor)
    supervisor.preferred_language = "zh-hans"
    supervisor.save(update_fields=["preferred_language"])
    client.force_login(supervisor)
    response = client.post(manage(switch), {"step": "approve"})
    assert "此开关由您开启，需由另一位同事批准关闭。" in response.content.decode()
    assert EmergencySwitch.objects.get(pk=switch.pk).is_on
