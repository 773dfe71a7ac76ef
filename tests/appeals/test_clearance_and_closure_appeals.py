"""Appeals against a clearance (recusal of its proposer and approver, four eyes on reversing it)
and against a closure request we rejected (the appeal carries the request; overturning carries
the request out through the ledger)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.clearance import services as clearance_services
from accounts.closure import services as closure_services
from accounts.credit.services import limit_change_apply
from accounts.models import ClosureRequest, CreditAccount, LimitChange
from appeals import services
from appeals.models import Appeal
from portal.deadlines import deadline_profile
from portal.exceptions import PortalError
from portal.models import Notification
from tests.appeals.conftest import file_appeal
from tests.factories import StaffFactory, credit_account

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, whatever the catalogue's default language."""
    with translation.override("en"):
        yield


# --- clearance -------------------------------------------------------------------------------


@pytest.fixture
def agent(db):
    agent = StaffFactory(group="Support agent")
    agent.groups.add(*StaffFactory(group="Appeals reviewer").groups.all())  # may also review appeals
    return agent


@pytest.fixture
def compliance(db):
    officer = StaffFactory(group="Compliance officer")
    officer.groups.add(*StaffFactory(group="Supervisor").groups.all())  # may also approve overturns
    return officer


@pytest.fixture
def clearance(borrower, agent, compliance):
    account = credit_account(customer=borrower.customer, credit_limit="40000.00", outstanding_balance="6000.00")
    case = clearance_services.clearance_propose(
        account=account,
        actor=agent,
        grounds="agreement_violation",
        evidence=["agreement_clause_cited", "violation_documented"],
        statement="Funds used for securities trading, forbidden by clause 7.",
    )
    return clearance_services.clearance_approve(case=case, actor=compliance, legal_review_note="Clause 7 applies.")


@pytest.fixture
def clearance_appeal(borrower, clearance):
    return file_appeal(borrower, clearance.limit_change, desired_outcome="unfreeze")


def test_an_appeal_against_a_clearance_carries_the_clearance_record(clearance_appeal, clearance):
    snapshot = clearance_appeal.decision_snapshot
    assert snapshot["kind"] == "clearance"
    assert snapshot["reason_codes"] == ["agreement_violation"]
    assert snapshot["clearance"]["reference"] == clearance.reference
    assert snapshot["clearance"]["grounds"] == "agreement_violation"
    assert Notification.objects.filter(recipient=clearance_appeal.submitted_by, kind="appeal.received").exists()


def test_neither_the_proposer_nor_the_approver_of_the_clearance_may_review_it(clearance_appeal, agent, compliance):
    for person in (agent, compliance):
        with pytest.raises(PortalError, match="took part") as refused:
            services.appeal_assign(appeal=clearance_appeal, actor=person)
        assert refused.value.status_code == 403
    reviewer = StaffFactory(group="Appeals reviewer")
    with pytest.raises(PortalError, match="took part"):
        services.appeal_assign(appeal=clearance_appeal, actor=reviewer, assignee=agent)
    clearance_appeal.refresh_from_db()
    assert clearance_appeal.assignee is None


def test_reversing_a_clearance_waits_for_a_supervisor_other_than_the_decider(clearance_appeal, compliance, clearance):
    reviewer = StaffFactory(group="Supervisor")
    services.appeal_assign(appeal=clearance_appeal, actor=reviewer)
    appeal = services.appeal_decide(
        appeal=clearance_appeal, actor=reviewer, outcome="overturned", reason="The trading account was a relative's."
    )
    account = CreditAccount.objects.get(pk=clearance.account_id)
    assert appeal.status == "awaiting_approval"
    assert (account.credit_limit, account.status) == (Decimal("0.00"), "cleared")

    with pytest.raises(PortalError, match="four eyes"):
        services.appeal_approval_decide(appeal=appeal, actor=reviewer, approve=True)
    with pytest.raises(PortalError, match="took part"):
        services.appeal_approval_decide(appeal=appeal, actor=compliance, approve=True)
    account.refresh_from_db()
    assert account.status == "cleared"

    approver = StaffFactory(group="Supervisor")
    appeal = services.appeal_approval_decide(appeal=appeal, actor=approver, approve=True, note="Agreed.")
    account.refresh_from_db()
    assert appeal.status == "decided"
    assert (account.credit_limit, account.status) == (Decimal("40000.00"), "active")
    assert appeal.restoration.kind == LimitChange.Kind.RESTORATION
    assert appeal.restoration.decided_by_user == reviewer


# --- rejected closure requests -----------------------------------------------------------------


