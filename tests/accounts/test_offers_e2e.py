"""In Chromium: a borrower offered a higher limit declines it in one click and turns offers
off, in Chinese and in English. Screenshots of the offer page at 390 and 1280 px in both
languages go under ``test-artifacts/``."""

import pytest

from accounts.credit import offers
from accounts.models import IncreaseOffersOptOut, LimitOffer
from tests.e2e.conftest import ARTIFACTS, accessibility, browser, new_page, open_visitor  # noqa: F401
from tests.e2e.helpers import CHINESE, ENGLISH, expect
from tests.factories import PASSWORD, BorrowerFactory, credit_account

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SIZES = {"390": {"width": 390, "height": 844}, "1280": {"width": 1280, "height": 900}}


@pytest.mark.parametrize("language", [CHINESE, ENGLISH])
def test_a_borrower_declines_an_offer_in_one_click_and_turns_offers_off(open_visitor, language):  # noqa: F811
    borrower = BorrowerFactory(preferred_language=language)
    account = credit_account(customer=borrower.customer, credit_limit="20000.00")
    offer = offers.limit_offer_make(
        account=account,
        offered_limit="30000.00",
        reason_zh="您按时还款已满一年。",
        reason_en="You have repaid on time for a year.",
        source=LimitOffer.Source.POLICY,
    )
    visitor = open_visitor(language)
    visitor.sign_in(borrower.email, PASSWORD)
    visitor.goto(f"/credit/{account.pk}/offers/{offer.pk}/")
    expect(visitor.heading()).to_contain_text(visitor.t("An offer of a higher limit"))
    ARTIFACTS.mkdir(exist_ok=True)
    for name, size in SIZES.items():
        visitor.page.set_viewport_size(size)
        visitor.page.screenshot(path=ARTIFACTS / f"limit-offer-{language}-{name}.png", full_page=True)
    accept = visitor.page.get_by_role("button", name=visitor.t("Accept"), exact=True)
    decline = visitor.page.get_by_role("button", name=visitor.t("Decline"), exact=True)
    assert accept.get_attribute("class") == decline.get_attribute("class")
    visitor.click_to_navigate(decline)
    expect(visitor.page.get_by_text(visitor.t("You declined the offer: your limit stays as it is."))).to_be_visible()
    visitor.click_to_navigate(visitor.page.get_by_role("button", name=visitor.t("Don't offer me increases")))
    expect(visitor.page.get_by_text(visitor.t("You asked us not to offer you limit increases."))).to_be_visible()
    visitor.page.screenshot(path=ARTIFACTS / f"limit-offer-history-{language}-1280.png", full_page=True)
    assert LimitOffer.objects.get(pk=offer.pk).status == "declined"
    assert IncreaseOffersOptOut.objects.filter(customer=borrower.customer).exists()
