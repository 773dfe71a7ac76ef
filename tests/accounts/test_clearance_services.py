"""Account clearance through its services: proposed by a Support agent or Risk analyst with the
required evidence, decided by a different Compliance officer with a legal-review note, applied
through the ledger with a notice, and every step (and every refusal) in the audit log."""

from decimal import Decimal

import pytest
from django.utils import translation

from accounts.clearance import services
from accounts.closure.services import closure_kinds_allowed
from accounts.models import ClearanceCase, CreditAccount, LimitChange
from portal.exceptions import PortalError
from portal.models import AuditEvent, Notification
from tests.factories import StaffFactory, credit_account

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, whatever the catalogue's default language."""
    with translation.override("en"):
        yield


OVERDUE_EVIDENCE = ["overdue_90_days", "collection_contacts_logged"]


@pytest.fixture
def account(borrower):
    return credit_account(customer=borrower.customer, credit_limit="50000.00", outstanding_balance="8000.00")


@pytest.fixture
def agent(db):
    return StaffFactory(group="Support agent")


@pytest.fixture
def compliance(db):
    return StaffFactory(group="Compliance officer")


def propose(account, actor, **kwargs):
    return services.clearance_propose(
        account=account,
        actor=actor,
        grounds=kwargs.pop("grounds", "malicious_overdue"),
        evidence=kwargs.pop("evidence", OVERDUE_EVIDENCE),
        statement=kwargs.pop("statement", "120 days overdue; 14 calls and 3 letters without answer."),
        **kwargs,
    )


@pytest.fixture
def case(account, agent):
    return propose(account, agent)


def test_a_support_agent_proposes_and_compliance_officers_are_told(account, agent, compliance):
    case = propose(account, agent, evidence_reference="COLL-2026-77")

    assert case.status == "proposed"
    assert case.evidence_checklist == OVERDUE_EVIDENCE
    assert AuditEvent.objects.filter(action="clearance.proposed", actor=agent, target_id=str(case.pk)).exists()
    assert Notification.objects.filter(recipient=compliance, kind="clearance_staff.proposed").exists()
    account.refresh_from_db()
    assert account.status == "active"


def test_a_risk_analyst_may_propose_too(account):
    analyst = StaffFactory(group="Risk analyst")
    assert propose(account, analyst).proposer == analyst


def test_staff_without_the_permission_are_refused_and_the_attempt_audited(account):
    reviewer = StaffFactory(group="Appeals reviewer")
    with pytest.raises(PortalError) as refused:
        propose(account, reviewer)
    assert refused.value.status_code == 403
    assert not ClearanceCase.objects.exists()
    assert AuditEvent.objects.filter(action="clearance.refused", actor=reviewer).exists()


def test_mandatory_evidence_must_be_confirmed(account, agent):
    with pytest.raises(PortalError) as refused:
        propose(account, agent, evidence=["overdue_90_days"])
    assert refused.value.field == "evidence"
    assert "Collection contacts" in refused.value.message
    assert not ClearanceCase.objects.exists()


def test_evidence_of_other_grounds_is_refused(account, agent):
    with pytest.raises(PortalError, match="do not belong"):
        propose(account, agent, evidence=[*OVERDUE_EVIDENCE, "police_report"])


def test_unknown_grounds_and_empty_statement_are_refused(account, agent):
    with pytest.raises(PortalError, match="grounds"):
        propose(account, agent, grounds="bad_mood")
    with pytest.raises(PortalError, match="Describe what happened"):
        propose(account, agent, statement="   ")
    assert not ClearanceCase.objects.exists()


def test_one_open_case_per_account(case, account):
    other_agent = StaffFactory(group="Support agent")
    with pytest.raises(PortalError, match=case.reference) as refused:
        propose(account, other_agent)
    assert refused.value.status_code == 409
    assert ClearanceCase.objects.count() == 1


def test_the_proposer_cannot_approve_even_with_the_compliance_permission(account):
    both = StaffFactory(group="Support agent")
    both.groups.add(*StaffFactory(group="Compliance officer").groups.all())
    case = propose(account, both)
    with pytest.raises(PortalError, match="another compliance officer") as refused:
        services.clearance_approve(case=case, actor=both, legal_review_note="Looks fine.")
    assert refused.value.status_code == 403
    case.refresh_from_db()
    assert case.status == "proposed"
    assert AuditEvent.objects.filter(action="clearance.refused", actor=both, target_id=str(case.pk)).exists()


def test_only_compliance_officers_decide(case):
    supervisor = StaffFactory(group="Supervisor")
    for decide in (services.clearance_approve, services.clearance_reject):
        with pytest.raises(PortalError) as refused:
            decide(case=case, actor=supervisor, legal_review_note="No.")
        assert refused.value.status_code == 403
    case.refresh_from_db()
    assert case.status == "proposed"


