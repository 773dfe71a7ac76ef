"""Five identity checks that match no customer pause verification; the page then explains the
pause and offers no form."""

import pytest
from django.conf import settings

from accounts.models import CustomerRecord
from tests.e2e.helpers import expect, nt
from tests.factories import PASSWORD, UserFactory, valid_national_id

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_five_unknown_id_numbers_pause_identity_verification(open_visitor, mailoutbox):
    assert settings.IDENTITY_BINDING_MAX_FAILURES == 5
    user = UserFactory()
    unknown_numbers = [valid_national_id(600 + attempt) for attempt in range(5)]
    assert not CustomerRecord.objects.exists()

    visitor = open_visitor()
    visitor.sign_in(user.email, PASSWORD)
    visitor.expect_path("/identity/")
    attempts_left = visitor.page.locator("main form p.small")

    def expect_attempts_left(count):
        expect(attempts_left).to_have_text(
            nt(
                visitor.language,
                "You have %(counter)s attempt left before a 24-hour pause.",
                "You have %(counter)s attempts left before a 24-hour pause.",
                count,
            )
        )

    expect_attempts_left(5)
    for attempt, number in enumerate(unknown_numbers[:4], start=1):
        visitor.submit_identity("张三", number)
        visitor.expect_path("/identity/")
        # The same message whatever did not match, so the form never reveals who is a customer.
        expect(visitor.page.locator("#form-errors")).to_be_visible()
        expect_attempts_left(5 - attempt)

    visitor.submit_identity("张三", unknown_numbers[4])
    visitor.expect_path("/identity/")
    pause = visitor.page.get_by_role("alert").filter(
        has=visitor.page.get_by_role("heading", name=visitor.t("Verification is paused"))
    )
    expect(pause).to_be_visible()
    expect(visitor.page.locator("#id_national_id_number")).to_have_count(0)
    expect(visitor.page.locator("main form")).to_have_count(0)

    # Still paused on a fresh visit, and the portal stays closed.
    visitor.goto("/")
    visitor.expect_path("/identity/")
    expect(pause).to_be_visible()
    expect(visitor.page.locator("main form")).to_have_count(0)

    subject = settings.EMAIL_SUBJECT_PREFIX + visitor.t("Identity verification is paused for 24 hours")
    assert [message.subject for message in mailoutbox if user.email in message.to] == [subject]
