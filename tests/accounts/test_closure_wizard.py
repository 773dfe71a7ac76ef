"""The shorter wizard (issue 15, finding 4): four screens and the receipt, the step-up (password
and code) on one screen inside the wizard, resuming a draft in a new session, back links, guessed
ids, and forms that refuse bad input in the reader's language and change nothing."""

from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.closure import services
from accounts.models import ClosureRequest, CreditAccount
from tests.factories import BorrowerFactory, credit_account

pytestmark = pytest.mark.django_db

CODE = "123456"
SCREENS = ["closure_choose", "closure_impact", "closure_verify", "closure_confirm"]


@pytest.fixture(autouse=True)
def fixed_code(monkeypatch):
    monkeypatch.setattr(services.secrets, "randbelow", lambda _limit: int(CODE))


@pytest.fixture
def borrower(db):
    return BorrowerFactory(preferred_language="en")


@pytest.fixture
def account(borrower):
    return credit_account(customer=borrower.customer, credit_limit="50000.00", outstanding_balance="12000.00")


def sign_in(user, password):
    client = Client()
    client.post(reverse("account_login"), {"login": user.email, "password": password})
    return client


@pytest.fixture
def signed_in(borrower, password):
    return sign_in(borrower, password)


def url(name, closure_request):
    return reverse(name, kwargs={"account_id": closure_request.account_id, "request_id": closure_request.pk})


def walk_to_verify(client, account, kind="lower"):
    client.post(reverse("closure_start", args=[account.pk]), {"kind": kind, "target_limit": "20000"})
    closure_request = ClosureRequest.objects.get(account=account)
    client.post(url("closure_impact", closure_request), {"understood": "on", "reason": "limit_spending"})
    return closure_request


def test_manage_my_limit_to_the_receipt_is_five_screens(
    signed_in, account, password, mailoutbox, django_capture_on_commit_callbacks
):
    """Each POST lands on the next screen; the screens seen are four steps and the receipt."""
    seen = [signed_in.get(reverse("closure_start", args=[account.pk]))]
    answers = [
        {"kind": "close"},
        {"understood": "on", "reason": "no_longer_needed"},
        {"password": password, "code": CODE},
        {},
    ]
    path = reverse("closure_start", args=[account.pk])
    for answer in answers:
        with django_capture_on_commit_callbacks(execute=True):
            response = signed_in.post(path, answer, follow=True)
        assert response.redirect_chain, response.content.decode()[:2000]
        path = response.redirect_chain[-1][0]
        seen.append(response)
    closure_request = ClosureRequest.objects.get(account=account)
    assert [response.status_code for response in seen] == [200] * 5
    assert path == url("closure_receipt", closure_request)
    assert closure_request.status == ClosureRequest.Status.SUBMITTED
    assert [mail for mail in mailoutbox if CODE in mail.body]