@pytest.fixture
def rejected_request(borrower, monkeypatch):
    """A request to lower 50,000 to 30,000 that could not be applied: a risk review cut the
    limit to 20,000 during the cooling-off period. The cut was later reversed."""
    monkeypatch.setattr(closure_services.secrets, "randbelow", lambda _limit: 123456)
    account = credit_account(customer=borrower.customer, credit_limit="50000.00")
    closure_request = closure_services.closure_request_draft_create(
        user=borrower, account=account, kind="lower", target_limit="30000"
    )
    closure_services.closure_request_impact_acknowledge(closure_request=closure_request, user=borrower)
    closure_services.closure_request_reason_set(closure_request=closure_request, user=borrower, reason="other")
    closure_services.closure_verification_code_send(closure_request=closure_request, user=borrower)
    closure_services.closure_request_verify(closure_request=closure_request, user=borrower, code="123456")
    closure_request = closure_services.closure_request_submit(closure_request=closure_request, user=borrower)
    limit_change_apply(
        account=account,
        kind=LimitChange.Kind.RISK_REDUCTION,
        new_limit="20000.00",
        reason_codes=["score_drop"],
        decided_by=LimitChange.DecidedBy.POLICY,
    )
    ClosureRequest.objects.filter(pk=closure_request.pk).update(
        cooling_off_ends_at=closure_request.cooling_off_ends_at - timedelta(days=3)
    )
    processor = StaffFactory(group="Appeals reviewer")
    closure_services.closure_request_complete(closure_request_id=closure_request.pk, actor=processor)
    closure_request.refresh_from_db()
    closure_request.processor = processor
    limit_change_apply(
        account=account,
        kind=LimitChange.Kind.RESTORATION,
        new_limit="50000.00",
        reason_codes=["appeal_outcome"],
        decided_by=LimitChange.DecidedBy.STAFF,
        consent="appeal",
    )
    return closure_request


def appeal_request(borrower, closure_request, **kwargs):
    return services.appeal_submit(
        user=borrower,
        closure_request=closure_request,
        grounds=kwargs.pop("grounds", "disagree"),
        statement=kwargs.pop("statement", "I asked for a lower limit and still want it."),
        desired_outcome=kwargs.pop("desired_outcome", "apply"),
        **kwargs,
    )


def test_a_rejected_request_can_be_appealed_and_the_appeal_carries_it(borrower, rejected_request):
    assert rejected_request.status == "rejected"
    appeal = appeal_request(borrower, rejected_request)

    assert appeal.closure_request == rejected_request
    assert appeal.limit_change is None
    assert appeal.account == rejected_request.account
    assert appeal.decision_snapshot["closure_request"] == rejected_request.reference
    assert appeal.decision_snapshot["rejection_reason"] == rejected_request.rejection_reason
    assert list(Appeal.objects.for_customer(borrower)) == [appeal]


def test_only_carrying_out_the_request_can_be_asked_for(borrower, rejected_request):
    with pytest.raises(PortalError) as refused:
        appeal_request(borrower, rejected_request, desired_outcome="restore")
    assert refused.value.field == "desired_outcome"
    assert not Appeal.objects.exists()


def test_duplicate_and_late_appeals_on_a_request_are_refused(borrower, rejected_request):
    appeal_request(borrower, rejected_request)
    with pytest.raises(PortalError) as duplicate:
        appeal_request(borrower, rejected_request)
    assert duplicate.value.code == "appeal_duplicate"

    ClosureRequest.objects.filter(pk=rejected_request.pk).update(
        rejected_at=rejected_request.rejected_at - timedelta(days=deadline_profile().appeal_window_days + 1)
    )
    Appeal.objects.update(status="withdrawn")
    with pytest.raises(PortalError) as late:
        appeal_request(borrower, rejected_request)
    assert late.value.code == "appeal_late"


def test_requests_that_were_not_rejected_or_are_not_yours_cannot_be_appealed(
    borrower, other_borrower, rejected_request
):
    with pytest.raises(PortalError) as not_found:
        appeal_request(other_borrower, rejected_request)
    assert not_found.value.status_code == 404
    ClosureRequest.objects.filter(pk=rejected_request.pk).update(status="completed")
    with pytest.raises(PortalError, match="could not apply"):
        appeal_request(borrower, rejected_request)


def test_whoever_rejected_the_request_by_hand_may_not_review_the_appeal(borrower, rejected_request):
    appeal = appeal_request(borrower, rejected_request)
    with pytest.raises(PortalError, match="took part"):
        services.appeal_assign(appeal=appeal, actor=rejected_request.processor)


