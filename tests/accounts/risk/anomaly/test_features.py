"""Features read from an account's own history: draws against its usual week, utilisation,
repayment timing, linked overdue; a feature that cannot be computed is missing, not made up."""

import math
from datetime import timedelta
from decimal import Decimal

import numpy as np
import pytest
from django.db import connection

from accounts.integration.services.balances import BalanceRows
from accounts.integration.services.rows import Row
from accounts.models import BalanceMovement
from accounts.risk.anomaly.features import FEATURES, account_aggregates, feature_matrix, missing_counts
from accounts.risk.anomaly.movements import balance_movements_record_staged
from tests.accounts.risk.anomaly.support import NOW, draws, quiet_account
from tests.factories import RepaymentInstallmentFactory, RiskSignalFactory, credit_account

pytestmark = pytest.mark.django_db


def _features(account):
    aggregates = account_aggregates(account_ids=[account.pk], now=NOW)
    return aggregates, dict(zip(FEATURES, feature_matrix(aggregates.arrays)[0], strict=True))


def test_features_are_computed_from_a_hand_made_history():
    account = quiet_account()  # 13 draws of ¥500 in the 90 days before the last week
    draws(account, count=3, amount="1000.00")
    BalanceMovement.objects.create(
        account=account,
        amount=Decimal("-2000.00"),
        balance_after=Decimal("2000.00"),
        recorded_at=NOW - timedelta(days=3),
    )
    RepaymentInstallmentFactory(  # the recent installment paid 6 days late
        account=account,
        due_date=(NOW - timedelta(days=8)).date(),
        amount_paid="1200.00",
        paid_at=NOW - timedelta(days=2),
        status="paid",
    )
    RiskSignalFactory(account=account, kind="linked_overdue", value="5", observed_at=NOW - timedelta(days=1))

    aggregates, features = _features(account)

    arrays = aggregates.arrays
    assert (arrays["draws_7d"][0], arrays["draw_amount_7d"][0]) == (3, 3000)
    assert (arrays["draws_30d"][0], arrays["draw_amount_30d"][0]) == (6, 4500)
    assert arrays["repaid_amount_30d"][0] == 2000
    assert (arrays["draws_history"][0], arrays["history_days"][0]) == (13, 90)
    usual_week = 13 * 7 / 90
    assert features["draw_count_ratio_7d"] == pytest.approx(math.log(4 / (usual_week + 1)))
    assert features["draw_amount_ratio_7d"] == pytest.approx(math.log(3100 / (500 * usual_week + 100)))
    assert features["utilisation"] == pytest.approx(0.2)
    # 30 days ago the balance was 2,000 - (4,500 drawn - 2,000 repaid) → 0.
    assert features["utilisation_jump_30d"] == pytest.approx(0.2)
    # Installments due in the last 60 days: 0, 0 and 6 days late; earlier ones: 0 and 0.
    assert features["repayment_delay"] == pytest.approx(2.0)
    assert features["repayment_delay_drift"] == pytest.approx(2.0)
    assert features["linked_overdue_days"] == 5
    assert aggregates.window_end == NOW
    assert aggregates.window_start == NOW - timedelta(days=97)


def test_an_account_too_new_for_a_usual_week_has_its_draw_features_missing():
    account = credit_account(credit_limit="10000.00", opened_at=NOW - timedelta(days=10))
    draws(account, count=5)

    _aggregates, features = _features(account)

    assert math.isnan(features["draw_count_ratio_7d"])
    assert math.isnan(features["repayment_delay"])  # no installment came due yet
    assert missing_counts(np.array([list(features.values())]))["draw_count_ratio_7d"] == 1


def test_an_account_without_a_limit_has_no_utilisation():
    account = quiet_account(credit_limit="0.00", outstanding_balance="0.00")

    _aggregates, features = _features(account)

    assert math.isnan(features["utilisation"])


def test_the_balance_import_records_each_change_as_a_movement():
    account = credit_account(outstanding_balance="1000.00")
    unchanged = credit_account(outstanding_balance="300.00")

    BalanceRows().write(
        [
            Row(0, {"account_id": account.pk, "outstanding_balance": Decimal("1750.00")}),
            Row(1, {"account_id": unchanged.pk, "outstanding_balance": Decimal("300.00")}),
        ],
        actor=None,
    )

    (movement,) = BalanceMovement.objects.all()
    assert (movement.account_id, movement.amount, movement.balance_after) == (
        account.pk,
        Decimal("750.00"),
        Decimal("1750.00"),
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY import runs on PostgreSQL only")
def test_the_copy_imports_staged_balances_become_movements_in_one_statement():
    account = credit_account(outstanding_balance="1000.00")
    unchanged = credit_account(outstanding_balance="300.00")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE staged_balances (account_id bigint, outstanding_balance numeric(12, 2))")
        cursor.execute("INSERT INTO staged_balances VALUES (%s, 400.00), (%s, 300.00)", [account.pk, unchanged.pk])
        written = balance_movements_record_staged(cursor=cursor, staged_table="staged_balances", recorded_at=NOW)

    (movement,) = BalanceMovement.objects.all()
    assert written == 1
    assert (movement.account_id, movement.amount, movement.balance_after, movement.recorded_at) == (
        account.pk,
        Decimal("-600.00"),
        Decimal("400.00"),
        NOW,
    )