def test_the_second_screen_saves_the_impact_and_the_reason_and_emails_the_code_once(
    signed_in, account, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        closure_request = walk_to_verify(signed_in, account)
    closure_request.refresh_from_db()
    assert closure_request.impact_acknowledged_at is not None and closure_request.reason == "limit_spending"
    assert closure_request.codes_sent == 1 and CODE in mailoutbox[-1].body
    # Back and forward again while the code is still valid: no second code.
    signed_in.post(url("closure_impact", closure_request), {"understood": "on", "reason": "other"})
    closure_request.refresh_from_db()
    assert (closure_request.codes_sent, closure_request.reason) == (1, "other")


def test_the_step_up_asks_for_the_password_and_the_code_on_one_screen(signed_in, account):
    closure_request = walk_to_verify(signed_in, account)
    response = signed_in.get(url("closure_verify", closure_request))
    assert response.status_code == 200  # no detour to a separate password page
    page = response.content.decode()
    assert page.count("<form") == page.count("</form>")
    step_up = page[page.index('id="step-up"') :]
    step_up = step_up[: step_up.index("</form>")]
    assert 'id="id_password"' in step_up and 'id="id_code"' in step_up
    assert 'autocomplete="current-password"' in step_up
    # Nothing unrelated: no sign-in code by email, no reauthentication page.
    assert reverse("account_reauthenticate") not in page
    assert "/accounts/login/code/" not in page
    assert "sign-in code" not in page.lower()


def test_a_wrong_password_is_refused_and_uses_no_code_try(signed_in, account):
    closure_request = walk_to_verify(signed_in, account)
    response = signed_in.post(url("closure_verify", closure_request), {"password": "not-my-password", "code": CODE})
    assert response.status_code == 200
    assert "That password is not right. Please try again." in response.content.decode()
    closure_request.refresh_from_db()
    assert (closure_request.verified_at, closure_request.code_failed_attempts) == (None, 0)


def test_a_wrong_code_keeps_the_password_confirmed_for_the_next_try(signed_in, account, password):
    closure_request = walk_to_verify(signed_in, account)
    response = signed_in.post(url("closure_verify", closure_request), {"password": password, "code": "999999"})
    page = response.content.decode()
    assert "That code is not right. Tries left: 4." in page
    assert 'id="id_password"' not in page and "Password confirmed." in page
    response = signed_in.post(url("closure_verify", closure_request), {"code": CODE})
    assert response["Location"] == url("closure_confirm", closure_request)


def test_a_new_session_resumes_at_the_confirm_step_while_the_step_up_holds(signed_in, borrower, account, password):
    closure_request = walk_to_verify(signed_in, account)
    signed_in.post(url("closure_verify", closure_request), {"password": password, "code": CODE})
    signed_in.post(reverse("account_logout"))

    later = sign_in(borrower, password)
    response = later.get(reverse("closure_start", args=[account.pk]))
    assert response["Location"] == url("closure_confirm", closure_request)
    page = later.get(url("closure_confirm", closure_request)).content.decode()
    assert 'id="id_password"' not in page
    assert later.post(url("closure_confirm", closure_request))["Location"] == url("closure_receipt", closure_request)
    closure_request.refresh_from_db()
    assert closure_request.status == ClosureRequest.Status.SUBMITTED


def test_a_new_session_after_the_step_up_expired_asks_for_it_again(signed_in, borrower, account, password):
    closure_request = walk_to_verify(signed_in, account)
    signed_in.post(url("closure_verify", closure_request), {"password": password, "code": CODE})
    expired = timezone.now() - services.VERIFICATION_LIFETIME - timedelta(seconds=1)
    ClosureRequest.objects.filter(pk=closure_request.pk).update(verified_at=expired)

    later = sign_in(borrower, password)
    assert later.get(reverse("closure_start", args=[account.pk]))["Location"] == url("closure_verify", closure_request)
    assert 'id="id_password"' in later.get(url("closure_verify", closure_request)).content.decode()
    assert later.post(url("closure_confirm", closure_request))["Location"] == url("closure_verify", closure_request)


def test_a_new_session_before_the_step_up_resumes_at_it(signed_in, borrower, account, password):
    closure_request = walk_to_verify(signed_in, account)
    later = sign_in(borrower, password)
    assert later.get(reverse("closure_start", args=[account.pk]))["Location"] == url("closure_verify", closure_request)


def test_a_borrower_with_an_authenticator_gives_the_password_and_its_code_and_gets_no_email(
    signed_in, borrower, account, password, mailoutbox, django_capture_on_commit_callbacks
):
    secret = generate_totp_secret()
    TOTP.activate(borrower, secret)
    with django_capture_on_commit_callbacks(execute=True):
        closure_request = walk_to_verify(signed_in, account)
    assert not [mail for mail in mailoutbox if CODE in mail.body]
    page = signed_in.get(url("closure_verify", closure_request)).content.decode()
    assert "6-digit code from your authenticator app" in page and 'id="id_password"' in page
    assert 'value="send"' not in page
    current = format_hotp_value(hotp_value(secret, int(timezone.now().timestamp()) // 30))
    response = signed_in.post(url("closure_verify", closure_request), {"password": password, "code": current})
    assert response["Location"] == url("closure_confirm", closure_request)


def test_changing_the_choice_asks_for_the_step_up_again(signed_in, account, password):
    closure_request = walk_to_verify(signed_in, account)
    signed_in.post(url("closure_verify", closure_request), {"password": password, "code": CODE})
    signed_in.post(url("closure_choose", closure_request), {"kind": "close"})
    closure_request.refresh_from_db()
    assert (closure_request.kind, closure_request.verified_at) == ("close", None)


def test_every_screen_has_a_back_link_that_opens(signed_in, account, password):
    closure_request = walk_to_verify(signed_in, account)
    signed_in.post(url("closure_verify", closure_request), {"password": password, "code": CODE})
    backs = {
        "closure_choose": reverse("dashboard"),
        "closure_impact": url("closure_choose", closure_request),
        "closure_verify": url("closure_impact", closure_request),
        "closure_confirm": url("closure_verify", closure_request),
    }
    for screen, back in backs.items():
        page = signed_in.get(url(screen, closure_request)).content.decode()
        assert f'href="{back}"' in page, screen
        assert signed_in.get(back).status_code == 200, back


def test_the_old_reason_address_opens_the_second_screen(signed_in, account):
    closure_request = walk_to_verify(signed_in, account)
    response = signed_in.get(url("closure_reason", closure_request))
    assert response["Location"] == url("closure_impact", closure_request)


@pytest.mark.parametrize(
    "name",
    [*SCREENS, "closure_reason", "closure_receipt", "closure_receipt_download", "closure_withdraw"],
)
def test_a_guessed_request_id_is_not_found(signed_in, account, name):
    other = BorrowerFactory()
    theirs = services.closure_request_draft_create(
        user=other, account=credit_account(customer=other.customer), kind="close"
    )
    guessed = reverse(name, kwargs={"account_id": account.pk, "request_id": theirs.pk + 1000})
    assert signed_in.get(guessed).status_code == 404
    assert signed_in.get(url(name, theirs)).status_code == 404
    mine_with_theirs = reverse(name, kwargs={"account_id": account.pk, "request_id": theirs.pk})
    assert signed_in.get(mine_with_theirs).status_code == 404


def test_the_new_limit_field_sits_under_the_lower_option_for_the_script_to_hide(signed_in, account):
    page = signed_in.get(reverse("closure_start", args=[account.pk])).content.decode()
    lower, fields = page.index('id="id_kind_0"'), page.index('id="lower-fields"')
    assert lower < fields < page.index('id="id_target_limit"') < page.index('id="id_kind_1"')
    assert 'data-lower-radio="id_kind_0"' in page and "portal/js/closure-lower.js" in page


def _in_chinese(message):
    with translation.override("zh-hans"):
        translated = gettext(message)
    assert translated != message
    return translated


def _snapshot(account):
    return list(ClosureRequest.objects.filter(account=account).values()), list(
        CreditAccount.objects.filter(pk=account.pk).values()
    )


@pytest.mark.parametrize(
    ("screen", "answer", "message"),
    [
        ("closure_choose", {"kind": "bogus"}, "Choose one of the options."),
        (
            "closure_choose",
            {"kind": "lower", "target_limit": "abc"},
            "Enter the new limit as an amount, for example 10000.",
        ),
        ("closure_impact", {"reason": "other"}, "Tick the box to confirm you have read what changes."),
        ("closure_impact", {"understood": "on", "reason": "bogus"}, "Choose the reason that fits best."),
        (
            "closure_impact",
            {"understood": "on", "reason": "other", "reason_text": "x" * 501},
            "Keep it under 500 characters.",
        ),
        ("closure_verify", {"password": "PASSWORD", "code": "12ab"}, "Enter the 6-digit code."),
        ("closure_verify", {"password": "", "code": CODE}, "Enter your password."),
        (
            "closure_verify",
            {"password": "wrong-password", "code": CODE},
            "That password is not right. Please try again.",
        ),
    ],
)
def test_every_form_refuses_bad_input_in_chinese_and_changes_nothing(password, screen, answer, message):
    chinese = BorrowerFactory(preferred_language="zh-hans")
    account = credit_account(customer=chinese.customer, credit_limit="50000.00")
    client = sign_in(chinese, password)
    closure_request = walk_to_verify(client, account)
    before = _snapshot(account)
    answer = {key: password if value == "PASSWORD" else value for key, value in answer.items()}
    response = client.post(url(screen, closure_request), answer)
    assert response.status_code == 200
    assert _in_chinese(message) in response.content.decode()
    assert _snapshot(account) == before


def test_wrong_passwords_on_the_step_up_are_rate_limited_like_sign_in(signed_in, account, password):
    closure_request = walk_to_verify(signed_in, account)
    for _attempt in range(5):
        signed_in.post(url("closure_verify", closure_request), {"password": "not-my-password", "code": CODE})
    response = signed_in.post(url("closure_verify", closure_request), {"password": password, "code": CODE})
    assert response.status_code == 200 and 'id="id_password_errors"' in response.content.decode()
    closure_request.refresh_from_db()
    assert closure_request.verified_at is None
