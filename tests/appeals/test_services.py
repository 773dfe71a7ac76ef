"""The appeal state machine, recusal and four eyes, through the services."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import CreditAccount, LimitChange, PolicyVersion
from appeals import services
from appeals.models import Appeal, AppealApproval, AppealEvent, AppealMessage
from portal.exceptions import PortalError
from portal.models import AuditEvent, Notification
from tests.appeals.conftest import file_appeal, pdf, reduction
from tests.appeals.factories import PolicyVersionFactory, RiskDecisionFactory
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def _notices(user, kind):
    return Notification.objects.filter(recipient=user, kind=kind)


def _audited(appeal, action):
    return AuditEvent.objects.for_target(appeal).filter(action=f"appeal.{action}").exists()


def test_submitting_gives_a_reference_a_due_date_a_snapshot_and_an_acknowledgement(
    borrower, decision, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        appeal = file_appeal(borrower, decision, files=[pdf()])

    year = timezone.localtime(appeal.created_at).year
    assert appeal.reference == f"AP-{year}-{appeal.pk:06d}"
    assert appeal.status == Appeal.Status.SUBMITTED
    assert appeal.due_at == appeal.created_at + timedelta(days=15)
    assert appeal.decision_snapshot["reason_codes"] == ["score_drop"]
    assert appeal.decision_snapshot["new_limit"] == "30000.00"
    assert appeal.evidence.count() == 1
    notice = _notices(borrower, "appeal.received").get()
    assert appeal.reference in notice.title
    assert [message.subject for message in mailoutbox] == [notice.email_subject]
    assert _audited(appeal, "submitted")


def test_snapshot_carries_the_risk_decision_inputs_and_policy(borrower):
    policy = PolicyVersion.objects.get(name="Baseline")
    change = reduction(borrower.customer, policy_version=policy)
    RiskDecisionFactory(limit_change=change, policy_version=policy, inputs={"score_from": 750, "score_to": 680})
    appeal = file_appeal(borrower, change)
    assert appeal.decision_snapshot["inputs"] == {"score_from": 750, "score_to": 680}
    assert appeal.decision_snapshot["policy_version"] == policy.label


def test_snapshot_of_a_decision_without_a_policy_names_none(appeal):
    assert appeal.decision_snapshot["policy_version"] == ""


def test_second_appeal_on_same_decision_is_refused(borrower, appeal, decision):
    with pytest.raises(PortalError, match=appeal.reference):
        file_appeal(borrower, decision)
    assert Appeal.objects.count() == 1


def test_a_new_appeal_is_accepted_after_the_first_is_withdrawn(borrower, appeal, decision):
    services.appeal_withdraw(appeal=appeal, user=borrower)
    assert file_appeal(borrower, decision).status == Appeal.Status.SUBMITTED


def test_late_appeal_is_refused(borrower, decision, clock):
    clock.move_to(decision.appeal_deadline + timedelta(minutes=1))
    with pytest.raises(PortalError, match="deadline for appealing"):
        file_appeal(borrower, decision)
    assert Appeal.objects.count() == 0


def test_empty_statement_is_refused(borrower, decision):
    with pytest.raises(PortalError) as error:
        file_appeal(borrower, decision, statement="   ")
    assert error.value.field == "statement"
    assert Appeal.objects.count() == 0


def test_a_change_the_borrower_asked_for_cannot_be_appealed(borrower):
    account = CreditAccount.objects.get(pk=reduction(borrower.customer).account_id)
    opening = account.limit_changes.get(kind=LimitChange.Kind.OPENING)
    with pytest.raises(PortalError, match="cannot be appealed"):
        file_appeal(borrower, opening)


def test_another_borrowers_decision_is_not_found(other_borrower, decision):
    with pytest.raises(PortalError) as error:
        file_appeal(other_borrower, decision)
    assert error.value.status_code == 404


def test_assigning_starts_the_review_and_tells_the_borrower(borrower, appeal, reviewer):
    appeal = services.appeal_assign(appeal=appeal, actor=reviewer)
    assert appeal.status == Appeal.Status.UNDER_REVIEW
    assert appeal.assignee == reviewer
    assert _notices(borrower, "appeal.under_review").exists()
    assert _audited(appeal, "assigned")


def test_staff_without_permission_cannot_assign(appeal):
    agent = StaffFactory(group="Support agent")
    with pytest.raises(PortalError) as error:
        services.appeal_assign(appeal=appeal, actor=agent)
    assert error.value.status_code == 403
    assert Appeal.objects.get().assignee is None


def test_information_request_pauses_the_clock_and_the_answer_resumes_it(borrower, assigned, reviewer, clock):
    due = assigned.due_at
    appeal = services.appeal_information_request(appeal=assigned, actor=reviewer, message="Send your bank statement.")
    assert appeal.status == Appeal.Status.INFORMATION_REQUESTED
    assert _notices(borrower, "appeal.information_requested").exists()

    clock.shift(timedelta(days=2))
    appeal = services.appeal_borrower_reply(appeal=appeal, user=borrower, body="Attached.", files=[pdf()])

    assert appeal.status == Appeal.Status.UNDER_REVIEW
    assert appeal.sla_paused_at is None
    assert abs(appeal.due_at - (due + timedelta(days=2))) < timedelta(seconds=5)
    assert appeal.evidence.get().message.body == "Attached."


def test_only_the_assignee_may_request_information(assigned):
    colleague = StaffFactory(group="Appeals reviewer")
    with pytest.raises(PortalError, match="assigned reviewer"):
        services.appeal_information_request(appeal=assigned, actor=colleague, message="?")
    assert Appeal.objects.get().status == Appeal.Status.UNDER_REVIEW


def test_deciding_while_waiting_for_the_borrower_is_refused(assigned, reviewer):
    # (Deciding an unassigned appeal assigns it: tests/appeals/test_workbench_decision.py.)
    services.appeal_information_request(appeal=assigned, actor=reviewer, message="Send the letter.")
    with pytest.raises(PortalError, match="under review"):
        services.appeal_decide(appeal=assigned, actor=reviewer, outcome="upheld", reason="No.")
    assert Appeal.objects.get().status == Appeal.Status.INFORMATION_REQUESTED


def test_deciding_needs_a_reason(assigned, reviewer):
    with pytest.raises(PortalError) as error:
        services.appeal_decide(appeal=assigned, actor=reviewer, outcome="upheld", reason="")
    assert error.value.field == "reason"


def test_upheld_sends_the_final_notice_with_rights(borrower, assigned, reviewer):
    appeal = services.appeal_decide(appeal=assigned, actor=reviewer, outcome="upheld", reason="The data is right.")
    assert appeal.status == Appeal.Status.DECIDED
    notice = _notices(borrower, "appeal.decided_upheld").get()
    assert "12378" in notice.body
    assert "The data is right." in notice.body
    assert CreditAccount.objects.get().credit_limit == Decimal("30000.00")


def test_small_overturn_restores_the_limit_through_the_ledger(borrower, reviewer):
    change = reduction(borrower.customer, before="50000.00", after="45000.00")
    appeal = file_appeal(borrower, change)
    services.appeal_assign(appeal=appeal, actor=reviewer)

    appeal = services.appeal_decide(appeal=appeal, actor=reviewer, outcome="overturned", reason="Score was wrong.")

    assert appeal.status == Appeal.Status.DECIDED
    restoration = appeal.restoration
    assert restoration.kind == LimitChange.Kind.RESTORATION
    assert restoration.decided_by == LimitChange.DecidedBy.APPEAL
    assert restoration.reason_codes == ["appeal_outcome"]
    assert restoration.new_limit == Decimal("50000.00")
    assert restoration.notice is not None
    assert CreditAccount.objects.get(pk=change.account_id).credit_limit == Decimal("50000.00")
    assert _notices(borrower, "appeal.decided_overturned").exists()
    assert _audited(appeal, "decided")


def test_partial_overturn_needs_a_limit_between_new_and_previous(borrower, reviewer):
    change = reduction(borrower.customer, before="50000.00", after="45000.00")
    appeal = services.appeal_assign(appeal=file_appeal(borrower, change), actor=reviewer)
    with pytest.raises(PortalError) as error:
        services.appeal_decide(
            appeal=appeal, actor=reviewer, outcome="partly_overturned", reason="Part.", restored_limit="60000"
        )
    assert error.value.field == "restored_limit"
    appeal = services.appeal_decide(
        appeal=appeal, actor=reviewer, outcome="partly_overturned", reason="Part.", restored_limit="48000"
    )
    assert appeal.restoration.new_limit == Decimal("48000.00")


def test_unfreezing_restores_the_status(borrower, reviewer):
    from accounts.credit.services import limit_change_apply
    from tests.factories import credit_account

    account = credit_account(customer=borrower.customer, credit_limit="8000.00")
    freeze = limit_change_apply(
        account=account,
        kind=LimitChange.Kind.RISK_FREEZE,
        new_status="frozen",
        reason_codes=["linked_overdue"],
        decided_by=LimitChange.DecidedBy.POLICY,
    )
    appeal = services.appeal_assign(appeal=file_appeal(borrower, freeze, desired_outcome="unfreeze"), actor=reviewer)
    services.appeal_decide(appeal=appeal, actor=reviewer, outcome="overturned", reason="Paid already.")
    account.refresh_from_db()
    assert account.status == CreditAccount.Status.ACTIVE


def test_large_overturn_waits_for_a_supervisor_other_than_the_decider(borrower, assigned, reviewer, supervisor):
    appeal = services.appeal_decide(appeal=assigned, actor=reviewer, outcome="overturned", reason="Error.")

    assert appeal.status == Appeal.Status.AWAITING_APPROVAL
    assert appeal.restoration is None
    assert CreditAccount.objects.get().credit_limit == Decimal("30000.00")
    assert _notices(supervisor, "appeal_staff.approval_needed").exists()
    assert _notices(borrower, "appeal.awaiting_approval").exists()

    appeal = services.appeal_approval_decide(appeal=appeal, actor=supervisor, approve=True)

    assert appeal.status == Appeal.Status.DECIDED
    assert CreditAccount.objects.get().credit_limit == Decimal("50000.00")
    assert AppealApproval.objects.get().approver == supervisor
    assert _notices(borrower, "appeal.decided_overturned").exists()
    assert _audited(appeal, "approved")


def test_the_decider_cannot_approve_their_own_overturn(borrower, decision, supervisor, other_supervisor):
    appeal = services.appeal_assign(appeal=file_appeal(borrower, decision), actor=supervisor)
    appeal = services.appeal_decide(appeal=appeal, actor=supervisor, outcome="overturned", reason="Error.")
    with pytest.raises(PortalError, match="four eyes"):
        services.appeal_approval_decide(appeal=appeal, actor=supervisor, approve=True)
    assert CreditAccount.objects.get().credit_limit == Decimal("30000.00")
    services.appeal_approval_decide(appeal=appeal, actor=other_supervisor, approve=True)
    assert CreditAccount.objects.get().credit_limit == Decimal("50000.00")


def test_a_reviewer_cannot_approve(assigned, reviewer):
    appeal = services.appeal_decide(appeal=assigned, actor=reviewer, outcome="overturned", reason="Error.")
    other_reviewer = StaffFactory(group="Appeals reviewer")
    with pytest.raises(PortalError) as error:
        services.appeal_approval_decide(appeal=appeal, actor=other_reviewer, approve=True)
    assert error.value.status_code == 403


def test_sending_back_returns_the_appeal_to_review(borrower, assigned, reviewer, supervisor):
    appeal = services.appeal_decide(appeal=assigned, actor=reviewer, outcome="overturned", reason="Error.")
    with pytest.raises(PortalError):
        services.appeal_approval_decide(appeal=appeal, actor=supervisor, approve=False, note="")
    appeal = services.appeal_approval_decide(appeal=appeal, actor=supervisor, approve=False, note="Check the data.")
    assert appeal.status == Appeal.Status.UNDER_REVIEW
    assert appeal.outcome == ""
    assert CreditAccount.objects.get().credit_limit == Decimal("30000.00")
    assert _notices(reviewer, "appeal_staff.approval_rejected").exists()


def test_reversing_a_clearance_always_needs_approval(borrower, reviewer):
    change = reduction(
        borrower.customer,
        before="5000.00",
        after="0",
        kind=LimitChange.Kind.CLEARANCE,
        decided_by=LimitChange.DecidedBy.STAFF,
        decided_by_user=StaffFactory(),
        reason_codes=["score_drop"],
    )
    appeal = services.appeal_assign(appeal=file_appeal(borrower, change), actor=reviewer)
    appeal = services.appeal_decide(appeal=appeal, actor=reviewer, outcome="overturned", reason="Not fraud.")
    assert appeal.status == Appeal.Status.AWAITING_APPROVAL


def test_the_staff_member_who_decided_cannot_review(borrower):
    decider = StaffFactory(group="Appeals reviewer")
    change = reduction(borrower.customer, decided_by=LimitChange.DecidedBy.STAFF, decided_by_user=decider)
    appeal = file_appeal(borrower, change)
    with pytest.raises(PortalError, match="took part"):
        services.appeal_assign(appeal=appeal, actor=decider)
    assert Appeal.objects.get().assignee is None


def test_policy_authors_and_approvers_cannot_review(borrower, supervisor):
    author = StaffFactory(group="Supervisor")
    policy = PolicyVersion.objects.get(name="Baseline")
    PolicyVersion.objects.filter(pk=policy.pk).update(created_by=author, activated_by=supervisor)
    change = reduction(borrower.customer, policy_version=policy)
    appeal = file_appeal(borrower, change)
    for person in (author, supervisor):
        with pytest.raises(PortalError, match="took part"):
            services.appeal_assign(appeal=appeal, actor=person)


def test_whoever_switched_on_the_risk_decisions_policy_cannot_review(borrower, reviewer):
    """Recusal follows the risk decision's policy foreign key: the ledger row names no policy
    and carries no text label, yet the person who switched the policy on is still recused."""
    change = reduction(borrower.customer)
    policy = RiskDecisionFactory(limit_change=change).policy_version
    appeal = file_appeal(borrower, change)
    assert change.policy_version is None
    with pytest.raises(PortalError, match="took part"):
        services.appeal_assign(appeal=appeal, actor=policy.activated_by)
    assert services.appeal_assign(appeal=appeal, actor=reviewer).assignee == reviewer


def test_the_author_of_the_ledger_rows_policy_cannot_review(borrower):
    policy = PolicyVersionFactory(created_by=StaffFactory(group="Appeals reviewer"))
    appeal = file_appeal(borrower, reduction(borrower.customer, policy_version=policy))
    assert appeal.decision_snapshot["policy_version"] == f"v{policy.pk}"
    with pytest.raises(PortalError, match="took part"):
        services.appeal_assign(appeal=appeal, actor=policy.created_by)


def test_risk_decision_approver_cannot_approve_the_overturn(borrower, reviewer, supervisor, other_supervisor):
    policy = PolicyVersion.objects.get(name="Baseline")
    change = reduction(borrower.customer, decided_by_user=supervisor, policy_version=policy)
    RiskDecisionFactory(limit_change=change, policy_version=policy, reviewed_by=supervisor)
    appeal = services.appeal_assign(appeal=file_appeal(borrower, change), actor=reviewer)
    appeal = services.appeal_decide(appeal=appeal, actor=reviewer, outcome="overturned", reason="Error.")
    with pytest.raises(PortalError, match="took part"):
        services.appeal_approval_decide(appeal=appeal, actor=supervisor, approve=True)
    services.appeal_approval_decide(appeal=appeal, actor=other_supervisor, approve=True)


def test_withdrawing_before_a_decision(borrower, assigned):
    appeal = services.appeal_withdraw(appeal=assigned, user=borrower)
    assert appeal.status == Appeal.Status.WITHDRAWN
    assert _notices(borrower, "appeal.withdrawn").exists()


def test_withdrawing_after_a_decision_is_refused(borrower, assigned, reviewer):
    services.appeal_decide(appeal=assigned, actor=reviewer, outcome="upheld", reason="No.")
    with pytest.raises(PortalError, match="no longer be withdrawn"):
        services.appeal_withdraw(appeal=assigned, user=borrower)
    assert Appeal.objects.get().status == Appeal.Status.DECIDED


def test_another_borrower_cannot_withdraw(other_borrower, appeal):
    with pytest.raises(PortalError) as error:
        services.appeal_withdraw(appeal=appeal, user=other_borrower)
    assert error.value.status_code == 404


def test_extension_once_with_a_notice(borrower, assigned, reviewer):
    due = assigned.due_at
    appeal = services.appeal_deadline_extend(appeal=assigned, actor=reviewer, reason="We must ask the credit bureau.")
    assert appeal.due_at == due + timedelta(days=15)
    assert _notices(borrower, "appeal.extended").exists()
    with pytest.raises(PortalError, match="once"):
        services.appeal_deadline_extend(appeal=appeal, actor=reviewer, reason="Again.")


def test_other_profiles_are_configuration(borrower, decision, settings):
    settings.APPEAL_JURISDICTION = "UK"
    appeal = file_appeal(borrower, decision)
    assert appeal.due_at == appeal.created_at + timedelta(days=56)


def test_replies_and_internal_notes(borrower, assigned, reviewer):
    services.appeal_staff_reply(appeal=assigned, actor=reviewer, body="We are checking.")
    services.appeal_staff_reply(appeal=assigned, actor=reviewer, body="Looks like a bureau error.", internal=True)
    assert _notices(borrower, "appeal.staff_replied").count() == 1
    assert AppealMessage.objects.filter(visibility="internal").count() == 1
    assert AppealEvent.objects.filter(kind="internal_note", public=False).exists()
    assert _audited(assigned, "internal_note")


def test_escalation_tells_the_supervisors(assigned, reviewer, supervisor):
    services.appeal_escalate(appeal=assigned, actor=reviewer, note="Borrower threatens a complaint.")
    assert _notices(supervisor, "appeal_staff.escalated").exists()
    assert _audited(assigned, "escalated")


def test_second_level_review_by_an_uninvolved_supervisor(borrower, assigned, reviewer, supervisor, clock):
    services.appeal_decide(appeal=assigned, actor=reviewer, outcome="upheld", reason="No.")
    appeal = services.appeal_second_review_request(appeal=assigned, user=borrower, reason="You missed my statement.")
    assert appeal.status == Appeal.Status.SECOND_REVIEW
    with pytest.raises(PortalError):
        services.appeal_assign(appeal=appeal, actor=reviewer)
    appeal = services.appeal_assign(appeal=appeal, actor=supervisor)
    assert appeal.second_reviewer == supervisor
    appeal = services.appeal_decide(appeal=appeal, actor=supervisor, outcome="upheld", reason="Still right.")
    assert appeal.status == Appeal.Status.CLOSED
    assert appeal.second_review_outcome == "upheld"


def test_second_level_review_must_be_asked_in_time(borrower, assigned, reviewer, clock):
    services.appeal_decide(appeal=assigned, actor=reviewer, outcome="upheld", reason="No.")
    clock.shift(timedelta(days=16))
    with pytest.raises(PortalError, match="within 15 days"):
        services.appeal_second_review_request(appeal=assigned, user=borrower, reason="Please.")
    assert Appeal.objects.get().status == Appeal.Status.DECIDED


def test_second_level_review_only_after_upheld(borrower, reviewer):
    change = reduction(borrower.customer, before="50000.00", after="45000.00")
    appeal = services.appeal_assign(appeal=file_appeal(borrower, change), actor=reviewer)
    services.appeal_decide(appeal=appeal, actor=reviewer, outcome="overturned", reason="Yes.")
    with pytest.raises(PortalError, match="upheld"):
        services.appeal_second_review_request(appeal=appeal, user=borrower, reason="More.")
