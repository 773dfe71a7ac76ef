"""Issue 16 (4): staff sign in on the admin's own page (no sign-up), through allauth so the
portal's two-factor step applies; "cancel" on the two-factor page is a link back, not a sign-out;
staff without an authenticator are led to set one up."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.urls import reverse
from django.utils import timezone, translation

from tests.factories import PASSWORD, StaffFactory

pytestmark = pytest.mark.django_db

SECRET = "JBSWY3DPEHPK3PXP"


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["django_language"] = "en"
    with translation.override("en"):
        yield


def test_the_admin_has_its_own_sign_in_page_without_sign_up(client):
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("admin:login"))
    page = response.content.decode()
    assert "admin/login.html" in [template.name for template in response.templates]
    assert reverse("account_signup") not in page
    assert 'name="login"' in page and 'name="password"' in page
    assert "还没有身份验证器？" in page  # the page is in the default language, Chinese


def test_staff_sign_in_on_the_admin_page_asks_for_the_code_then_opens_the_admin(client):
    staff = StaffFactory(group="Risk analyst", mfa=False)
    TOTP.activate(staff, SECRET)
    runs = reverse("admin:accounts_riskevaluationrun_changelist")
    response = client.post(
        reverse("admin:login") + f"?next={runs}", {"login": staff.email, "password": PASSWORD, "next": runs}
    )
    assert response.url == reverse("mfa_authenticate")

    code_page = client.get(reverse("mfa_authenticate")).content.decode()
    # Cancel is a link, and no form that signs out; it leads back to the staff sign-in page.
    assert f'class="mfa-cancel" href="{reverse("sign_in_cancel")}"' in code_page
    assert reverse("account_logout") not in code_page
    assert client.get(reverse("sign_in_cancel")).url == reverse("admin:login") + f"?next={runs.replace('/', '%2F')}"
    assert client.get(reverse("admin:login")).status_code == 200  # the half-done sign-in is dropped
    client.post(reverse("admin:login"), {"login": staff.email, "password": PASSWORD, "next": runs})

    code = format_hotp_value(hotp_value(SECRET, int(timezone.now().timestamp()) // 30))
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.url == runs
    assert client.get(runs).status_code == 200


def test_cancel_on_the_borrower_two_factor_page_leads_back_to_the_borrower_sign_in(client):
    staff = StaffFactory(mfa=False)
    TOTP.activate(staff, SECRET)
    client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    assert client.get(reverse("account_login")).url == reverse("mfa_authenticate")  # allauth resumes it
    assert client.get(reverse("sign_in_cancel")).url == reverse("account_login")
    assert client.get(reverse("account_login")).status_code == 200
    assert "_auth_user_id" not in client.session


def test_staff_without_an_authenticator_are_led_to_set_one_up(client):
    staff = StaffFactory(group="Risk analyst", mfa=False, preferred_language="en")
    response = client.post(reverse("admin:login"), {"login": staff.email, "password": PASSWORD})
    assert response.status_code == 302
    response = client.get(reverse("admin:index"), follow=True)
    chain = [url for url, _status in response.redirect_chain]
    assert any(url.startswith(reverse("mfa_activate_totp")) or "totp" in url for url in chain)
    assert "Staff must turn on two-factor authentication before using the admin." in response.content.decode()


def test_a_wrong_password_on_the_admin_page_says_so_and_signs_no_one_in(client):
    staff = StaffFactory()
    response = client.post(reverse("admin:login"), {"login": staff.email, "password": "wrong"})
    assert response.status_code == 200
    assert "errornote" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_staff_sent_to_the_staff_sign_in_who_use_the_portal_sign_in_land_where_they_were_going(client):
    staff = StaffFactory(group="Risk analyst", mfa=False)
    TOTP.activate(staff, SECRET)
    runs = reverse("admin:accounts_riskevaluationrun_changelist")
    client.get(runs, follow=True)  # to the staff sign-in, which remembers the page
    client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    code = format_hotp_value(hotp_value(SECRET, int(timezone.now().timestamp()) // 30))
    assert client.post(reverse("mfa_authenticate"), {"code": code}).url == runs
