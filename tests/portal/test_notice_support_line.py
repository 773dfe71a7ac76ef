"""A notice ends with the way to reach customer service: the same phone number and hours as every
page's footer, from settings, not a vague "by phone"."""

import pytest
from django.template.loader import render_to_string
from django.test import override_settings
from django.utils import translation

from accounts.credit.services import limit_change_apply
from portal.models import Notification
from tests.factories import BorrowerFactory, CustomerRecordFactory, credit_account


@pytest.mark.django_db
@override_settings(SUPPORT_PHONE="400-123-4567", SUPPORT_HOURS="08:30–20:00")
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "call customer service on 400-123-4567 (every day, 08:30–20:00 China Standard Time)"),
        ("zh-hans", "400-123-4567（每天 08:30–20:00，北京时间）"),
    ],
)
def test_limit_change_notice_names_the_support_phone_and_hours(language, expected):
    customer = CustomerRecordFactory()
    borrower = BorrowerFactory(customer=customer, preferred_language=language)
    account = credit_account(customer=customer, credit_limit="8000.00")

    limit_change_apply(account=account, kind="voluntary_reduction", new_limit="5000", decided_by="borrower")

    notice = Notification.objects.get(recipient=borrower)
    for text in (notice.body, notice.email_text, notice.email_html):
        assert expected in text
        assert "in the app or by phone" not in text


@override_settings(SUPPORT_PHONE="", SUPPORT_HOURS="")
def test_without_a_support_phone_the_notice_points_to_the_portal():
    with translation.override("en"):
        line = render_to_string("notifications/includes/support_line.txt").strip()

    assert line == "Questions? Contact customer service in the portal."
