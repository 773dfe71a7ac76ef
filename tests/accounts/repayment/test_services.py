"""The rules of each repayment option, through the services."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.credit.services import limit_change_apply
from accounts.models import CoreInstruction, LimitChange, RepaymentInstallment, RepaymentInstruction, User
from accounts.repayment import services
from portal.exceptions import PortalError
from portal.models import AuditEvent, Notification
from tests.accounts.repayment.conftest import SHANGHAI
from tests.factories import StaffFactory, installment_schedule

pytestmark = pytest.mark.django_db

Status = RepaymentInstruction.Status
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def sent_to_core(instruction):
    return CoreInstruction.objects.get(subject_reference=str(instruction.reference))


def confirm(instruction, data=None):
    return services.repayment_outcome_record(
        kind=instruction.kind,
        subject_reference=str(instruction.reference),
        outcome="confirmed",
        detail="done",
        data=data or {},
    )


# --- early repayment ----------------------------------------------------------------------------


def test_full_quote_states_what_is_owed_today_and_the_interest_saved(borrower, account):
    quote = services.early_repayment_quote(user=borrower, account_id=account.pk)

    # 16 days since 15 November at 0.05 % a day on 12,000.00 is 96.00; the schedule would collect 13,200.00.
    assert quote.full
    assert quote.accrued_interest == Decimal("96.00")
    assert quote.owed_today == Decimal("12096.00")
    assert quote.amount == Decimal("12096.00")
    assert quote.interest_saved == Decimal("1104.00")


def test_quote_holds_until_the_end_of_the_day_in_shanghai(borrower, account):
    quote = services.early_repayment_quote(user=borrower, account_id=account.pk)

    assert quote.valid_until == datetime(2026, 12, 1, 23, 59, 59, tzinfo=SHANGHAI)


def test_quote_holds_the_configured_minutes(borrower, account, now, settings):
    settings.REPAYMENT_QUOTE_MINUTES = 30

    quote = services.early_repayment_quote(user=borrower, account_id=account.pk)

    assert quote.valid_until == now + timedelta(minutes=30)


def test_quote_past_its_validity_is_refused_and_nothing_is_sent(borrower, account, time_machine):
    quote = services.early_repayment_quote(user=borrower, account_id=account.pk)
    time_machine.move_to(datetime(2026, 12, 2, 0, 0, 1, tzinfo=SHANGHAI), tick=False)

    with pytest.raises(PortalError) as refused:
        services.early_repayment_request(user=borrower, account_id=account.pk, quote_reference=quote.reference)

    assert refused.value.code == "quote_expired"
    assert "expired" in refused.value.message
    assert not RepaymentInstruction.objects.exists()
    assert not CoreInstruction.objects.exists()


@pytest.mark.parametrize("amount", ["0", "-1", "12096.00", "50000", "abc"])
def test_partial_amount_outside_nothing_and_everything_owed_is_refused(borrower, account, amount):
    with pytest.raises(PortalError) as refused:
        services.early_repayment_quote(user=borrower, account_id=account.pk, amount=amount)

    assert refused.value.field == "amount"
    assert not account.repayment_quotes.exists()


def test_early_repayment_goes_to_the_core_system_and_is_audited(borrower, account):
    quote = services.early_repayment_quote(user=borrower, account_id=account.pk, amount="5000.00")

    instruction = services.early_repayment_request(
        user=borrower, account_id=account.pk, quote_reference=quote.reference
    )

    assert instruction.status == Status.SENT
    core = sent_to_core(instruction)
    assert core.kind == "repayment.early_repayment"
    assert core.payload["amount"] == "5000.00"
    assert core.payload["full"] is False
    assert AuditEvent.objects.filter(action="repayment.requested", target_id=str(account.pk)).exists()


def test_a_quote_is_used_once(borrower, account):
    quote = services.early_repayment_quote(user=borrower, account_id=account.pk)
    services.early_repayment_request(user=borrower, account_id=account.pk, quote_reference=quote.reference)

    with pytest.raises(PortalError) as refused:
        services.early_repayment_request(user=borrower, account_id=account.pk, quote_reference=quote.reference)

    assert refused.value.code == "quote_used"
    assert RepaymentInstruction.objects.count() == 1


def test_nothing_owed_cannot_be_quoted(borrower, account):
    account.outstanding_balance = Decimal("0.00")
    account.save(update_fields=["outstanding_balance"])

    with pytest.raises(PortalError) as refused:
        services.early_repayment_quote(user=borrower, account_id=account.pk)

    assert refused.value.code == "no_balance"


# --- due day ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("due_day", [0, 29, 31, -1, "abc", ""])
def test_due_day_outside_1_to_28_is_refused(borrower, account, due_day):
    with pytest.raises(PortalError) as refused:
        services.due_day_change_request(user=borrower, account_id=account.pk, due_day=due_day)

    assert refused.value.field == "due_day"
    assert "1 and 28" in refused.value.message
    assert not RepaymentInstruction.objects.exists()


def test_due_day_change_is_sent_with_the_moved_schedule_from_the_stated_instalment(borrower, account):
    instruction = services.due_day_change_request(user=borrower, account_id=account.pk, due_day=15)

    assert instruction.parameters == {"due_day": 15, "effective_from": "2026-12-20"}
    schedule = sent_to_core(instruction).payload["proposed_schedule"]
    assert schedule[0] == {"due_date": "2026-12-15", "amount_due": "1100.00"}
    assert len(schedule) == 12
    assert schedule[-1]["due_date"] == "2027-11-15"


def test_confirmed_due_day_change_moves_the_instalments(borrower, account):
    instruction = services.due_day_change_request(user=borrower, account_id=account.pk, due_day=15)

    confirm(instruction)

    open_dates = list(
        RepaymentInstallment.objects.filter(account=account, status="scheduled").values_list("due_date", flat=True)
    )
    assert len(open_dates) == 12
    assert {d.day for d in open_dates} == {15}
    assert RepaymentInstallment.objects.filter(account=account, status="paid").count() == 1
    instruction.refresh_from_db()
    assert instruction.status == Status.CONFIRMED


def test_second_due_day_change_within_a_year_is_refused(borrower, account, time_machine):
    first = services.due_day_change_request(user=borrower, account_id=account.pk, due_day=15)
    confirm(first)
    time_machine.move_to(datetime(2027, 6, 1, 10, 0, tzinfo=SHANGHAI), tick=False)

    with pytest.raises(PortalError) as refused:
        services.due_day_change_request(user=borrower, account_id=account.pk, due_day=3)

    assert refused.value.code == "due_day_once_a_year"
    assert RepaymentInstruction.objects.filter(kind="due_day_change").count() == 1


def test_due_day_can_change_again_after_a_year(borrower, account, time_machine):
    installment_schedule(account, first_due=date(2027, 12, 20), count=6, amount_due="1100.00")
    first = services.due_day_change_request(user=borrower, account_id=account.pk, due_day=15)
    confirm(first)
    time_machine.move_to(datetime(2027, 12, 2, 10, 0, tzinfo=SHANGHAI), tick=False)

    second = services.due_day_change_request(user=borrower, account_id=account.pk, due_day=3)

    assert second.status == Status.SENT


def test_a_refused_due_day_change_does_not_count_against_the_year(borrower, account):
    first = services.due_day_change_request(user=borrower, account_id=account.pk, due_day=15)
    services.repayment_outcome_record(
        kind=first.kind, subject_reference=str(first.reference), outcome="refused", detail="no", data={}
    )

    second = services.due_day_change_request(user=borrower, account_id=account.pk, due_day=10)

    assert second.status == Status.SENT
    assert {d.day for d in account.installments.filter(status="scheduled").values_list("due_date", flat=True)} == {20}


# --- the core system's answers -------------------------------------------------------------------------


def test_refused_answer_changes_nothing_and_tells_the_borrower(borrower, account):
    instruction = services.due_day_change_request(user=borrower, account_id=account.pk, due_day=15)

    services.repayment_outcome_record(
        kind=instruction.kind,
        subject_reference=str(instruction.reference),
        outcome="refused",
        detail="The schedule is locked this month.",
        data={},
    )

    instruction.refresh_from_db()
    assert instruction.status == Status.REFUSED
    assert instruction.core_detail == "The schedule is locked this month."
    assert {d.day for d in account.installments.filter(status="scheduled").values_list("due_date", flat=True)} == {20}
    notice = Notification.objects.get(recipient=borrower, kind="repayment_instruction")
    assert "The schedule is locked this month." in notice.body


def test_a_second_answer_to_the_same_instruction_is_refused(borrower, account):
    instruction = services.due_day_change_request(user=borrower, account_id=account.pk, due_day=15)
    confirm(instruction)

    with pytest.raises(PortalError) as refused:
        confirm(instruction)

    assert refused.value.code == "already_answered"
    assert Notification.objects.filter(kind="repayment_instruction").count() == 1


@pytest.mark.parametrize("reference", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_an_answer_for_an_unknown_instruction_is_refused(db, reference):
    with pytest.raises(PortalError) as refused:
        services.repayment_outcome_record(
            kind="due_day_change", subject_reference=reference, outcome="confirmed", detail="", data={}
        )

    assert refused.value.code == "unknown_instruction"


def test_a_schedule_with_a_negative_amount_is_refused_and_changes_nothing(borrower, account):
    instruction = services.due_day_change_request(user=borrower, account_id=account.pk, due_day=15)

    with pytest.raises(PortalError):
        confirm(instruction, data={"schedule": [{"due_date": "2026-12-15", "amount_due": "-1.00"}]})

    assert account.installments.filter(status="scheduled").count() == 12


def test_the_simulator_confirms_through_the_registered_handler(
    borrower, account, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CORE_SYSTEM_URL = ""

    with django_capture_on_commit_callbacks(execute=True):
        instruction = services.due_day_change_request(user=borrower, account_id=account.pk, due_day=15)

    instruction.refresh_from_db()
    assert instruction.status == Status.CONFIRMED
    assert {d.day for d in account.installments.filter(status="scheduled").values_list("due_date", flat=True)} == {15}


# --- automatic repayment ------------------------------------------------------------------------------


def test_autopay_cannot_be_turned_on_without_a_reported_source(borrower, account):
    with pytest.raises(PortalError) as refused:
        services.autopay_set(user=borrower, account_id=account.pk, enabled=True)

    assert refused.value.code == "no_source"
    assert not RepaymentInstruction.objects.exists()


def test_autopay_turns_on_only_when_the_core_system_confirms(borrower, account):
    account.repayment_source_masked = "招商银行 ****1234"
    account.save(update_fields=["repayment_source_masked"])

    instruction = services.autopay_set(user=borrower, account_id=account.pk, enabled=True)
    account.refresh_from_db()
    assert account.autopay_enabled is False

    confirm(instruction)
    account.refresh_from_db()
    assert account.autopay_enabled is True
    assert sent_to_core(instruction).payload == {"account": account.external_id, "enabled": True}


def test_a_second_autopay_instruction_waits_for_the_first(borrower, account):
    account.repayment_source_masked = "招商银行 ****1234"
    account.save(update_fields=["repayment_source_masked"])
    services.autopay_set(user=borrower, account_id=account.pk, enabled=True)

    with pytest.raises(PortalError) as refused:
        services.autopay_set(user=borrower, account_id=account.pk, enabled=True)

    assert refused.value.code == "pending"


# --- hardship ---------------------------------------------------------------------------------------------


def hardship(borrower, account, **kwargs):
    arguments = {"mode": "lower_payments", "months": 3, "reason": "I lost my job in November."} | kwargs
    return services.hardship_request(user=borrower, account_id=account.pk, **arguments)


@pytest.fixture
def agent(db):
    return StaffFactory(group="Support agent")


@pytest.fixture
def supervisor(db):
    return StaffFactory(group="Supervisor")


def test_hardship_on_a_cleared_line_is_refused(borrower, account):
    limit_change_apply(
        account=account,
        kind=LimitChange.Kind.CLEARANCE,
        new_limit="0.00",
        new_status="cleared",
        reason_codes=["fraud_suspicion"],
        decided_by=LimitChange.DecidedBy.STAFF,
        decided_by_user=StaffFactory(),
    )

    with pytest.raises(PortalError) as refused:
        hardship(borrower, account)

    assert refused.value.code == "cleared"
    assert not RepaymentInstruction.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"months": 0}, "months"), ({"months": 13}, "months"), ({"mode": "skip"}, "mode"), ({"reason": "  "}, "reason")],
)
def test_hardship_request_with_bad_input_is_refused(borrower, account, changes, field):
    with pytest.raises(PortalError) as refused:
        hardship(borrower, account, **changes)

    assert refused.value.field == field
    assert not RepaymentInstruction.objects.exists()


def test_lower_payments_must_be_shorter_than_the_remaining_term(borrower, account):
    with pytest.raises(PortalError) as refused:
        hardship(borrower, account, months=12)

    assert refused.value.code == "months_too_long"


def test_hardship_evidence_is_checked_like_appeal_evidence(borrower, account):
    upload = SimpleUploadedFile(
        "payslip.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf"
    )

    with pytest.raises(PortalError) as refused:
        hardship(borrower, account, evidence=upload)

    assert refused.value.code == "file_type"
    assert not RepaymentInstruction.objects.exists()


def test_hardship_evidence_is_kept_under_the_type_found(borrower, account, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("letter.html", PNG, content_type="text/html")

    instruction = hardship(borrower, account, evidence=upload)

    assert instruction.evidence_content_type == "image/png"
    assert services.hardship_evidence_path(instruction).read_bytes() == PNG


def test_agent_approval_shows_the_new_schedule_before_the_borrower_accepts(borrower, account, agent):
    request = hardship(borrower, account)

    offered = services.hardship_decide(actor=agent, instruction_id=request.pk, approve=True)

    assert offered.status == Status.OFFERED
    assert len(offered.proposed_schedule) == 12
    assert offered.proposed_schedule[-1]["due_date"] == "2027-11-20"
    assert Decimal(offered.proposed_schedule[0]["amount_due"]) < Decimal("1100.00")
    assert not CoreInstruction.objects.exists()
    assert account.installments.filter(status="scheduled", due_date__day=20).count() == 12
    assert Notification.objects.filter(recipient=borrower, kind="repayment_instruction").count() == 1
    assert AuditEvent.objects.filter(action="repayment.hardship_approved", actor=agent).exists()


def test_accepted_plan_is_sent_and_replaces_the_schedule_once_confirmed(borrower, account, agent):
    request = hardship(borrower, account)
    offered = services.hardship_decide(actor=agent, instruction_id=request.pk, approve=True)

    sent = services.hardship_answer(user=borrower, account_id=account.pk, reference=offered.reference, accept=True)
    assert sent.status == Status.SENT
    assert sent_to_core(sent).payload["proposed_schedule"] == offered.proposed_schedule

    confirm(sent, data={"schedule": offered.proposed_schedule})
    amounts = list(
        account.installments.filter(status="scheduled").order_by("due_date").values_list("amount_due", flat=True)
    )
    assert [str(a) for a in amounts] == [row["amount_due"] for row in offered.proposed_schedule]
    assert sum(amounts) >= account.outstanding_balance


def test_declining_the_plan_changes_nothing(borrower, account, agent):
    request = hardship(borrower, account)
    offered = services.hardship_decide(actor=agent, instruction_id=request.pk, approve=True)

    declined = services.hardship_answer(user=borrower, account_id=account.pk, reference=offered.reference, accept=False)

    assert declined.status == Status.DECLINED
    assert not CoreInstruction.objects.exists()
    with pytest.raises(PortalError):
        services.hardship_answer(user=borrower, account_id=account.pk, reference=offered.reference, accept=True)


def test_rejection_needs_a_reason_and_tells_the_borrower(borrower, account, agent):
    request = hardship(borrower, account)

    with pytest.raises(PortalError) as refused:
        services.hardship_decide(actor=agent, instruction_id=request.pk, approve=False, note="")
    assert refused.value.field == "note"

    rejected = services.hardship_decide(
        actor=agent, instruction_id=request.pk, approve=False, note="Your income has not changed."
    )
    assert rejected.status == Status.REJECTED
    assert "Your income has not changed." in Notification.objects.get(recipient=borrower).body


def test_staff_without_the_permission_cannot_decide(borrower, account):
    request = hardship(borrower, account)
    outsider = StaffFactory()

    with pytest.raises(services.StaffPermissionRefused):
        services.hardship_decide(actor=outsider, instruction_id=request.pk, approve=True)

    request.refresh_from_db()
    assert request.status == Status.REQUESTED
    assert AuditEvent.objects.filter(action="repayment.refused", actor=outsider).exists()


def test_a_plan_above_the_threshold_needs_a_second_person(borrower, account, agent, supervisor, settings):
    settings.REPAYMENT_HARDSHIP_SECOND_APPROVAL_AMOUNT = Decimal("10000")
    supervisor.groups.add(*agent.groups.all())
    request = hardship(borrower, account)

    waiting = services.hardship_decide(actor=agent, instruction_id=request.pk, approve=True)
    assert waiting.status == Status.AWAITING_APPROVAL
    assert not Notification.objects.filter(recipient=borrower).exists()

    agent.groups.add(*supervisor.groups.all())
    agent = User.objects.get(pk=agent.pk)  # a fresh login: permissions are cached per object
    with pytest.raises(services.StaffPermissionRefused) as refused:
        services.hardship_second_approve(actor=agent, instruction_id=request.pk, approve=True)
    assert refused.value.code == "same_person"

    offered = services.hardship_second_approve(actor=supervisor, instruction_id=request.pk, approve=True)
    assert offered.status == Status.OFFERED
    assert offered.approved_by == supervisor
    assert offered.decided_by == agent


def test_one_hardship_request_at_a_time(borrower, account):
    hardship(borrower, account)

    with pytest.raises(PortalError) as refused:
        hardship(borrower, account, mode="longer_term")

    assert refused.value.code == "pending"


def test_another_borrower_cannot_act_on_this_line(account):
    from tests.factories import BorrowerFactory

    stranger = BorrowerFactory()

    with pytest.raises(account.DoesNotExist):
        services.due_day_change_request(user=stranger, account_id=account.pk, due_day=15)


def test_due_dates_stay_in_the_month_they_were_in_when_far_enough_away(borrower, account):
    _day, moves = services.due_day_change_preview(account=account, due_day=25)

    assert moves[0][1] == date(2026, 12, 25)


def test_a_plan_made_on_another_balance_cannot_be_accepted(borrower, account, agent):
    request = hardship(borrower, account)
    offered = services.hardship_decide(actor=agent, instruction_id=request.pk, approve=True)
    account.outstanding_balance = Decimal("9000.00")
    account.save(update_fields=["outstanding_balance"])

    with pytest.raises(PortalError) as refused:
        services.hardship_answer(user=borrower, account_id=account.pk, reference=offered.reference, accept=True)

    assert refused.value.code == "balance_changed"
    offered.refresh_from_db()
    assert offered.status == Status.OFFERED
    assert not CoreInstruction.objects.exists()
