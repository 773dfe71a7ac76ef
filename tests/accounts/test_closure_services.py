"""The closure-request rules, through the services: choices, amounts, steps, the step-up code,
submit, withdraw, completion through the ledger, expiry, and idempotency."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.closure import services
from accounts.credit.services import limit_change_apply
from accounts.models import ClosureRequest, CreditAccount, LimitChange
from accounts.tasks import closure_requests_process
from portal.exceptions import PortalError
from portal.models import AuditEvent, Notification
from tests.factories import BorrowerFactory, CreditProductFactory, credit_account

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Service messages are asserted in English; the catalogue's default language is Chinese."""
    with translation.override("en"):
        yield


CODE = "123456"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def account(borrower):
    return credit_account(customer=borrower.customer, credit_limit="50000.00", outstanding_balance="12000.00")


@pytest.fixture
def fixed_code(monkeypatch):
    monkeypatch.setattr(services.secrets, "randbelow", lambda _limit: int(CODE))


def draft(borrower, account, kind="lower", target="20000"):
    return services.closure_request_draft_create(
        user=borrower, account=account, kind=kind, target_limit=target if kind == "lower" else None
    )


def ready(borrower, account, kind="lower", target="20000"):
    """A draft with steps 1-4 done (email code)."""
    closure_request = draft(borrower, account, kind, target)
    services.closure_request_impact_acknowledge(closure_request=closure_request, user=borrower)
    services.closure_request_reason_set(closure_request=closure_request, user=borrower, reason="limit_spending")
    services.closure_verification_code_send(closure_request=closure_request, user=borrower)
    return services.closure_request_verify(closure_request=closure_request, user=borrower, code=CODE)


def submitted(borrower, account, kind="lower", target="20000"):
    return services.closure_request_submit(closure_request=ready(borrower, account, kind, target), user=borrower)


# --- choices and amounts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("50000", "lower than your current limit"),
        ("60000", "lower than your current limit"),
        ("-100", "cannot be negative"),
        ("400", "lowest limit this product allows is ¥500.00"),
        ("20050", "steps of ¥100.00, for example ¥20,000.00"),
        ("abc", "as an amount"),
        ("NaN", "as an amount"),
    ],
)
def test_a_bad_target_limit_is_refused_and_nothing_is_created(borrower, account, settings, target, message):
    settings.LANGUAGE_CODE = "en"
    with pytest.raises(PortalError, match=message) as error:
        draft(borrower, account, target=target)
    assert error.value.field == "target_limit"
    assert not ClosureRequest.objects.exists()


@settings(max_examples=40, deadline=None)
@given(limit_steps=st.integers(min_value=6, max_value=2000), target_steps=st.integers(min_value=-10, max_value=2100))
def test_a_target_is_accepted_exactly_when_on_a_step_between_the_minimum_and_the_current_limit(
    limit_steps, target_steps
):
    product = CreditProductFactory.build(limit_step=Decimal("100.00"), min_limit=Decimal("500.00"))
    account = CreditAccount(credit_limit=Decimal(limit_steps * 100), product=product)
    target = Decimal(target_steps * 100)
    allowed = Decimal("500") <= target < account.credit_limit
    try:
        result = services.target_limit_validate(account=account, target_limit=target)
    except PortalError:
        assert not allowed
    else:
        assert allowed and result == target


def test_the_allowed_range_rounds_to_whole_steps(borrower):
    product = CreditProductFactory(code="stepped", limit_step="300.00", min_limit="500.00")
    account = credit_account(customer=borrower.customer, credit_limit="1000.00", product=product)
    assert services.lower_limit_range(account=account) == (Decimal("600.00"), Decimal("900.00"), Decimal("300.00"))


def test_an_active_line_offers_lower_pause_and_close(account):
    assert services.closure_kinds_allowed(account=account) == ["lower", "pause", "close"]


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        (LimitChange.Kind.RISK_FREEZE, CreditAccount.Status.FROZEN, "account_frozen"),
        (LimitChange.Kind.CLEARANCE, CreditAccount.Status.CLEARED, "account_cleared"),
    ],
)
def test_frozen_or_cleared_lines_cannot_start_and_are_told_how_to_appeal(borrower, account, kind, status, code):
    limit_change_apply(account=account, kind=kind, new_status=status, reason_codes=["score_drop"], decided_by="policy")
    account.refresh_from_db()
    with pytest.raises(PortalError) as error:
        services.closure_kinds_allowed(account=account)
    assert error.value.code == code
    assert "appeal" in error.value.message
    with pytest.raises(PortalError):
        draft(borrower, account, kind="close")
    assert not ClosureRequest.objects.exists()


