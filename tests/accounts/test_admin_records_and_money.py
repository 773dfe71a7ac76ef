"""Issue 16 (3, 5): staff read the decision record on the limit change and on the risk decision,
and amounts as borrower pages write them (¥35,000.00, not 35000.00)."""

import pytest
from django.urls import reverse

from accounts.models import PolicyVersion
from accounts.risk import services as risk
from tests.factories import RiskSignalFactory, StaffFactory, credit_account, score_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def cut(borrower):
    PolicyVersion.objects.active().update(warn_before_cut=False)
    account = credit_account(customer=borrower.customer, credit_limit="50000.00")
    score_history(account, [750, 752, 748, 745, 690])
    RiskSignalFactory(account=account, kind="score_update", value="690")
    (decision,) = risk.risk_evaluation_run()
    return decision


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory(is_superuser=True, preferred_language="en"))
    client.cookies["django_language"] = "en"
    return client


def test_the_limit_change_page_shows_the_decision_record(staff_client, cut):
    page = staff_client.get(reverse("admin:accounts_limitchange_change", args=[cut.limit_change.pk])).content.decode()
    assert "Rules that fired" in page
    assert "Credit score fell from its high" in page
    assert "score high: <strong>752</strong>" in page
    assert "Signals read" in page
    assert "¥50,000.00 → ¥35,000.00" in page


def test_the_risk_decision_page_shows_the_record_not_raw_json(staff_client, cut):
    page = staff_client.get(reverse("admin:accounts_riskdecision_change", args=[cut.pk])).content.decode()
    assert "Rules that fired" in page
    assert "&quot;rules&quot;" not in page and "'rules'" not in page


def test_amounts_in_admin_lists_are_written_as_money(staff_client, cut):
    accounts = staff_client.get(reverse("admin:accounts_creditaccount_changelist")).content.decode()
    changes = staff_client.get(reverse("admin:accounts_limitchange_changelist")).content.decode()
    decisions = staff_client.get(reverse("admin:accounts_riskdecision_changelist")).content.decode()
    assert "¥35,000.00" in accounts and "35000.00" not in accounts
    assert "¥50,000.00" in changes and "50000.00" not in changes
    assert "¥50,000.00" in decisions and "50000.00" not in decisions
