import pytest
from django.utils import translation

from portal import switches
from tests.factories import StaffFactory

REASON = "The core system is sending wrong scores; stop until it is fixed."


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def supervisor(db):
    return StaffFactory(group="Supervisor", preferred_language="en")


@pytest.fixture
def second_supervisor(db):
    return StaffFactory(group="Supervisor", preferred_language="en")


@pytest.fixture
def compliance_officer(db):
    return StaffFactory(group="Compliance officer", preferred_language="en")


@pytest.fixture
def support_agent(db):
    return StaffFactory(group="Support agent", preferred_language="en")


def turn_on(actor, kind, email_kind=""):
    return switches.emergency_switch_turn_on(actor=actor, kind=kind, email_kind=email_kind, reason=REASON)


def turn_off(switch, *, requested_by, approved_by):
    switches.emergency_switch_off_request(switch=switch, actor=requested_by)
    return switches.emergency_switch_off_approve(switch=switch, actor=approved_by)
