"""the borrower's offer page, the history page and the offers API, in both languages."""

from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.credit import offers
from accounts.models import IncreaseOffersOptOut, LimitOffer
from portal.models import AuditEvent
from tests.factories import BorrowerFactory, credit_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(borrower):
    return credit_account(customer=borrower.customer, credit_limit="20000.00")


@pytest.fixture
def offer(account):
    return offers.limit_offer_make(
        account=account,
        offered_limit="30000.00",
        reason_zh="您按时还款已满一年。",
        reason_en="You have repaid on time for a year.",
        source=LimitOffer.Source.POLICY,
    )


def speak(client, user, language):
    """The reader's language: the login's preferred language wins over the cookie."""
    user.preferred_language = language
    user.save(update_fields=["preferred_language"])
    client.cookies["django_language"] = language


def offer_url(offer, answer=""):
    return f"/credit/{offer.account_id}/offers/{offer.pk}/" + (f"{answer}/" if answer else "")


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["An offer of a higher limit", "You have repaid on time for a year.", "Accept", "Decline"]),
        ("zh-hans", ["提高额度的邀约", "您按时还款已满一年。", "接受", "拒绝"]),
    ],
)
def test_the_offer_page_shows_amount_why_expiry_and_two_equal_buttons(
    borrower_client, borrower, offer, language, words
):
    speak(borrower_client, borrower, language)
    page = borrower_client.get(offer_url(offer)).content.decode()
    for word in words:
        assert word in page
    assert "30,000.00" in page
    assert page.count('class="btn btn-outline-primary" data-answer=') == 2


def test_accepting_on_the_web_raises_the_limit_and_confirms(borrower_client, borrower, offer, account):
    speak(borrower_client, borrower, "en")
    response = borrower_client.post(offer_url(offer, "accept"), follow=True)
    assert "You accepted the offer" in response.content.decode()
    account.refresh_from_db()
    assert account.credit_limit == Decimal("30000.00")
    assert "raised: you accepted an offer" in response.content.decode()


def test_declining_is_one_click_and_a_second_answer_is_refused_in_chinese(borrower_client, borrower, offer, account):
    speak(borrower_client, borrower, "zh-hans")
    response = borrower_client.post(offer_url(offer, "decline"), follow=True)
    assert "您已拒绝" in response.content.decode()
    again = borrower_client.post(offer_url(offer, "accept"), follow=True).content.decode()
    assert "此邀约已无法回复" in again
    account.refresh_from_db()
    assert account.credit_limit == Decimal("20000.00")
    assert LimitOffer.objects.get(pk=offer.pk).status == "declined"


def test_a_guessed_offer_is_404(client, offer):
    stranger = BorrowerFactory()
    client.force_login(stranger)
    assert client.get(offer_url(offer)).status_code == 404
    assert client.post(offer_url(offer, "accept")).status_code == 404
    assert LimitOffer.objects.get(pk=offer.pk).status == "open"


def test_the_preference_is_set_and_changed_back_from_the_history_page(borrower_client, borrower, offer, account):
    speak(borrower_client, borrower, "en")
    url = f"/credit/{account.pk}/offers/preference/"
    page = borrower_client.post(url, {"no_increase_offers": "1"}, follow=True).content.decode()
    assert "You asked us not to offer you limit increases." in page
    assert IncreaseOffersOptOut.objects.filter(customer=borrower.customer).exists()
    assert LimitOffer.objects.get(pk=offer.pk).status == "withdrawn"
    page = borrower_client.post(url, {"no_increase_offers": "0"}, follow=True).content.decode()
    assert "Don&#x27;t offer me increases" in page or "Don't offer me increases" in page
    assert not IncreaseOffersOptOut.objects.filter(customer=borrower.customer).exists()
    assert AuditEvent.objects.filter(action="limit_offer.preference").count() == 2


def test_offers_and_answers_appear_in_the_limit_history(borrower_client, borrower, offer, account):
    offers.limit_offer_decline(user=borrower, account_id=account.pk, offer_id=offer.pk, channel="email")
    speak(borrower_client, borrower, "zh-hans")
    page = borrower_client.get(f"/credit/{account.pk}/history/").content.decode()
    assert f'data-offer="{offer.pk}"' in page
    assert "提高额度的邀约" in page


def api(user):
    return APIClient(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}", HTTP_ACCEPT_LANGUAGE="en")


def test_the_api_lists_open_offers_and_accepts_one(borrower, offer, account):
    client = api(borrower)
    listed = client.get("/api/v1/offers/").json()["results"]
    assert [(item["id"], item["offered_limit"], item["reason"]) for item in listed] == [
        (offer.pk, "30000.00", "You have repaid on time for a year.")
    ]
    answered = client.post(f"/api/v1/offers/{offer.pk}/accept/")
    assert answered.status_code == 200
    assert answered.json()["status"] == "accepted"
    account.refresh_from_db()
    assert account.credit_limit == Decimal("30000.00")
    assert LimitOffer.objects.get(pk=offer.pk).answer_channel == "api"
    again = client.post(f"/api/v1/offers/{offer.pk}/decline/")
    assert again.status_code == 409
    assert client.get("/api/v1/offers/").json()["results"] == []


def test_the_api_hides_another_borrowers_offer(offer):
    response = api(BorrowerFactory()).post(f"/api/v1/offers/{offer.pk}/accept/")
    assert response.status_code == 404
    assert LimitOffer.objects.get(pk=offer.pk).status == "open"
