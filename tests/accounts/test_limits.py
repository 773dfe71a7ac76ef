import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.utils import timezone, translation

from accounts.credit.services import limit_change_apply
from accounts.models import CreditAccount, LimitChange, PolicyVersion
from portal.exceptions import PortalError
from portal.models import AppendOnlyError, AuditEvent, Notification
from tests.factories import BorrowerFactory, CustomerRecordFactory, credit_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(borrower):
    return credit_account(customer=borrower.customer, credit_limit="50000.00", outstanding_balance="12000.00")


def reduce(account, **overrides):
    arguments = {
        "account": account,
        "kind": LimitChange.Kind.RISK_REDUCTION,
        "new_limit": "35000.00",
        "reason_codes": ["score_drop", "linked_overdue"],
        "decided_by": LimitChange.DecidedBy.POLICY,
        "policy_version": PolicyVersion.objects.active().get(),
    }
    return limit_change_apply(**{**arguments, **overrides})


def test_opening_an_account_writes_the_first_ledger_row(account):
    opening = account.limit_changes.get()
    assert (opening.sequence, opening.kind, opening.new_limit) == (1, "opening", Decimal("50000.00"))


def test_a_risk_reduction_writes_ledger_notice_and_audit_together(
    account, borrower, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        change = reduce(account)

    account.refresh_from_db()
    assert account.credit_limit == Decimal("35000.00")
    assert account.available_credit == Decimal("23000.00")
    assert (change.sequence, change.previous_limit, change.new_limit) == (2, Decimal("50000.00"), Decimal("35000.00"))
    assert change.reason_codes == ["score_drop", "linked_overdue"]
    assert change.policy_version == PolicyVersion.objects.active().get()
    assert change.appeal_deadline == change.effective_at + timedelta(days=60)
    assert change.notice.recipient == borrower
    assert AuditEvent.objects.filter(action="limit_change.risk_reduction", target_id=str(account.pk)).exists()
    message = mail.outbox[0]
    assert message.to == [borrower.email]


def test_the_notice_states_limits_reasons_remedy_and_appeal_deadline(account, borrower):
    borrower.preferred_language = "en"
    borrower.save()
    change = reduce(account)
    body = change.notice.body
    assert change.notice.title == "Your credit limit changed from ¥50,000.00 to ¥35,000.00"
    assert "Limit: ¥50,000.00 → ¥35,000.00" in body
    assert "You can borrow now: ¥23,000.00" in body
    assert body.index("Your credit score fell") < body.index("A linked account is overdue")
    assert "Repay every loan on time" in body
    assert "you can appeal this decision until" in body
    assert "internal policy" not in body.lower()


def test_the_notice_is_in_chinese_for_a_chinese_speaking_borrower(account):
    change = reduce(account)
    assert "信用评分下降" in change.notice.body


def test_a_freeze_keeps_the_limit_and_stops_borrowing(account):
    change = reduce(account, kind=LimitChange.Kind.RISK_FREEZE, new_limit=None, new_status="frozen")
    account.refresh_from_db()
    assert account.credit_limit == Decimal("50000.00")
    assert account.status == CreditAccount.Status.FROZEN
    assert account.available_credit == Decimal("0.00")
    assert change.notice.title
    with translation.override("en"):
        assert "frozen" in change.notice.body or "冻结" in change.notice.body


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"new_limit": "-1"}, "new_limit"),
        (
            {"reason_codes": ["score_drop", "linked_overdue", "slow_repayment", "macro_tightening", "fraud_suspicion"]},
            "reason_codes",
        ),
        ({"reason_codes": ["no_such_reason"]}, "reason_codes"),
        ({"reason_codes": []}, "reason_codes"),
    ],
)
def test_bad_changes_are_refused_and_change_nothing(account, overrides, field):
    with pytest.raises(PortalError) as error:
        reduce(account, **overrides)
    assert error.value.field == field
    account.refresh_from_db()
    assert account.credit_limit == Decimal("50000.00")
    assert account.limit_changes.count() == 1
    assert not Notification.objects.exists()


