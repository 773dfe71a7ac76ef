import pytest
from django.core.management import call_command

from accounts.models import ClearanceCase, CreditAccount, LimitChange, LimitOffer, RiskDecision, User

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_realistic_data_once(capsys):
    call_command("seed_demo")
    first = (User.objects.count(), CreditAccount.objects.count(), LimitChange.objects.count())
    call_command("seed_demo")
    assert (User.objects.count(), CreditAccount.objects.count(), LimitChange.objects.count()) == first

    output = capsys.readouterr().out
    assert "zhang.wei@example.com" in output
    assert "new.borrower@example.com" in output
    assert User.objects.filter(email="new.borrower@example.com", customer__isnull=True).exists()
    assert User.objects.filter(is_staff=True, groups__name="Supervisor").exists()
    assert set(RiskDecision.objects.values_list("kind", "status")) == {
        ("watch", "warned"),
        ("reduction", "applied"),
        ("freeze", "pending_approval"),
    }
    assert LimitChange.objects.filter(kind="risk_reduction").count() == 1
    assert list(ClearanceCase.objects.values_list("account__external_id", "status")) == [("ACC-0002", "proposed")]


def test_seed_demo_shows_an_offer_and_a_line_ready_for_automatic_repayment():
    call_command("seed_demo")
    call_command("seed_demo")

    offer = LimitOffer.objects.get()
    assert (offer.account.external_id, offer.source, offer.status) == ("ACC-0004", "policy", "open")
    assert offer.account.customer.external_id == "CUST-0001"
    assert CreditAccount.objects.get(external_id="ACC-0001").repayment_source_masked.endswith("****1234")
