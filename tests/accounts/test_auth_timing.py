"""Sign-up, login and password reset do the same work for a registered address as for an unknown
one, so how long the answer takes tells nothing about who has an account (issue 13, point 2).

Work is counted, not timed: password hashes computed (every hash and every check goes through
the hasher's ``encode``), and emails handed over after commit rather than sent in the request."""

from unittest import mock

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.test import Client
from django.urls import reverse

from portal.models import Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-and-unusual-passphrase-42"


@pytest.fixture
def registered():
    return UserFactory(email="registered@example.com")


def _work(capture, path, data):
    """POST ``data`` to ``path`` from a fresh browser: the hashes computed, the emails sent
    before the transaction committed, and those sent once it did."""
    mail.outbox.clear()
    with (
        mock.patch.object(MD5PasswordHasher, "encode", autospec=True, side_effect=MD5PasswordHasher.encode) as encode,
        capture() as callbacks,
    ):
        response = Client().post(path, data)
        sent_in_request = len(mail.outbox)
    for callback in callbacks:
        callback()
    return {
        "status": response.status_code,
        "location": response.get("Location"),
        "hashes": encode.call_count,
        "sent_in_request": sent_in_request,
        "sent_after_commit": len(mail.outbox) - sent_in_request,
    }


def _sign_up(capture, email):
    data = {"email": email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    return _work(capture, reverse("account_signup"), data)


def test_signup_with_a_registered_address_does_the_work_of_a_new_one(registered, django_capture_on_commit_callbacks):
    new = _sign_up(django_capture_on_commit_callbacks, "newcomer@example.com")
    taken = _sign_up(django_capture_on_commit_callbacks, registered.email)

    expected = {"status": 302, "location": reverse("account_email_verification_sent"), "hashes": 1}
    assert new == {**expected, "sent_in_request": 0, "sent_after_commit": 1}
    assert taken == new


def test_signup_emails_reach_both_addresses_after_commit(registered, django_capture_on_commit_callbacks):
    _sign_up(django_capture_on_commit_callbacks, registered.email)
    assert mail.outbox[0].to == [registered.email]
    assert reverse("account_reset_password") in mail.outbox[0].body  # "you already have an account"

    _sign_up(django_capture_on_commit_callbacks, "newcomer@example.com")
    assert mail.outbox[0].to == ["newcomer@example.com"]
    assert "/accounts/confirm-email/" in mail.outbox[0].body


def test_login_hashes_as_much_for_an_unknown_address_as_for_a_wrong_password(
    registered, django_capture_on_commit_callbacks
):
    path = reverse("account_login")
    unknown = _work(django_capture_on_commit_callbacks, path, {"login": "nobody@example.com", "password": "x" * 12})
    wrong = _work(django_capture_on_commit_callbacks, path, {"login": registered.email, "password": "x" * 12})

    assert unknown["status"] == 200
    assert unknown["hashes"] >= 1
    assert wrong == unknown


def test_password_reset_queues_one_email_for_a_known_and_an_unknown_address(
    registered, django_capture_on_commit_callbacks
):
    path = reverse("account_reset_password")
    known = _work(django_capture_on_commit_callbacks, path, {"email": registered.email})
    unknown = _work(django_capture_on_commit_callbacks, path, {"email": "nobody@example.com"})

    assert known == {
        "status": 302,
        "location": reverse("account_reset_password_done"),
        "hashes": 0,
        "sent_in_request": 0,
        "sent_after_commit": 1,
    }
    assert unknown == known


def test_a_repeated_delivery_carries_the_same_message_id(registered, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks() as callbacks:
        Client().post(reverse("account_reset_password"), {"email": registered.email})
    callbacks[0]()
    callbacks[0]()

    (message,) = mail.outbox  # the repeat finds the row sent and sends nothing
    row = Notification.objects.get(kind="account_email")
    assert message.message()["Message-ID"] == row.email_headers["Message-ID"]
