"""The whole borrower story in a real browser, in both languages: choose a language, create a
login, confirm the email address, verify identity (after one typo) and see the dashboard."""

import re

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation

from accounts.identity import national_id
from accounts.models import User
from tests.e2e.helpers import CHINESE, ENGLISH, expect, path_of, t
from tests.factories import CustomerRecordFactory, valid_national_id

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NEW_PASSWORD = "Lantern-Orchard-2048"
CONFIRMATION_LINK = re.compile(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)")


def _with_wrong_check_character(number):
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    assert national_id.check_character(wrong[:17]) != wrong[17]
    return wrong


def _validation_message(language, number):
    with translation.override(language):
        try:
            national_id.validate(number)
        except ValidationError as error:
            return str(error.messages[0])
    raise AssertionError(f"{number} should not validate")


def _mail_to(mailoutbox, address):
    return [message for message in mailoutbox if address in message.to]


# One user story from start to finish in one browser session, as the person lives it; cut into
# parts it would repeat the sign-in and setup and lose the story (hence longer than 60 lines).
@pytest.mark.parametrize("language", [CHINESE, ENGLISH])
def test_a_new_borrower_signs_up_verifies_identity_and_sees_the_dashboard(open_visitor, mailoutbox, language):
    other_language = ENGLISH if language == CHINESE else CHINESE
    email = f"new-borrower-{language}@example.com"
    number = valid_national_id(417)
    CustomerRecordFactory(legal_name="王芳", national_id_number=number)

    # The browser asks for the other language, so choosing ours in the header visibly changes the page.
    visitor = open_visitor(other_language)
    visitor.goto("/")
    visitor.expect_language(other_language)
    visitor.switch_language(language)
    visitor.expect_path("/")
    expect(visitor.heading()).to_have_text(visitor.t("Your credit line, in your hands"))

    # Create a login.
    visitor.click_to_navigate(visitor.page.get_by_role("link", name=visitor.t("Create a login")))
    visitor.expect_path("/accounts/signup/")
    visitor.expect_language(language)
    expect(visitor.heading()).to_have_text(visitor.t("Sign Up"))
    # A common password is refused, with the reason next to the field.
    visitor.page.locator("#id_email").fill(email)
    visitor.page.locator("#id_password1").fill("password123")
    visitor.page.locator("#id_password2").fill("password123")
    visitor.click_to_navigate(visitor.page.get_by_role("button", name=visitor.t("Sign Up"), exact=True))
    visitor.expect_path("/accounts/signup/")
    expect(visitor.page.locator("#id_password1_errors")).to_contain_text(visitor.t("This password is too common."))
    assert not mailoutbox
    visitor.page.locator("#id_password1").fill(NEW_PASSWORD)
    visitor.page.locator("#id_password2").fill(NEW_PASSWORD)
    visitor.click_to_navigate(visitor.page.get_by_role("button", name=visitor.t("Sign Up"), exact=True))
    visitor.expect_path("/accounts/confirm-email/")

    # The verification email, in the language the login was created in.
    [verification] = _mail_to(mailoutbox, email)
    assert verification.subject.endswith(t(language, "Please Confirm Your Email Address"))
    link = CONFIRMATION_LINK.search(verification.body)
    assert link, f"no confirmation link in:\n{verification.body}"

    visitor.goto(link.group(1))
    expect(visitor.heading()).to_have_text(visitor.t("Confirm Email Address"))
    visitor.click_to_navigate(visitor.page.get_by_role("button", name=visitor.t("Confirm"), exact=True))
    if path_of(visitor.page).startswith("/accounts/login/"):
        visitor.sign_in(email, NEW_PASSWORD)

    # Signed in but not yet linked to a customer record: the portal asks for identity first.
    visitor.expect_path("/identity/")
    visitor.expect_language(language)
    expect(visitor.heading()).to_have_text(visitor.t("Verify your identity"))

    # A mistyped number: the check character is wrong. The field says so and nothing is linked.
    wrong = _with_wrong_check_character(number)
    visitor.submit_identity("王芳", wrong)
    visitor.expect_path("/identity/")
    expect(visitor.page.locator("#id_national_id_number_errors")).to_have_text(_validation_message(language, wrong))
    expect(visitor.page.locator("#id_national_id_number")).to_have_attribute("aria-invalid", "true")
    assert User.objects.get(email=email).customer_id is None

    # The right details link the login and open the dashboard, which shows only the last four.
    visitor.submit_identity("王芳", number)
    visitor.expect_path("/")
    visitor.expect_language(language)
    expect(visitor.heading()).to_have_text(visitor.t("My dashboard"))
    expect(visitor.page.get_by_role("status")).to_contain_text(
        visitor.t("Thank you. Your identity is verified and your login is linked.")
    )
    masked = "*" * 14 + number[-4:]
    expect(visitor.page.locator("dd.masked").filter(has_text=masked)).to_have_count(1)
    assert number not in visitor.page.content()

    subject = settings.EMAIL_SUBJECT_PREFIX + t(language, "Your identity is verified")
    verified_mail = [message for message in _mail_to(mailoutbox, email) if message.subject == subject]
    assert len(verified_mail) == 1, [message.subject for message in _mail_to(mailoutbox, email)]
    assert masked in verified_mail[0].body
    assert number not in verified_mail[0].body
    assert User.objects.get(email=email).preferred_language == language