def test_someone_elses_account_cannot_get_a_draft(account):
    stranger = BorrowerFactory()
    with pytest.raises(CreditAccount.DoesNotExist):
        draft(stranger, account, kind="close")


# --- one open request, idempotency ------------------------------------------------------------


def test_a_second_request_is_refused_and_points_at_the_open_one(borrower, account):
    first = draft(borrower, account, kind="close")
    with pytest.raises(services.ClosureConflict) as error:
        draft(borrower, account, kind="pause")
    assert error.value.closure_request == first
    assert ClosureRequest.objects.count() == 1


def test_the_database_allows_only_one_open_request_per_account(borrower, account):
    draft(borrower, account, kind="close")
    with pytest.raises(IntegrityError), transaction.atomic():
        ClosureRequest.objects.create(account=account, requested_by=borrower, kind="pause")


def test_the_same_idempotency_key_returns_the_same_draft(borrower, account):
    first = services.closure_request_draft_create(user=borrower, account=account, kind="close", idempotency_key="k1")
    again = services.closure_request_draft_create(user=borrower, account=account, kind="close", idempotency_key="k1")
    assert first == again
    assert ClosureRequest.objects.count() == 1


def test_submitting_twice_makes_one_request_and_one_receipt(borrower, account, fixed_code):
    closure_request = ready(borrower, account)
    first = services.closure_request_submit(closure_request=closure_request, user=borrower)
    second = services.closure_request_submit(closure_request=closure_request, user=borrower)
    assert first.reference == second.reference
    assert Notification.objects.filter(kind="closure_submitted").count() == 1
    assert AuditEvent.objects.filter(action="closure_request.submitted").count() == 1


# --- steps in order --------------------------------------------------------------------------


def test_steps_cannot_be_skipped(borrower, account, fixed_code):
    closure_request = draft(borrower, account)
    with pytest.raises(PortalError) as error:
        services.closure_request_reason_set(closure_request=closure_request, user=borrower, reason="other")
    assert error.value.code == "out_of_order"
    with pytest.raises(PortalError):
        services.closure_verification_code_send(closure_request=closure_request, user=borrower)
    with pytest.raises(PortalError):
        services.closure_request_submit(closure_request=closure_request, user=borrower)
    closure_request.refresh_from_db()
    assert (closure_request.reason, closure_request.status, closure_request.code_hash) == ("", "draft", "")


def test_changing_the_choice_asks_for_the_impact_again(borrower, account):
    closure_request = draft(borrower, account)
    services.closure_request_impact_acknowledge(closure_request=closure_request, user=borrower)
    services.closure_request_choice_update(closure_request=closure_request, user=borrower, kind="close")
    closure_request.refresh_from_db()
    assert (closure_request.kind, closure_request.target_limit, closure_request.impact_acknowledged_at) == (
        "close",
        None,
        None,
    )


def test_an_unknown_reason_is_refused(borrower, account):
    closure_request = draft(borrower, account)
    services.closure_request_impact_acknowledge(closure_request=closure_request, user=borrower)
    with pytest.raises(PortalError) as error:
        services.closure_request_reason_set(closure_request=closure_request, user=borrower, reason="retention")
    assert error.value.field == "reason"


# --- the step-up code ---------------------------------------------------------------------------


def test_the_email_code_is_sent_hashed_and_checked(
    borrower, account, fixed_code, mailoutbox, django_capture_on_commit_callbacks
):
    closure_request = draft(borrower, account)
    services.closure_request_impact_acknowledge(closure_request=closure_request, user=borrower)
    services.closure_request_reason_set(closure_request=closure_request, user=borrower, reason="other")
    with django_capture_on_commit_callbacks(execute=True):
        services.closure_verification_code_send(closure_request=closure_request, user=borrower)
    closure_request.refresh_from_db()
    assert CODE not in closure_request.code_hash
    assert len(mailoutbox) == 1 and CODE in mailoutbox[0].body
    # The code never lands in the notification centre.
    assert not Notification.objects.filter(body__contains=CODE).exists()
    services.closure_request_verify(closure_request=closure_request, user=borrower, code="123 456")
    closure_request.refresh_from_db()
    assert closure_request.verification_method == "email"
    assert closure_request.code_hash == ""


