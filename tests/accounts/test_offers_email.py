"""Answering an offer of a higher limit from its email: two equal links, Accept and Decline, each
a signed, expiring, single-use token to a page with one button; no sign-in needed."""

import re
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from accounts.credit import offers
from accounts.models import CreditAccount, LimitOffer
from portal.models import AuditEvent
from tests.factories import BorrowerFactory, credit_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(borrower):
    return credit_account(customer=borrower.customer, credit_limit="20000.00")


def make_offer(account, **overrides):
    arguments = {
        "account": account,
        "offered_limit": "30000.00",
        "reason_zh": "您按时还款已满一年。",
        "reason_en": "You have repaid on time for a year.",
        "source": LimitOffer.Source.POLICY,
    }
    return offers.limit_offer_make(**{**arguments, **overrides})


def sent_offer(account, borrower, language, capture):
    borrower.preferred_language = language
    borrower.save(update_fields=["preferred_language"])
    with capture(execute=True):
        offer = make_offer(account)
    (message,) = mail.outbox
    return offer, message


def links(message):
    """The accept and decline links of the email's HTML, by answer."""
    html = message.alternatives[0][0]
    return {
        answer: href
        for href, answer in re.findall(r'<a href="(http[^"]+/offers/answer/[^"]+/)" data-answer="(\w+)"', html)
    }


def path_of(url):
    return urlsplit(url).path


def link_path(offer, recipient, answer):
    return reverse("offer_answer_link", args=[offers.offer_answer_token(offer, recipient=recipient, answer=answer)])


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Accept", "Decline", "You have repaid on time for a year.", "To accept:", "To decline:"]),
        ("zh-hans", ["接受", "拒绝", "您按时还款已满一年。", "接受：", "拒绝："]),
    ],
)
def test_the_offer_email_carries_accept_and_decline_links_equally_prominent(
    account, borrower, django_capture_on_commit_callbacks, language, words
):
    offer, message = sent_offer(account, borrower, language, django_capture_on_commit_callbacks)
    html = message.alternatives[0][0]
    for word in words:
        assert word in message.body + html
    found = links(message)
    assert set(found) == {"accept", "decline"}
    assert found["accept"] != found["decline"]
    # The same style for both: declining is as prominent as accepting.
    styles = re.findall(r'data-answer="\w+" style="([^"]+)"', html)
    assert len(styles) == 2 and styles[0] == styles[1]
    # The plain-text email carries both links too.
    assert found["accept"] in message.body and found["decline"] in message.body
    assert offer.status == LimitOffer.Status.OPEN


