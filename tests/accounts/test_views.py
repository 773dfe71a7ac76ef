import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from accounts.models import User
from portal.models import AuditEvent
from tests.factories import BorrowerFactory, CustomerRecordFactory, StaffFactory, UserFactory, valid_national_id

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/notifications/"])
def test_unbound_borrower_is_sent_to_identity_binding(unbound_client, path):
    response = unbound_client.get(path)
    assert response.status_code == 302
    assert response["Location"] == reverse("identity_binding")


@pytest.mark.parametrize("path", ["/settings/", "/accounts/password/change/", "/identity/", "/api/v1/me"])
def test_unbound_borrower_can_still_reach_account_settings_and_security(unbound_client, path):
    response = unbound_client.get(path)
    assert response.status_code in (200, 302)
    assert response.get("Location", "") != reverse("identity_binding")


def test_anonymous_visitor_sees_the_welcome_page_and_no_account_data(client):
    response = client.get("/")
    assert response.status_code == 200
    assert reverse("account_login") in response.content.decode()
    assert client.get("/notifications/")["Location"].startswith(reverse("account_login"))


def test_binding_form_links_the_login_and_shows_the_masked_number(unbound_client, unbound_user):
    CustomerRecordFactory(legal_name="王芳", national_id_number=valid_national_id(38))
    response = unbound_client.post(
        "/identity/", {"legal_name": "王芳", "national_id_number": valid_national_id(38)}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("dashboard")
    page = response.content.decode()
    assert "**************" + valid_national_id(38)[-4:] in page
    assert valid_national_id(38) not in page
    unbound_user.refresh_from_db()
    assert unbound_user.is_identity_bound


def test_bad_check_digit_shows_a_field_error_and_changes_nothing(client):
    unbound_user = UserFactory(preferred_language="en")
    client.force_login(unbound_user)
    wrong = valid_national_id(38)[:-1] + ("0" if valid_national_id(38)[-1] != "0" else "1")
    response = client.post("/identity/", {"legal_name": "王芳", "national_id_number": wrong})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["national_id_number"][0].startswith("This ID number does not pass its check")
    assert 'aria-describedby="id_national_id_number_help id_national_id_number_errors"' in response.content.decode()
    unbound_user.refresh_from_db()
    assert unbound_user.customer is None
    # A typo is not a failed match: it does not count toward the lock.
    assert unbound_user.identity_binding_attempts.count() == 0


def test_empty_form_gets_required_messages(unbound_client):
    response = unbound_client.post("/identity/", {"legal_name": "  ", "national_id_number": ""})
    assert set(response.context["form"].errors) == {"legal_name", "national_id_number"}


def test_locked_borrower_sees_the_pause_and_no_form(unbound_client, unbound_user):
    for _attempt in range(5):
        unbound_client.post("/identity/", {"legal_name": "王芳", "national_id_number": valid_national_id(1)})
    response = unbound_client.get("/identity/")
    assert response.context["locked_until"] is not None
    assert 'name="national_id_number"' not in response.content.decode()
    # A POST that ignores the missing form changes nothing.
    CustomerRecordFactory(legal_name="王芳", national_id_number=valid_national_id(38))
    unbound_client.post("/identity/", {"legal_name": "王芳", "national_id_number": valid_national_id(38)})
    unbound_user.refresh_from_db()
    assert unbound_user.customer is None


def test_bound_borrower_visiting_binding_page_goes_to_dashboard(borrower_client):
    assert borrower_client.get("/identity/")["Location"] == reverse("dashboard")


def test_borrower_never_sees_another_borrowers_identity(borrower_client, borrower):
    other = BorrowerFactory()
    page = borrower_client.get("/").content.decode()
    assert borrower.customer.masked_national_id in page
    assert other.customer.masked_national_id not in page
    assert other.email not in page


def test_preferences_save_the_language_and_are_audited(borrower_client, borrower):
    response = borrower_client.post("/settings/", {"preferred_language": "en"})
    assert response.status_code == 302
    borrower.refresh_from_db()
    assert borrower.preferred_language == "en"
    event = AuditEvent.objects.get(action="user.preferences_updated")
    assert event.before == {"preferred_language": "zh-hans"}
    assert event.after == {"preferred_language": "en"}


def test_unknown_language_is_refused(borrower_client, borrower):
    response = borrower_client.post("/settings/", {"preferred_language": "xx"})
    assert response.status_code == 200
    assert "preferred_language" in response.context["form"].errors
    borrower.refresh_from_db()
    assert borrower.preferred_language == "zh-hans"


def test_language_switcher_saves_the_choice_for_a_signed_in_borrower(borrower_client, borrower):
    response = borrower_client.post("/i18n/setlang/", {"language": "en", "next": "/settings/"})
    assert response["Location"] == "/settings/"
    borrower.refresh_from_db()
    assert borrower.preferred_language == "en"
    page = borrower_client.get("/settings/")
    assert '<html lang="en">' in page.content.decode()


def test_language_switcher_refuses_offsite_next(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_saved_language_applies_on_a_new_browser(client):
    user = BorrowerFactory(preferred_language="en")
    client.force_login(user)
    assert '<html lang="en">' in client.get("/").content.decode()


def test_creating_an_api_token_asks_for_the_password_again(client, borrower, password):
    client.post(reverse("account_login"), {"login": borrower.email, "password": password})
    response = client.post(reverse("api_token_create"))
    assert response.status_code == 302
    assert reverse("account_reauthenticate") in response["Location"]
    assert not Token.objects.filter(user=borrower).exists()


def test_api_token_is_created_after_reauthentication_and_shown_once(client, borrower, password):
    client.post(reverse("account_login"), {"login": borrower.email, "password": password})
    reauth = client.post(
        f"{reverse('account_reauthenticate')}?next={reverse('api_token_create')}", {"password": password}
    )
    assert reauth["Location"] == reverse("api_token_create")
    assert client.get(reverse("api_token_create")).status_code == 200  # the confirmation page
    response = client.post(reverse("api_token_create"), follow=True)
    token = User.objects.get(pk=borrower.pk).auth_token
    assert token.key in response.content.decode()
    assert token.key not in client.get("/settings/").content.decode()
    assert AuditEvent.objects.filter(action="api_token.created", actor=borrower).exists()

    client.post(reverse("api_token_revoke"))
    assert not User.objects.filter(pk=borrower.pk, auth_token__isnull=False).exists()


def test_staff_member_is_not_asked_to_bind(client):
    staff = StaffFactory()
    client.force_login(staff)
    assert client.get("/")["Location"] == reverse("admin:index")
