"""Turning a switch on takes one authorised person with a reason; turning it off takes a request
and a second person's approval, never the approval of whoever turned it on. Each step is audited,
and every refusal says why and changes nothing."""

from unittest import mock

import pytest
from django.utils import translation

from portal import switch_selectors, switches
from portal.exceptions import PortalError
from portal.models import AuditEvent
from portal.switch_models import EmergencySwitch
from tests.factories import BorrowerFactory, StaffFactory
from tests.portal.switches.conftest import REASON, turn_off, turn_on

pytestmark = pytest.mark.django_db

READ_ONLY = EmergencySwitch.Kind.READ_ONLY


def test_one_authorised_person_with_a_reason_turns_a_switch_on_and_it_is_audited(supervisor):
    switch = turn_on(supervisor, READ_ONLY)
    assert switch_selectors.read_only()
    (event,) = AuditEvent.objects.for_target(switch)
    assert (event.action, event.actor, event.summary) == ("emergency_switch.turned_on", supervisor, REASON)
    assert event.after["on"] is True


def test_a_switch_needs_a_reason_to_be_turned_on(supervisor):
    with pytest.raises(PortalError, match="Say why the switch is turned on") as refusal:
        switches.emergency_switch_turn_on(actor=supervisor, kind=READ_ONLY, reason="  because ")
    assert refusal.value.field == "reason"
    assert not EmergencySwitch.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="emergency_switch").exists()


def test_pausing_an_email_kind_needs_the_kind(supervisor):
    with pytest.raises(PortalError, match="Choose the kind of email to pause"):
        switches.emergency_switch_turn_on(actor=supervisor, kind="email_kind", email_kind="", reason=REASON)
    with pytest.raises(PortalError, match="Choose the kind of email to pause"):
        switches.emergency_switch_turn_on(actor=supervisor, kind="email_kind", email_kind="Bad Kind!", reason=REASON)
    assert not EmergencySwitch.objects.exists()


def test_an_unknown_switch_is_refused(supervisor):
    with pytest.raises(PortalError, match="Choose which switch to turn on"):
        switches.emergency_switch_turn_on(actor=supervisor, kind="everything", reason=REASON)


def test_a_switch_already_on_is_not_turned_on_twice(supervisor, compliance_officer):
    first = turn_on(supervisor, READ_ONLY)
    with pytest.raises(PortalError, match="already on"):
        turn_on(compliance_officer, READ_ONLY)
    assert list(EmergencySwitch.objects.on()) == [first]


def test_two_email_kinds_are_paused_separately(supervisor):
    turn_on(supervisor, "email_kind", "health_report")
    turn_on(supervisor, "email_kind", "risk_report")
    assert switch_selectors.email_kinds_paused() == {"health_report", "risk_report"}


@pytest.mark.parametrize("group", ["Support agent", "Appeals reviewer", "Content editor"])
def test_staff_without_the_permission_cannot_turn_a_switch_on(group):
    with pytest.raises(PortalError, match="permission to turn emergency switches on") as refusal:
        turn_on(StaffFactory(group=group), READ_ONLY)
    assert refusal.value.code == "forbidden"
    assert not EmergencySwitch.objects.exists()


def test_a_borrower_cannot_turn_a_switch_on():
    with pytest.raises(PortalError, match="permission"):
        turn_on(BorrowerFactory(), READ_ONLY)


def test_a_risk_analyst_may_pause_decisions_but_not_resume_them(supervisor):
    analyst = StaffFactory(group="Risk analyst")
    switch = turn_on(analyst, "decisions")
    with pytest.raises(PortalError, match="permission to turn emergency switches off"):
        switches.emergency_switch_off_request(switch=switch, actor=analyst)
    switch.refresh_from_db()
    assert switch.off_requested_at is None


def test_a_second_person_turns_a_switch_off_after_a_request(supervisor, second_supervisor, compliance_officer):
    switch = turn_on(supervisor, READ_ONLY)
    switches.emergency_switch_off_request(switch=switch, actor=second_supervisor, reason="Fixed at 09:10.")
    assert switch_selectors.read_only()  # a request alone changes nothing
    switch = switches.emergency_switch_off_approve(switch=switch, actor=compliance_officer)
    assert not switch_selectors.read_only()
    assert (switch.turned_off_by, switch.is_on) == (compliance_officer, False)
    actions = list(AuditEvent.objects.for_target(switch).order_by("pk").values_list("action", "actor"))
    assert actions == [
        ("emergency_switch.turned_on", supervisor.pk),
        ("emergency_switch.off_requested", second_supervisor.pk),
        ("emergency_switch.turned_off", compliance_officer.pk),
    ]


def test_the_person_who_turned_a_switch_on_may_ask_but_not_approve_turning_it_off(supervisor, second_supervisor):
    switch = turn_on(supervisor, READ_ONLY)
    switches.emergency_switch_off_request(switch=switch, actor=second_supervisor)
    with pytest.raises(PortalError) as refusal:
        switches.emergency_switch_off_approve(switch=switch, actor=supervisor)
    assert refusal.value.message == "You turned this switch on, so another person must approve turning it off."
    assert refusal.value.code == "four_eyes"
    switch.refresh_from_db()
    assert switch.is_on and switch_selectors.read_only()
    assert not AuditEvent.objects.filter(action="emergency_switch.turned_off").exists()


