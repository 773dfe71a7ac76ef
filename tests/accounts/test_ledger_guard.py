"""PostgreSQL keeps each account equal to its newest ledger row, checked at commit once per
statement (migration 0013). Tests run inside a transaction that never commits, so they ask for
the deferred check now with SET CONSTRAINTS ALL IMMEDIATE."""

from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from accounts.credit.services import limit_change_apply
from accounts.models import CreditAccount, LimitChange
from tests.factories import credit_account

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the ledger guard is a PostgreSQL trigger"),
]


def check_now():
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def ledger_row(account, *, sequence, new_limit, new_status="active"):
    return LimitChange(
        account=account,
        sequence=sequence,
        kind=LimitChange.Kind.CORE_SYNC,
        previous_limit=account.credit_limit,
        new_limit=new_limit,
        previous_status=account.status,
        new_status=new_status,
        reason_codes=["score_drop"],
        decided_by=LimitChange.DecidedBy.CORE_SYSTEM,
        effective_at=account.opened_at,
    )


def test_a_limit_changed_without_a_ledger_row_is_refused():
    account = credit_account()
    with pytest.raises(DatabaseError, match="does not match its newest limit-change row"), transaction.atomic():
        CreditAccount.objects.filter(pk=account.pk).update(credit_limit=Decimal("1.00"))
        check_now()


def test_one_wrong_account_among_many_changed_in_one_statement_is_named():
    accounts = [credit_account() for _index in range(5)]
    with pytest.raises(DatabaseError, match=f"credit account {accounts[4].pk} does not"), transaction.atomic():
        LimitChange.objects.bulk_create(ledger_row(a, sequence=2, new_limit=Decimal("100.00")) for a in accounts[:4])
        CreditAccount.objects.filter(pk__in=[a.pk for a in accounts]).update(credit_limit=Decimal("100.00"))
        check_now()


def test_the_account_and_its_ledger_row_may_be_written_in_either_order():
    first, second = credit_account(), credit_account()
    with transaction.atomic():
        CreditAccount.objects.filter(pk=first.pk).update(credit_limit=Decimal("10.00"))
        ledger_row(first, sequence=2, new_limit=Decimal("10.00")).save()
        ledger_row(second, sequence=2, new_limit=Decimal("20.00")).save()
        CreditAccount.objects.filter(pk=second.pk).update(credit_limit=Decimal("20.00"))
        check_now()
    assert sorted(CreditAccount.objects.values_list("credit_limit", flat=True)) == [Decimal("10.00"), Decimal("20.00")]


def test_a_status_changed_without_a_ledger_row_is_refused_but_a_balance_update_is_not_checked():
    account = credit_account()
    CreditAccount.objects.filter(pk=account.pk).update(outstanding_balance=Decimal("5.00"))
    check_now()
    with pytest.raises(DatabaseError, match="does not match"), transaction.atomic():
        CreditAccount.objects.filter(pk=account.pk).update(status=CreditAccount.Status.FROZEN)
        check_now()


def test_changes_through_the_service_pass_the_check():
    account = credit_account()
    limit_change_apply(
        account=account, kind="risk_reduction", new_limit="100", reason_codes=["score_drop"], decided_by="policy"
    )
    check_now()
    account.refresh_from_db()
    assert account.credit_limit == Decimal("100.00")