def test_a_wrong_code_counts_and_five_wrong_codes_lock_it(borrower, account, fixed_code):
    closure_request = draft(borrower, account)
    services.closure_request_impact_acknowledge(closure_request=closure_request, user=borrower)
    services.closure_request_reason_set(closure_request=closure_request, user=borrower, reason="other")
    services.closure_verification_code_send(closure_request=closure_request, user=borrower)
    for left in (4, 3, 2, 1, 0):
        with pytest.raises(PortalError, match=f": {left}"):
            services.closure_request_verify(closure_request=closure_request, user=borrower, code="000000")
    with pytest.raises(PortalError) as error:
        services.closure_request_verify(closure_request=closure_request, user=borrower, code=CODE)
    assert error.value.code == "too_many_attempts"
    closure_request.refresh_from_db()
    assert closure_request.verified_at is None
    assert closure_request.code_failed_attempts == 5
    # A new code starts the count again.
    services.closure_verification_code_send(closure_request=closure_request, user=borrower)
    services.closure_request_verify(closure_request=closure_request, user=borrower, code=CODE)


def test_the_email_code_expires_after_ten_minutes(borrower, account, fixed_code):
    with time_machine.travel(START, tick=False) as clock:
        closure_request = draft(borrower, account)
        services.closure_request_impact_acknowledge(closure_request=closure_request, user=borrower)
        services.closure_request_reason_set(closure_request=closure_request, user=borrower, reason="other")
        services.closure_verification_code_send(closure_request=closure_request, user=borrower)
        clock.move_to(START + timedelta(minutes=10, seconds=1))
        with pytest.raises(PortalError) as error:
            services.closure_request_verify(closure_request=closure_request, user=borrower, code=CODE)
    assert error.value.code == "code_expired"
    closure_request.refresh_from_db()
    assert closure_request.verified_at is None


def test_only_five_codes_are_sent_per_request(borrower, account, fixed_code):
    closure_request = draft(borrower, account)
    services.closure_request_impact_acknowledge(closure_request=closure_request, user=borrower)
    services.closure_request_reason_set(closure_request=closure_request, user=borrower, reason="other")
    for _number in range(5):
        services.closure_verification_code_send(closure_request=closure_request, user=borrower)
    with pytest.raises(PortalError) as error:
        services.closure_verification_code_send(closure_request=closure_request, user=borrower)
    assert error.value.code == "too_many_codes"