def test_the_link_page_shows_the_offer_and_one_button_and_get_changes_nothing(
    client, account, borrower, django_capture_on_commit_callbacks
):
    offer, message = sent_offer(account, borrower, "en", django_capture_on_commit_callbacks)
    page = client.get(path_of(links(message)["decline"]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "30,000.00" in html and "You have repaid on time for a year." in html
    assert html.count("data-answer=") == 1 and 'data-answer="decline"' in html
    assert html.count("<h1") == 1
    offer.refresh_from_db()
    assert offer.status == LimitOffer.Status.OPEN


def test_accepting_from_the_email_raises_the_limit_without_signing_in(
    client, account, borrower, django_capture_on_commit_callbacks
):
    offer, message = sent_offer(account, borrower, "en", django_capture_on_commit_callbacks)
    url = path_of(links(message)["accept"])
    response = client.post(url, follow=True)
    assert response.status_code == 200
    assert "You accepted the offer" in response.content.decode()
    offer.refresh_from_db()
    assert (offer.status, offer.answer_channel) == (LimitOffer.Status.ACCEPTED, LimitOffer.Channel.EMAIL)
    assert CreditAccount.objects.get(pk=account.pk).credit_limit == Decimal("30000.00")
    event = AuditEvent.objects.get(action="limit_offer.accepted")
    assert event.actor_id == borrower.pk and event.after["channel"] == "email"


def test_declining_from_the_email_keeps_the_limit(client, account, borrower, django_capture_on_commit_callbacks):
    offer, message = sent_offer(account, borrower, "zh-hans", django_capture_on_commit_callbacks)
    response = client.post(path_of(links(message)["decline"]), follow=True)
    assert "您已拒绝" in response.content.decode()
    offer.refresh_from_db()
    assert (offer.status, offer.answer_channel) == (LimitOffer.Status.DECLINED, LimitOffer.Channel.EMAIL)
    assert CreditAccount.objects.get(pk=account.pk).credit_limit == Decimal("20000.00")


def english(user):
    user.preferred_language = "en"
    user.save(update_fields=["preferred_language"])


def test_a_link_works_once_and_then_the_page_says_the_offer_was_answered(client, account, borrower):
    english(borrower)
    offer = make_offer(account)
    client.post(link_path(offer, borrower, "decline"))
    response = client.post(link_path(offer, borrower, "accept"))
    assert response.status_code == 409
    assert "can no longer be answered" in response.content.decode()
    again = client.get(link_path(offer, borrower, "decline")).content.decode()
    assert "This offer can no longer be answered. Its status: declined." in again
    assert "data-answer=" not in again
    assert CreditAccount.objects.get(pk=account.pk).credit_limit == Decimal("20000.00")


def test_a_tampered_link_is_not_found(client, account, borrower):
    offer = make_offer(account)
    token = offers.offer_answer_token(offer, recipient=borrower, answer="accept")
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    assert client.post(reverse("offer_answer_link", args=[tampered])).status_code == 404
    assert client.get(reverse("offer_answer_link", args=["not-a-token"])).status_code == 404
    offer.refresh_from_db()
    assert offer.status == LimitOffer.Status.OPEN


def test_a_token_signed_for_another_purpose_is_not_found(client, account, borrower):
    offer = make_offer(account)
    other_salt = signing.dumps({"offer": offer.pk, "user": borrower.pk, "answer": "accept"}, salt="another.purpose")
    assert client.post(reverse("offer_answer_link", args=[other_salt])).status_code == 404
    offer.refresh_from_db()
    assert offer.status == LimitOffer.Status.OPEN


def test_a_link_naming_another_borrowers_offer_is_not_found(client, account, borrower):
    offer = make_offer(account)
    stranger = BorrowerFactory()
    response = client.post(link_path(offer, stranger, "accept"))
    assert response.status_code == 404
    offer.refresh_from_db()
    assert offer.status == LimitOffer.Status.OPEN


def test_an_offer_past_its_expiry_cannot_be_answered_from_the_email(client, account, borrower):
    english(borrower)
    offer = make_offer(account)
    LimitOffer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    page = client.get(link_path(offer, borrower, "accept")).content.decode()
    assert "This offer can no longer be answered. Its status: expired." in page
    assert client.post(link_path(offer, borrower, "accept")).status_code == 409
    assert CreditAccount.objects.get(pk=account.pk).credit_limit == Decimal("20000.00")


def test_a_link_older_than_its_lifetime_says_it_has_expired(client, account, borrower, settings):
    settings.LIMIT_OFFER_LINK_MAX_DAYS = 30
    offer = make_offer(account, expires_at=timezone.now() + timedelta(days=60))
    path = link_path(offer, borrower, "accept")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with time_machine.travel(timezone.now() + timedelta(days=settings.LIMIT_OFFER_LINK_MAX_DAYS, minutes=1)):
        page = client.get(path)
        refused = client.post(path)
    assert page.status_code == 410 and "This link has expired" in page.content.decode()
    assert refused.status_code == 410
    offer.refresh_from_db()
    assert offer.status == LimitOffer.Status.OPEN


def test_a_withdrawn_offer_cannot_be_answered_from_the_email(client, account, borrower):
    offer = make_offer(account)
    offers.increase_offers_preference_set(user=borrower, opted_out=True)
    response = client.post(link_path(offer, borrower, "accept"))
    assert response.status_code == 409
    offer.refresh_from_db()
    assert offer.status == LimitOffer.Status.WITHDRAWN


def test_an_email_answer_appears_in_the_limit_history(client, account, borrower):
    offer = make_offer(account)
    client.post(link_path(offer, borrower, "decline"))
    english(borrower)
    client.force_login(borrower)
    page = client.get(reverse("credit_history", args=[account.pk])).content.decode()
    assert f'data-offer="{offer.pk}"' in page
    assert "declined" in page and "(email)" in page
