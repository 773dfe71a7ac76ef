"""Clearance cases in the staff admin: proposing through the add page, deciding on the
intermediate page with a required legal-review note, 403 (audited) without the permission, and
the cleared borrower who still signs in, sees balances and repayments, and can appeal."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.clearance import services
from accounts.models import ClearanceCase, CreditAccount
from portal.models import AuditEvent
from tests.factories import StaffFactory, credit_account

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, whatever the catalogue's default language."""
    with translation.override("en"):
        yield


EVIDENCE = ["fraud_report_reference", "activity_reviewed"]


@pytest.fixture
def account(borrower):
    return credit_account(customer=borrower.customer, credit_limit="30000.00", outstanding_balance="5000.00")


@pytest.fixture
def analyst(db):
    return StaffFactory(group="Risk analyst", preferred_language="en")


@pytest.fixture
def compliance(db):
    return StaffFactory(group="Compliance officer", preferred_language="en")


@pytest.fixture
def case(account, analyst):
    return services.clearance_propose(
        account=account,
        actor=analyst,
        grounds="fraud_suspicion",
        evidence=EVIDENCE,
        statement="Device and ID mismatch; fraud report FR-1029.",
    )


def decide_url(case, decision=""):
    url = reverse("admin:accounts_clearancecase_decide", args=[case.pk])
    return f"{url}?decision={decision}" if decision else url


def test_the_list_filters_and_searches_within_a_bounded_number_of_queries(
    client, compliance, case, account, django_assert_max_num_queries
):
    client.force_login(compliance)
    changelist = reverse("admin:accounts_clearancecase_changelist")
    with django_assert_max_num_queries(20):
        page = client.get(changelist + "?status__exact=proposed&grounds__exact=fraud_suspicion&age=2d")
    assert case.reference in page.content.decode()
    assert case.reference not in client.get(changelist + "?age=older").content.decode()
    assert case.reference in client.get(changelist + f"?q={account.external_id}").content.decode()
    assert case.reference in client.get(changelist + f"?q={account.customer.legal_name}").content.decode()
    assert case.reference not in client.get(changelist + "?q=nobody-like-this").content.decode()


def test_an_analyst_proposes_through_the_add_page(client, analyst, account):
    client.force_login(analyst)
    response = client.post(
        reverse("admin:accounts_clearancecase_add"),
        {
            "account": account.external_id,
            "grounds": "fraud_suspicion",
            "evidence": EVIDENCE,
            "statement": "Fraud report FR-1029 confirmed by the risk team.",
        },
    )
    case = ClearanceCase.objects.get()
    assert response["Location"] == decide_url(case)
    assert (case.proposer, case.status, case.evidence_checklist) == (analyst, "proposed", EVIDENCE)


def test_missing_evidence_on_the_add_page_is_a_clear_error_and_nothing_is_saved(client, analyst, account):
    client.force_login(analyst)
    response = client.post(
        reverse("admin:accounts_clearancecase_add"),
        {"account": account.external_id, "grounds": "fraud_suspicion", "evidence": [], "statement": "Fraud."},
    )
    assert response.status_code == 400
    assert "Confirm the required evidence" in response.content.decode()
    assert not ClearanceCase.objects.exists()


def test_the_add_page_is_403_and_audited_without_the_propose_permission(client, compliance):
    client.force_login(compliance)
    assert client.get(reverse("admin:accounts_clearancecase_add")).status_code == 403
    assert AuditEvent.objects.filter(action="clearance.refused", actor=compliance).exists()


def test_the_changelist_action_opens_the_intermediate_page(client, compliance, case):
    client.force_login(compliance)
    response = client.post(
        reverse("admin:accounts_clearancecase_changelist"),
        {"action": "approve_selected", "_selected_action": [case.pk]},
    )
    assert response["Location"] == decide_url(case, "approve")
    page = client.get(response["Location"]).content.decode()
    assert "Legal-review note" in page
    assert 'value="approve"' in page


def test_approving_needs_the_legal_review_note(client, compliance, case, account):
    client.force_login(compliance)
    response = client.post(decide_url(case), {"decision": "approve", "note": "  "})
    assert response.status_code == 400
    assert "legal-review note" in response.content.decode()
    case.refresh_from_db()
    account.refresh_from_db()
    assert (case.status, account.status) == ("proposed", "active")


def test_a_compliance_officer_approves_and_the_line_is_cleared(client, compliance, case, account, borrower):
    client.force_login(compliance)
    response = client.post(decide_url(case), {"decision": "approve", "note": "Fraud confirmed; clause 9 applies."})
    assert response.status_code == 302
    case.refresh_from_db()
    account.refresh_from_db()
    assert (case.status, case.reviewer) == ("approved", compliance)
    assert (account.credit_limit, account.status) == (Decimal("0.00"), "cleared")
    assert case.limit_change.notice.recipient == borrower
    assert AuditEvent.objects.filter(action="clearance.approved", actor=compliance).exists()


def test_the_proposer_cannot_approve_their_own_case(client, case, analyst):
    analyst.groups.add(*StaffFactory(group="Compliance officer").groups.all())
    client.force_login(analyst)
    page = client.get(decide_url(case)).content.decode()
    assert "another compliance officer must approve" in page
    response = client.post(decide_url(case), {"decision": "approve", "note": "Fine by me."})
    assert response.status_code == 400
    assert "another compliance officer" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "proposed"
    assert AuditEvent.objects.filter(action="clearance.refused", actor=analyst, target_id=str(case.pk)).exists()


def test_deciding_without_the_permission_is_403_and_audited(client, case, account):
    supervisor = StaffFactory(group="Supervisor")
    client.force_login(supervisor)
    assert client.get(decide_url(case)).status_code == 200  # may read
    response = client.post(decide_url(case), {"decision": "approve", "note": "I would approve."})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.status == "proposed"
    assert AuditEvent.objects.filter(action="clearance.refused", actor=supervisor).exists()


def test_staff_who_may_not_read_cases_get_403(client, case):
    client.force_login(StaffFactory(group="Content editor"))
    assert client.get(decide_url(case)).status_code == 403


def test_rejecting_keeps_the_line_and_records_the_note(client, compliance, case, account):
    client.force_login(compliance)
    client.post(decide_url(case), {"decision": "reject", "note": "The report was withdrawn by the police."})
    case.refresh_from_db()
    account.refresh_from_db()
    assert (case.status, case.legal_review_note) == ("rejected", "The report was withdrawn by the police.")
    assert account.status == "active"


def test_a_cleared_borrower_still_signs_in_sees_balances_and_can_appeal(client, compliance, case, borrower):
    borrower.preferred_language = "en"
    borrower.save(update_fields=["preferred_language"])
    case = services.clearance_approve(case=case, actor=compliance, legal_review_note="Confirmed.")
    account = CreditAccount.objects.get(pk=case.account_id)
    change = case.limit_change
    client.force_login(borrower)

    assert client.get(reverse("dashboard")).status_code == 200
    history = client.get(reverse("credit_history", args=[account.pk])).content.decode()
    assert reverse("appeals:create", args=[change.pk]) in history
    assert client.get(reverse("credit_repayments", args=[account.pk])).status_code == 200
    notice = client.get(reverse("notification_detail", args=[change.notice_id])).content.decode()
    assert reverse("appeals:create", args=[change.pk]) in notice
    wizard = client.get(reverse("closure_start", args=[account.pk]), follow=True).content.decode()
    assert "cleared by the lender" in wizard