def test_who_rejected_the_request_is_read_from_the_request_itself(borrower, rejected_request, reviewer):
    """Recusal reads the request's ``rejected_by``, not the audit log: whoever the field names
    is recused, and the audit log's actor alone recuses no one."""
    ClosureRequest.objects.filter(pk=rejected_request.pk).update(rejected_by=reviewer)
    appeal = appeal_request(borrower, rejected_request)
    with pytest.raises(PortalError, match="took part"):
        services.appeal_assign(appeal=appeal, actor=reviewer)
    assert (
        services.appeal_assign(appeal=appeal, actor=rejected_request.processor).assignee == rejected_request.processor
    )


def test_overturning_carries_the_request_out_through_the_ledger(borrower, rejected_request, reviewer):
    appeal = appeal_request(borrower, rejected_request)
    services.appeal_assign(appeal=appeal, actor=reviewer)
    with pytest.raises(PortalError, match="partly"):
        services.appeal_decide(appeal=appeal, actor=reviewer, outcome="partly_overturned", reason="Half.")

    appeal = services.appeal_decide(
        appeal=appeal, actor=reviewer, outcome="overturned", reason="The limit is back, so we lower it as asked."
    )
    account = CreditAccount.objects.get(pk=rejected_request.account_id)
    assert appeal.status == "decided"
    assert account.credit_limit == Decimal("30000.00")
    assert (appeal.restoration.kind, appeal.restoration.decided_by) == ("voluntary_reduction", "appeal")
    decided = Notification.objects.filter(recipient=borrower, kind="appeal.decided_overturned").get()
    assert rejected_request.reference in decided.body


def test_the_receipt_and_the_notice_offer_the_appeal_and_the_form_shows_the_request(client, borrower, rejected_request):
    client.force_login(borrower)
    create_url = reverse("appeals:create_for_request", args=[rejected_request.pk])
    receipt = client.get(
        reverse(
            "closure_receipt", kwargs={"account_id": rejected_request.account_id, "request_id": rejected_request.pk}
        )
    ).content.decode()
    assert create_url in receipt
    notice = Notification.objects.get(recipient=borrower, kind="closure_rejected")
    assert create_url in client.get(reverse("notification_detail", args=[notice.pk])).content.decode()

    form = client.get(create_url).content.decode()
    assert rejected_request.reference in form
    response = client.post(
        create_url, {"grounds": "disagree", "statement": "Please lower it as I asked.", "desired_outcome": "apply"}
    )
    appeal = Appeal.objects.get()
    assert response["Location"] == reverse("appeals:detail", args=[appeal.pk])
    detail = client.get(response["Location"]).content.decode()
    assert rejected_request.reference in detail


def test_another_borrower_guessing_the_request_id_gets_404(client, other_borrower, rejected_request):
    client.force_login(other_borrower)
    assert client.get(reverse("appeals:create_for_request", args=[rejected_request.pk])).status_code == 404


def test_the_api_files_an_appeal_against_a_rejected_request(client, borrower, rejected_request):
    client.force_login(borrower)
    response = client.post(
        "/api/v1/appeals/",
        {
            "closure_request": rejected_request.pk,
            "grounds": "disagree",
            "statement": "Lower it.",
            "desired_outcome": "apply",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["closure_request"] == rejected_request.pk
    assert response.json()["limit_change"] is None
    both = client.post(
        "/api/v1/appeals/",
        {
            "closure_request": rejected_request.pk,
            "limit_change": 1,
            "grounds": "disagree",
            "statement": "x",
            "desired_outcome": "apply",
        },
        content_type="application/json",
    )
    assert both.status_code == 400


def test_the_review_page_shows_the_clearance_and_who_may_not_review(client, clearance_appeal, clearance, compliance):
    reviewer = StaffFactory(group="Appeals reviewer", preferred_language="en")
    client.force_login(reviewer)
    page = client.get(reverse("admin:appeals_appeal_review", args=[clearance_appeal.pk])).content.decode()
    assert clearance.reference in page
    assert reverse("admin:accounts_clearancecase_decide", args=[clearance.pk]) in page

    client.force_login(compliance)
    response = client.post(reverse("admin:appeals_appeal_review", args=[clearance_appeal.pk]), {"action": "assign"})
    assert response.status_code == 403
    clearance_appeal.refresh_from_db()
    assert clearance_appeal.assignee is None


def test_the_review_page_shows_the_rejected_request(client, borrower, rejected_request):
    appeal = appeal_request(borrower, rejected_request)
    client.force_login(StaffFactory(group="Appeals reviewer", preferred_language="en"))
    page = client.get(reverse("admin:appeals_appeal_review", args=[appeal.pk])).content.decode()
    assert rejected_request.reference in page
    assert rejected_request.rejection_reason in page
    queue = client.get(reverse("admin:appeals_appeal_changelist")).content.decode()
    assert appeal.reference in queue