def test_the_legal_review_note_is_required(case, compliance):
    for decide in (services.clearance_approve, services.clearance_reject):
        with pytest.raises(PortalError) as refused:
            decide(case=case, actor=compliance, legal_review_note="  ")
        assert refused.value.field == "legal_review_note"
    case.refresh_from_db()
    assert case.status == "proposed"
    assert case.reviewer is None


def test_approval_clears_the_line_through_the_ledger_with_a_notice(case, compliance, borrower, agent):
    case = services.clearance_approve(
        case=case, actor=compliance, legal_review_note="Overdue confirmed; clause 12.3 applies."
    )

    account = CreditAccount.objects.get(pk=case.account_id)
    assert (account.credit_limit, account.status, account.available_credit) == (
        Decimal("0.00"),
        "cleared",
        Decimal("0.00"),
    )
    assert account.outstanding_balance == Decimal("8000.00")  # still owed, still repayable
    change = case.limit_change
    assert change == LimitChange.objects.filter(account=account).order_by("-sequence").first()
    assert (change.kind, change.new_status, change.reason_codes) == ("clearance", "cleared", ["malicious_overdue"])
    assert (change.decided_by, change.decided_by_user) == ("staff", compliance)
    assert change.appeal_deadline is not None
    assert change.source_reference == case.reference
    notice = change.notice
    assert notice.recipient == borrower
    assert "has been cleared" in notice.title or "已" in notice.title
    assert (case.status, case.reviewer, case.legal_review_note) == (
        "approved",
        compliance,
        "Overdue confirmed; clause 12.3 applies.",
    )
    assert AuditEvent.objects.filter(action="clearance.approved", actor=compliance).exists()
    assert AuditEvent.objects.filter(action="limit_change.clearance", actor=compliance).exists()
    assert Notification.objects.filter(recipient=agent, kind="clearance_staff.approved").exists()


def test_the_notice_explains_the_reasons_and_the_appeal_rights_in_english(account, agent, compliance, borrower):
    borrower.preferred_language = "en"
    borrower.save(update_fields=["preferred_language"])
    case = services.clearance_approve(case=propose(account, agent), actor=compliance, legal_review_note="Confirmed.")
    notice = case.limit_change.notice

    assert notice.title == f"Your credit line {account.external_id} has been cleared"
    assert "closed for new borrowing for good" in notice.body
    assert "you can appeal this decision until" in notice.body
    assert "Appeal this decision" in notice.body
    assert "internal policy" not in notice.body
    assert "Appeal this decision" in notice.email_html


def test_rejection_changes_nothing_on_the_account(case, compliance, account, agent):
    case = services.clearance_reject(case=case, actor=compliance, legal_review_note="Evidence is thin.")

    account.refresh_from_db()
    assert (account.credit_limit, account.status) == (Decimal("50000.00"), "active")
    assert (case.status, case.reviewer, case.limit_change) == ("rejected", compliance, None)
    assert AuditEvent.objects.filter(action="clearance.rejected", actor=compliance).exists()
    assert Notification.objects.filter(recipient=agent, kind="clearance_staff.rejected").exists()
    # A closed case frees the account for a new proposal.
    assert propose(account, agent).status == "proposed"


def test_withdrawal_needs_the_propose_permission_and_ends_the_case(case, agent, compliance):
    with pytest.raises(PortalError) as refused:
        services.clearance_withdraw(case=case, actor=compliance)
    assert refused.value.status_code == 403

    case = services.clearance_withdraw(case=case, actor=agent, reason="Borrower agreed a repayment plan.")
    assert (case.status, case.withdrawn_by) == ("withdrawn", agent)
    assert AuditEvent.objects.filter(action="clearance.withdrawn", actor=agent).exists()


def test_a_decided_case_cannot_be_decided_again(case, compliance):
    services.clearance_reject(case=case, actor=compliance, legal_review_note="No.")
    other = StaffFactory(group="Compliance officer")
    with pytest.raises(PortalError, match=case.reference) as refused:
        services.clearance_approve(case=case, actor=other, legal_review_note="Yes after all.")
    assert refused.value.status_code == 409
    with pytest.raises(PortalError):
        services.clearance_withdraw(case=case, actor=StaffFactory(group="Support agent"))


def test_a_cleared_line_cannot_be_proposed_again(case, compliance, account, agent):
    services.clearance_approve(case=case, actor=compliance, legal_review_note="Confirmed.")
    with pytest.raises(PortalError, match=account.external_id) as refused:
        propose(account, agent)
    assert refused.value.code == "invalid_state"


def test_the_closure_wizard_refuses_a_cleared_line(case, compliance, account):
    services.clearance_approve(case=case, actor=compliance, legal_review_note="Confirmed.")
    account.refresh_from_db()
    with pytest.raises(PortalError) as refused:
        closure_kinds_allowed(account=account)
    assert refused.value.code == "account_cleared"