def test_a_change_that_changes_nothing_is_refused(account):
    with pytest.raises(PortalError) as error:
        reduce(account, new_limit="50000.00")
    assert error.value.code == "no_change"


def test_a_customer_without_a_login_still_gets_the_change_recorded():
    account = credit_account(customer=CustomerRecordFactory())
    change = reduce(account)
    assert change.notice is None
    account.refresh_from_db()
    assert account.credit_limit == Decimal("35000.00")


def test_the_ledger_is_append_only(account):
    change = reduce(account)
    with pytest.raises(AppendOnlyError):
        change.save()
    with pytest.raises(AppendOnlyError):
        LimitChange.objects.filter(pk=change.pk).update(new_limit=1)
    with pytest.raises(AppendOnlyError):
        change.delete()


def test_successive_changes_number_the_ledger_in_order(account):
    reduce(account)
    reduce(account, new_limit="20000.00", effective_at=timezone.now())
    assert list(account.limit_changes.order_by("sequence").values_list("sequence", "new_limit")) == [
        (1, Decimal("50000.00")),
        (2, Decimal("35000.00")),
        (3, Decimal("20000.00")),
    ]


def test_another_borrowers_account_history_is_a_404(client):
    owner, intruder = BorrowerFactory(), BorrowerFactory()
    account = credit_account(customer=owner.customer)
    client.force_login(intruder)
    assert client.get(f"/credit/{account.pk}/history/").status_code == 404
    assert client.get(f"/credit/{account.pk}/repayments/").status_code == 404
    assert client.get("/credit/999999/history/").status_code == 404


def test_history_page_shows_reasons_and_appeal_deadline(client, borrower, account):
    reduce(account)
    client.force_login(borrower)
    page = client.get(f"/credit/{account.pk}/history/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "信用评分下降" in page
    assert "¥35,000.00" in page


def test_dashboard_query_count_does_not_grow_with_history(client, borrower, account, django_assert_max_num_queries):
    for step in range(30):
        reduce(account, new_limit=str(49000 - step * 1000))
    client.force_login(borrower)
    with django_assert_max_num_queries(14):
        response = client.get("/")
    assert "¥20,000.00" in response.content.decode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the commit-time check is PostgreSQL's; CI runs it")
def test_postgresql_refuses_to_commit_a_limit_that_bypasses_the_ledger():
    account = credit_account()
    with pytest.raises(DatabaseError), transaction.atomic():
        CreditAccount.objects.filter(pk=account.pk).update(credit_limit=Decimal("1.00"))
    account.refresh_from_db()
    assert account.credit_limit == Decimal("50000.00")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's; CI runs this")
def test_two_changes_racing_on_one_account_are_applied_one_after_the_other():
    account = credit_account(credit_limit="50000.00")
    barrier = threading.Barrier(2)
    errors = []

    # A cut and a freeze: valid in either order (two cuts to different limits are not, since the
    # second could raise the limit, which needs the borrower's consent).
    changes = [
        {"kind": LimitChange.Kind.RISK_REDUCTION, "new_limit": "40000.00", "reason_codes": ["score_drop"]},
        {
            "kind": LimitChange.Kind.RISK_FREEZE,
            "new_status": CreditAccount.Status.FROZEN,
            "reason_codes": ["fraud_suspicion"],
        },
    ]

    def apply(change):
        try:
            barrier.wait(timeout=10)
            limit_change_apply(account=account, decided_by=LimitChange.DecidedBy.POLICY, **change)
        except Exception as error:  # collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=apply, args=(change,)) for change in changes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    rows = list(account.limit_changes.order_by("sequence").values_list("sequence", "previous_limit", "new_limit"))
    assert [sequence for sequence, _previous, _new in rows] == [1, 2, 3]
    # Each change saw the limit the other left: the ledger is a chain with no gap.
    assert rows[2][1] == rows[1][2]
    account.refresh_from_db()
    assert account.credit_limit == rows[2][2]