def test_a_borrower_with_an_authenticator_uses_its_code(borrower, account):
    secret = generate_totp_secret()
    TOTP.activate(borrower, secret)
    closure_request = draft(borrower, account)
    services.closure_request_impact_acknowledge(closure_request=closure_request, user=borrower)
    services.closure_request_reason_set(closure_request=closure_request, user=borrower, reason="other")
    with pytest.raises(PortalError) as error:
        services.closure_verification_code_send(closure_request=closure_request, user=borrower)
    assert error.value.code == "use_totp"
    with pytest.raises(PortalError):
        services.closure_request_verify(closure_request=closure_request, user=borrower, code="000000")
    current = format_hotp_value(hotp_value(secret, int(timezone.now().timestamp()) // 30))
    services.closure_request_verify(closure_request=closure_request, user=borrower, code=current)
    closure_request.refresh_from_db()
    assert closure_request.verification_method == "totp"


def test_a_stale_verification_must_be_repeated_before_submitting(borrower, account, fixed_code):
    with time_machine.travel(START, tick=False) as clock:
        closure_request = ready(borrower, account)
        clock.move_to(START + timedelta(minutes=16))
        with pytest.raises(PortalError, match="verify your identity again"):
            services.closure_request_submit(closure_request=closure_request, user=borrower)
    closure_request.refresh_from_db()
    assert closure_request.status == "draft"


# --- submit, withdraw, complete ------------------------------------------------------------------


def test_submit_gives_a_reference_a_cooling_off_end_a_receipt_and_an_audit_event(
    borrower, account, fixed_code, settings
):
    settings.CLOSURE_COOLING_OFF_HOURS = 48
    with time_machine.travel(START, tick=False):
        closure_request = submitted(borrower, account)
    assert closure_request.reference == f"CR-2026-{closure_request.pk:06d}"
    assert closure_request.cooling_off_ends_at == START + timedelta(hours=48)
    assert (closure_request.previous_limit, closure_request.new_limit) == (Decimal("50000.00"), Decimal("20000.00"))
    receipt = Notification.objects.get(recipient=borrower, kind="closure_submitted")
    assert closure_request.reference in receipt.title
    assert closure_request.reference in receipt.email_html
    assert receipt.link == f"/credit/{account.pk}/manage/requests/{closure_request.pk}/"
    assert AuditEvent.objects.filter(action="closure_request.submitted", actor=borrower).exists()
    account.refresh_from_db()
    assert account.credit_limit == Decimal("50000.00")  # nothing changes before the window ends


def test_withdrawing_during_cooling_off_changes_nothing_and_can_happen_once(borrower, account, fixed_code):
    closure_request = submitted(borrower, account, kind="close")
    services.closure_request_withdraw(closure_request=closure_request, user=borrower)
    closure_request.refresh_from_db()
    assert closure_request.status == "withdrawn"
    with pytest.raises(services.ClosureConflict, match="cannot be withdrawn"):
        services.closure_request_withdraw(closure_request=closure_request, user=borrower)
    assert closure_requests_process() == {"expired": 0, "completed": 0, "closed": 0}
    account.refresh_from_db()
    assert (account.credit_limit, account.status) == (Decimal("50000.00"), "active")
    assert Notification.objects.filter(kind="closure_withdrawn").count() == 1


def test_withdrawing_after_the_window_is_refused(borrower, account, fixed_code):
    with time_machine.travel(START, tick=False) as clock:
        closure_request = submitted(borrower, account)
        clock.move_to(START + timedelta(hours=24))
        with pytest.raises(services.ClosureConflict) as error:
            services.closure_request_withdraw(closure_request=closure_request, user=borrower)
    assert error.value.code == "cooling_off_over"


def test_nobody_else_can_withdraw(borrower, account, fixed_code):
    closure_request = submitted(borrower, account)
    with pytest.raises(ClosureRequest.DoesNotExist):
        services.closure_request_withdraw(closure_request=closure_request, user=BorrowerFactory())


def test_the_beat_task_completes_a_lowering_only_after_the_window(borrower, account, fixed_code):
    with time_machine.travel(START, tick=False) as clock:
        closure_request = submitted(borrower, account)
        clock.move_to(START + timedelta(hours=23, minutes=59))
        assert closure_requests_process()["completed"] == 0
        clock.move_to(START + timedelta(hours=24))
        assert closure_requests_process.delay().get()["completed"] == 1
        assert closure_requests_process()["completed"] == 0  # a second run changes nothing
    closure_request.refresh_from_db()
    account.refresh_from_db()
    change = closure_request.limit_change
    assert closure_request.status == "completed"
    assert account.credit_limit == Decimal("20000.00")
    assert (change.kind, change.decided_by, change.reason_codes, change.decided_by_user) == (
        "voluntary_reduction",
        "borrower",
        ["borrower_request"],
        borrower,
    )
    assert change.source_reference == closure_request.reference
    assert change.appeal_deadline is None
    assert change.notice.recipient == borrower
    assert AuditEvent.objects.filter(action="closure_request.completed").exists()
    assert AuditEvent.objects.filter(action="limit_change.voluntary_reduction").exists()


def test_a_pause_freezes_the_line_and_a_resume_request_reopens_it(borrower, account, fixed_code):
    with time_machine.travel(START, tick=False) as clock:
        submitted(borrower, account, kind="pause")
        clock.shift(timedelta(hours=25))
        closure_requests_process()
        account.refresh_from_db()
        assert (account.status, account.credit_limit, account.available_credit) == (
            "frozen",
            Decimal("50000.00"),
            Decimal("0.00"),
        )
        assert services.closure_kinds_allowed(account=account) == ["resume", "close"]
        submitted(borrower, account, kind="resume")
        clock.shift(timedelta(hours=25))
        closure_requests_process()
    account.refresh_from_db()
    assert account.status == "active"
    kinds = list(LimitChange.objects.filter(account=account).order_by("sequence").values_list("kind", flat=True))
    assert kinds == ["opening", "voluntary_pause", "restoration"]


def test_closing_with_a_balance_stops_borrowing_and_closes_once_repaid(borrower, account, fixed_code):
    with time_machine.travel(START, tick=False) as clock:
        closure_request = submitted(borrower, account, kind="close")
        clock.shift(timedelta(hours=24))
        closure_requests_process()
        account.refresh_from_db()
        assert (account.credit_limit, account.status, account.available_credit) == (
            Decimal("0.00"),
            "active",
            Decimal("0.00"),
        )
        with pytest.raises(PortalError, match="closes once the balance is repaid"):
            services.closure_kinds_allowed(account=account)
        # The core system reports the balance repaid.
        CreditAccount.objects.filter(pk=account.pk).update(outstanding_balance=0)
        assert closure_requests_process()["closed"] == 1
        assert closure_requests_process()["closed"] == 0
    account.refresh_from_db()
    closure_request.refresh_from_db()
    assert account.status == "closed"
    assert closure_request.line_closed_at is not None
    assert list(LimitChange.objects.filter(account=account).order_by("sequence").values_list("kind", "new_status")) == [
        ("opening", "active"),
        ("voluntary_closure", "active"),
        ("voluntary_closure", "closed"),
    ]


def test_closing_without_a_balance_closes_at_once(borrower, fixed_code):
    account = credit_account(customer=borrower.customer, credit_limit="8000.00")
    with time_machine.travel(START, tick=False) as clock:
        submitted(borrower, account, kind="close")
        clock.shift(timedelta(hours=24))
        closure_requests_process()
    account.refresh_from_db()
    assert (account.credit_limit, account.status) == (Decimal("0.00"), "closed")


def test_a_request_overtaken_by_a_risk_cut_is_rejected_with_a_notice(borrower, account, fixed_code):
    with time_machine.travel(START, tick=False) as clock:
        closure_request = submitted(borrower, account, target="30000")
        limit_change_apply(
            account=account, kind="risk_reduction", new_limit="25000", reason_codes=["score_drop"], decided_by="policy"
        )
        clock.shift(timedelta(hours=24))
        closure_requests_process()
    closure_request.refresh_from_db()
    account.refresh_from_db()
    assert closure_request.status == "rejected"
    assert account.credit_limit == Decimal("25000.00")
    assert Notification.objects.filter(kind="closure_rejected", recipient=borrower).exists()


def test_staff_cannot_complete_a_request_before_its_window_ends(borrower, account, fixed_code, staff_user):
    closure_request = submitted(borrower, account)
    with pytest.raises(services.ClosureConflict) as error:
        services.closure_request_complete(closure_request_id=closure_request.pk, actor=staff_user)
    assert error.value.code == "cooling_off"
    closure_request.refresh_from_db()
    assert closure_request.status == "submitted"


def test_drafts_abandoned_for_a_day_expire_and_no_longer_block(borrower, account):
    with time_machine.travel(START, tick=False) as clock:
        closure_request = draft(borrower, account)
        clock.move_to(START + timedelta(hours=23))
        assert closure_requests_process()["expired"] == 0
        clock.move_to(START + timedelta(hours=24, minutes=1))
        with pytest.raises(services.ClosureConflict) as error:
            services.closure_request_impact_acknowledge(closure_request=closure_request, user=borrower)
        assert error.value.code == "draft_expired"
        assert closure_requests_process()["expired"] == 1
        closure_request.refresh_from_db()
        assert closure_request.status == "expired"
        assert draft(borrower, account, kind="close").status == "draft"


def test_a_stale_draft_is_expired_when_a_new_one_starts(borrower, account):
    with time_machine.travel(START, tick=False) as clock:
        old = draft(borrower, account)
        clock.move_to(START + timedelta(hours=25))
        draft(borrower, account, kind="pause")
    old.refresh_from_db()
    assert old.status == "expired"