def test_the_four_eyes_refusal_is_in_chinese_for_chinese_staff(supervisor, second_supervisor):
    switch = turn_on(supervisor, READ_ONLY)
    switches.emergency_switch_off_request(switch=switch, actor=second_supervisor)
    with translation.override("zh-hans"), pytest.raises(PortalError) as refusal:
        switches.emergency_switch_off_approve(switch=switch, actor=supervisor)
    assert refusal.value.message == "此开关由您开启，需由另一位同事批准关闭。"


def test_the_person_who_turned_a_switch_on_cannot_turn_it_off_alone(supervisor):
    switch = turn_on(supervisor, READ_ONLY)
    switches.emergency_switch_off_request(switch=switch, actor=supervisor)
    with pytest.raises(PortalError, match="You turned this switch on"):
        switches.emergency_switch_off_approve(switch=switch, actor=supervisor)
    assert EmergencySwitch.objects.get(pk=switch.pk).is_on


def test_the_person_who_asked_cannot_approve_their_own_request(supervisor, second_supervisor):
    switch = turn_on(supervisor, READ_ONLY)
    switches.emergency_switch_off_request(switch=switch, actor=second_supervisor)
    with pytest.raises(PortalError, match="You asked to turn this switch off"):
        switches.emergency_switch_off_approve(switch=switch, actor=second_supervisor)
    assert EmergencySwitch.objects.get(pk=switch.pk).is_on


def test_approving_without_a_request_is_refused(supervisor, second_supervisor):
    switch = turn_on(supervisor, READ_ONLY)
    with pytest.raises(PortalError, match="Nobody has asked to turn this switch off yet"):
        switches.emergency_switch_off_approve(switch=switch, actor=second_supervisor)
    assert EmergencySwitch.objects.get(pk=switch.pk).is_on


def test_a_switch_already_off_is_not_turned_off_again(supervisor, second_supervisor, compliance_officer):
    switch = turn_off(turn_on(supervisor, READ_ONLY), requested_by=supervisor, approved_by=second_supervisor)
    with pytest.raises(PortalError, match="already off"):
        switches.emergency_switch_off_request(switch=switch, actor=compliance_officer)


def test_a_request_to_turn_off_can_be_withdrawn_and_the_switch_stays_on(supervisor, second_supervisor):
    switch = turn_on(supervisor, READ_ONLY)
    switches.emergency_switch_off_request(switch=switch, actor=second_supervisor)
    switches.emergency_switch_off_request_cancel(switch=switch, actor=second_supervisor)
    switch.refresh_from_db()
    assert switch.off_requested_at is None and switch.is_on
    with pytest.raises(PortalError, match="Nobody has asked"):
        switches.emergency_switch_off_approve(switch=switch, actor=StaffFactory(group="Compliance officer"))


def test_a_switch_can_be_turned_on_again_after_it_was_turned_off(supervisor, second_supervisor):
    turn_off(turn_on(supervisor, READ_ONLY), requested_by=supervisor, approved_by=second_supervisor)
    again = turn_on(second_supervisor, READ_ONLY)
    assert list(EmergencySwitch.objects.on()) == [again]
    assert EmergencySwitch.objects.count() == 2  # the history stays


def test_each_process_reads_the_switches_again_once_they_changed(supervisor):
    assert not switch_selectors.read_only()  # this process now keeps a copy
    with mock.patch.object(switches, "switches_changed"):  # a change that did not say so
        turn_on(supervisor, READ_ONLY)
    assert not switch_selectors.read_only()  # the copy is kept: no query per page
    switch_selectors.switches_changed()  # what every change through the services does
    assert switch_selectors.read_only()


@pytest.mark.parametrize(
    ("group", "turn_on_allowed", "turn_off_allowed", "approve_notice_allowed", "write_notice_allowed"),
    [
        ("Supervisor", True, True, True, False),
        ("Compliance officer", True, True, False, False),
        ("Risk analyst", True, False, False, False),
        ("Support agent", False, False, False, True),
        ("Appeals reviewer", False, False, False, False),
        ("Content editor", False, False, False, False),
    ],
)
def test_staff_groups_hold_the_switch_and_notice_permissions(
    group, turn_on_allowed, turn_off_allowed, approve_notice_allowed, write_notice_allowed
):
    staff = StaffFactory(group=group)
    assert staff.has_perm("portal.turn_on_emergencyswitch") is turn_on_allowed
    assert staff.has_perm("portal.turn_off_emergencyswitch") is turn_off_allowed
    assert staff.has_perm("portal.approve_servicenotice") is approve_notice_allowed
    assert staff.has_perm("portal.add_servicenotice") is write_notice_allowed
