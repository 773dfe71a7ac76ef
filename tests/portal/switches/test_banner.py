"""The service notice banner: written by support, approved by another person, shown to borrowers
on every page between its start and end in their language, and shown while the portal is
read-only. Reading it costs a page no query in the common case."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from portal import switch_selectors, switches
from portal.exceptions import PortalError
from portal.models import AuditEvent
from portal.switch_models import EmergencySwitch, ServiceNotice
from tests.factories import BorrowerFactory, StaffFactory
from tests.portal.switches.conftest import turn_on

pytestmark = pytest.mark.django_db

ZH = "今晚 22:00 至 23:00 系统维护，期间还款可能延迟到账。"
EN = "Maintenance tonight 22:00–23:00: repayments made then may show later."


def write(actor, *, starts_in=timedelta(hours=-1), lasts=timedelta(hours=2), text_zh=ZH, text_en=EN):
    now = timezone.now()
    return switches.service_notice_write(
        actor=actor, text_zh=text_zh, text_en=text_en, starts_at=now + starts_in, ends_at=now + starts_in + lasts
    )


@pytest.fixture
def approved_notice(support_agent, supervisor):
    return switches.service_notice_approve(notice=write(support_agent), actor=supervisor)


def page(client, user, path="/"):
    client.force_login(user)
    return client.get(path).content.decode()


def test_an_approved_notice_shows_on_every_page_in_the_borrowers_language(client, approved_notice):
    english = BorrowerFactory(preferred_language="en")
    for path in ("/", "/notifications/", "/appeals/"):
        html = page(client, english, path)
        assert EN in html and ZH not in html
    assert ZH in page(client, BorrowerFactory(preferred_language="zh-hans"))


def test_the_banner_is_announced_to_screen_readers(client, approved_notice):
    html = page(client, BorrowerFactory(preferred_language="en"))
    assert '<div class="service-banner border-bottom bg-warning-subtle" role="status">' in html


def test_the_banner_shows_on_the_sign_in_page_too(client, approved_notice):
    assert EN in client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_a_draft_notice_is_not_shown(client, support_agent):
    write(support_agent)
    assert EN not in page(client, BorrowerFactory(preferred_language="en"))


def test_a_notice_shows_only_between_its_start_and_end(client, support_agent, supervisor, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    notice = write(support_agent, starts_in=timedelta(hours=1), lasts=timedelta(hours=1))
    switches.service_notice_approve(notice=notice, actor=supervisor)
    borrower = BorrowerFactory(preferred_language="en")
    assert EN not in page(client, borrower)
    time_machine.move_to(notice.starts_at + timedelta(minutes=1), tick=False)
    assert EN in page(client, borrower)
    time_machine.move_to(notice.ends_at, tick=False)
    assert EN not in page(client, borrower)


def test_a_withdrawn_notice_disappears(client, approved_notice, supervisor):
    switches.service_notice_withdraw(notice=approved_notice, actor=supervisor)
    assert EN not in page(client, BorrowerFactory(preferred_language="en"))


def test_editing_an_approved_notice_hides_it_until_approved_again(client, approved_notice, support_agent, supervisor):
    now = timezone.now()
    edited = switches.service_notice_write(
        actor=support_agent,
        notice=approved_notice,
        text_zh=ZH,
        text_en="Changed.",
        starts_at=now,
        ends_at=now + timedelta(hours=1),
    )
    assert edited.status == ServiceNotice.Status.DRAFT
    assert "Changed." not in page(client, BorrowerFactory(preferred_language="en"))


def test_the_read_only_banner_shows_while_the_portal_is_read_only(client, supervisor):
    turn_on(supervisor, EmergencySwitch.Kind.READ_ONLY)
    html = page(client, BorrowerFactory(preferred_language="en"))
    assert "Read-only for now:" in html
    with translation.override("zh-hans"):
        assert "暂时只读：" in page(client, BorrowerFactory(preferred_language="zh-hans"))


def test_the_writer_cannot_approve_their_own_notice():
    writer = StaffFactory(group="Support agent")
    writer.groups.add(*StaffFactory(group="Supervisor").groups.all())
    notice = write(writer)
    with pytest.raises(PortalError) as refusal:
        switches.service_notice_approve(notice=notice, actor=writer)
    assert refusal.value.message == "You wrote this notice, so another person must approve it."
    notice.refresh_from_db()
    assert notice.status == ServiceNotice.Status.DRAFT


def test_support_cannot_approve_a_notice(support_agent):
    notice = write(support_agent)
    with pytest.raises(PortalError, match="permission to approve"):
        switches.service_notice_approve(notice=notice, actor=StaffFactory(group="Support agent"))


def test_a_supervisor_cannot_write_a_notice_alone(supervisor):
    with pytest.raises(PortalError, match="permission to write"):
        write(supervisor)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"text_en": "  "}, "Write the notice in both Chinese and English."),
        ({"text_zh": ""}, "Write the notice in both Chinese and English."),
        ({"text_en": "x" * 501}, "Keep the notice to 500 characters in each language."),
        ({"lasts": timedelta(hours=-1)}, "The notice must end after it starts."),
        ({"starts_in": timedelta(hours=-3)}, "The end time has already passed: choose a time in the future."),
    ],
)
def test_a_notice_that_could_not_be_shown_is_refused(support_agent, changes, message):
    with pytest.raises(PortalError) as refusal:
        write(support_agent, **changes)
    assert refusal.value.message == message
    assert not ServiceNotice.objects.exists()


def test_writing_and_approving_are_audited(approved_notice, support_agent, supervisor):
    events = list(AuditEvent.objects.for_target(approved_notice).order_by("pk").values_list("action", "actor"))
    assert events == [("service_notice.written", support_agent.pk), ("service_notice.approved", supervisor.pk)]


def _queries(client):
    with CaptureQueriesContext(connection) as context:
        response = client.get("/")
    assert response.status_code == 200
    # The shared cache is Redis in production; without Redis the demo keeps it in a table.
    return [query["sql"] for query in context.captured_queries if "portal_cache" not in query["sql"]]


def test_the_dashboard_costs_no_extra_query_with_no_switch_on(client, borrower, settings):
    client.force_login(borrower)
    _queries(client)  # this process reads the switches once
    with_banner = _queries(client)
    assert not [sql for sql in with_banner if "emergencyswitch" in sql or "servicenotice" in sql]

    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if name != "portal.middleware.ReadOnlyPortalMiddleware"]
    processors = settings.TEMPLATES[0]["OPTIONS"]["context_processors"]
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {
                **settings.TEMPLATES[0]["OPTIONS"],
                "context_processors": [
                    name for name in processors if name != "portal.context_processors.service_banner"
                ],
            },
        }
    ]
    _queries(client)
    assert len(_queries(client)) == len(with_banner)


def test_a_page_reads_the_switches_from_the_database_only_after_a_change(client, borrower, supervisor):
    client.force_login(borrower)
    _queries(client)
    turn_on(supervisor, EmergencySwitch.Kind.DECISIONS)
    after_change = _queries(client)
    assert len([sql for sql in after_change if "emergencyswitch" in sql]) == 1
    assert not [sql for sql in _queries(client) if "emergencyswitch" in sql]
    assert switch_selectors.decisions_paused()
