"""A borrower on a phone during an incident: the read-only switch is on and support's notice is
approved. They sign in, read the notice at the top of every page in their language, try to mark
their notices read, and are told plainly that nothing was changed, with a way back."""

from datetime import timedelta

import pytest
from django.utils import timezone

from portal import services, switches
from portal.models import Notification
from tests.e2e.helpers import ENGLISH, expect
from tests.factories import PASSWORD, BorrowerFactory, StaffFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 390, "height": 844}
NOTICE_EN = "Maintenance until 23:00: repayments made now may show later."
NOTICE_ZH = "系统维护至 23:00，期间还款可能延迟到账。"


def _incident():
    support = StaffFactory(group="Support agent")
    supervisor = StaffFactory(group="Supervisor")
    now = timezone.now()
    notice = switches.service_notice_write(
        actor=support, text_zh=NOTICE_ZH, text_en=NOTICE_EN, starts_at=now, ends_at=now + timedelta(hours=2)
    )
    switches.service_notice_approve(notice=notice, actor=supervisor)
    switches.emergency_switch_turn_on(
        actor=supervisor, kind="read_only", reason="Database failover in progress; no writes until it is done."
    )


def test_a_borrower_reads_the_notice_and_is_told_a_change_was_refused(open_visitor):
    borrower = BorrowerFactory(preferred_language=ENGLISH)
    notice = services.notification_send(
        recipient=borrower, kind="test", template="closure_withdrawn", context={"reference": "CR-1"}, email=False
    )
    _incident()
    visitor = open_visitor(ENGLISH)
    visitor.page.set_viewport_size(PHONE)
    visitor.sign_in(borrower.email, PASSWORD)  # signing in still works

    banner = visitor.page.get_by_role("status").filter(has_text=NOTICE_EN)
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(visitor.t("Read-only for now:"))
    assert visitor.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    visitor.goto("/notifications/")
    expect(visitor.page.get_by_role("status").filter(has_text=NOTICE_EN)).to_be_visible()
    visitor.click_to_navigate(visitor.page.get_by_role("button", name=visitor.t("Mark all as read")))
    expect(visitor.heading()).to_have_text(visitor.t("Changes are paused"))
    expect(visitor.page.locator("main")).to_contain_text("Nothing was changed.")
    notice.refresh_from_db()
    assert notice.read_at is None
    assert Notification.objects.filter(recipient=borrower, read_at__isnull=False).count() == 0

    visitor.click_to_navigate(visitor.page.get_by_role("link", name=visitor.t("Go back")))
    expect(visitor.heading()).to_have_text(visitor.t("Notices"))
