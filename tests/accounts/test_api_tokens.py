"""Personal API tokens die with the password, expire, and show when they were last used (issue 13,
point 5)."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.identity.services import api_token_create
from accounts.models import ApiTokenUsage
from portal.models import AuditEvent
from tests.factories import PASSWORD, StaffFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-long-passphrase-77"


def _me(token):
    return APIClient(HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_ACCEPT_LANGUAGE="en").get("/api/v1/me")


def _signed_in(user):
    client = Client()
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    return client


def test_changing_the_password_revokes_the_api_token(borrower):
    token = api_token_create(user=borrower)
    client = _signed_in(borrower)

    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert _me(token).status_code == 401
    assert AuditEvent.objects.filter(action="api_token.revoked", actor=borrower, after__reason="password_changed")


def test_resetting_the_password_revokes_the_api_token(borrower, django_capture_on_commit_callbacks):
    token = api_token_create(user=borrower)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(reverse("account_reset_password"), {"email": borrower.email})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.outbox[0].body).group(1)
    client = Client()
    form_url = client.get(link)["Location"]  # allauth moves the key into the session

    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == 302
    assert _me(token).status_code == 401
    assert AuditEvent.objects.filter(action="api_token.revoked", actor=borrower, after__reason="password_reset")


def test_sign_out_everywhere_ends_other_sessions_and_revokes_the_token(borrower):
    token = api_token_create(user=borrower)
    phone = _signed_in(borrower)
    laptop = _signed_in(borrower)

    response = laptop.post(reverse("sign_out_everywhere"), {"password": PASSWORD})

    assert response["Location"] == reverse("account_settings")
    assert laptop.get(reverse("account_settings")).status_code == 200  # this browser stays in
    assert phone.get(reverse("account_settings"))["Location"].startswith(reverse("account_login"))
    assert _me(token).status_code == 401
    assert AuditEvent.objects.filter(action="user.signed_out_everywhere", actor=borrower).exists()


def test_sign_out_everywhere_needs_the_current_password(borrower):
    token = api_token_create(user=borrower)
    phone = _signed_in(borrower)
    laptop = _signed_in(borrower)

    response = laptop.post(reverse("sign_out_everywhere"), {"password": "not-my-password"})

    assert response.status_code == 400
    assert response.context["sign_out_form"].errors["password"]
    assert phone.get(reverse("account_settings")).status_code == 200
    assert _me(token).status_code == 200


def test_a_token_stops_working_when_it_expires(borrower, settings):
    settings.API_TOKEN_LIFETIME_DAYS = 90
    token = api_token_create(user=borrower)

    with time_machine.travel(timezone.now() + timedelta(days=89, hours=23)):
        assert _me(token).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=90, minutes=1)):
        response = _me(token)

    assert response.status_code == 401
    assert response.json()["detail"] == "This API token has expired. Create a new one in your account settings."


def test_a_token_made_before_expiry_existed_expires_a_lifetime_after_it_was_made(borrower, settings):
    settings.API_TOKEN_LIFETIME_DAYS = 90
    token = api_token_create(user=borrower)
    ApiTokenUsage.objects.filter(token=token).delete()

    with time_machine.travel(timezone.now() + timedelta(days=91)):
        assert _me(token).status_code == 401


def test_last_use_is_recorded_at_most_once_a_minute_and_shown_with_the_expiry(borrower):
    token = api_token_create(user=borrower)
    start = timezone.now()

    with time_machine.travel(start, tick=False):
        _me(token)
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        _me(token)
    first = ApiTokenUsage.objects.get(token=token).last_used_at
    with time_machine.travel(start + timedelta(minutes=2), tick=False):
        _me(token)
    later = ApiTokenUsage.objects.get(token=token).last_used_at

    assert (first, later) == (start, start + timedelta(minutes=2))
    client = Client()
    client.force_login(borrower)
    page = client.get(reverse("account_settings"))
    assert page.context["token_usage"].last_used_at == later
    assert page.context["token_expires_at"] == token.created + timedelta(days=90)


def test_a_staff_member_signed_in_by_token_has_no_staff_powers(db):
    staff = StaffFactory(is_superuser=True)
    token = api_token_create(user=staff)
    request = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}").get("/api/v1/me").wsgi_request

    assert request.user == staff
    assert request.user.staff_powers_withheld is True
    assert not request.user.has_perm("appeals.view_appeal")
