"""Hand-made account histories for the anomaly tests: balance movements, installments, signals,
and a model version trained on quiet accounts."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import factory
import numpy as np

from accounts.models import AnomalyModelVersion, BalanceMovement
from accounts.risk.anomaly.explain import peer_statistics
from accounts.risk.anomaly.features import FEATURES, FEATURES_VERSION
from accounts.risk.anomaly.training import PARAMETERS, artefact_write, model_fit
from tests.factories import RepaymentInstallmentFactory, credit_account

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


class BalanceMovementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "accounts.BalanceMovement"

    amount = Decimal("500.00")
    balance_after = Decimal("500.00")
    recorded_at = NOW


def quiet_account(*, draws_ago=(10, 17, 24, 31, 38, 45, 52, 59, 66, 73, 80, 87, 94), amount="500.00", **kwargs):
    """An account opened 200 days ago, limit ¥10,000, one draw a week over the history window,
    repaid on time."""
    account = credit_account(
        credit_limit=kwargs.pop("credit_limit", "10000.00"),
        outstanding_balance=kwargs.pop("outstanding_balance", "2000.00"),
        opened_at=NOW - timedelta(days=200),
        **kwargs,
    )
    BalanceMovement.objects.bulk_create(
        [
            BalanceMovement(
                account=account,
                amount=Decimal(amount),
                balance_after=Decimal("2000.00"),
                recorded_at=NOW - timedelta(days=days),
            )
            for days in draws_ago
        ]
    )
    for days in (20, 50, 80, 110):
        due = (NOW - timedelta(days=days)).date()
        RepaymentInstallmentFactory(
            account=account, due_date=due, amount_paid="1200.00", paid_at=NOW - timedelta(days=days), status="paid"
        )
    return account


def draws(account, *, count, amount="500.00", within_days=7, at=NOW):
    """``count`` draws spread over the ``within_days`` before ``at``."""
    BalanceMovement.objects.bulk_create(
        [
            BalanceMovement(
                account=account,
                amount=Decimal(amount),
                balance_after=Decimal("2000.00"),
                recorded_at=at - timedelta(hours=1 + index * within_days * 24 / (count + 1)),
            )
            for index in range(count)
        ]
    )


def quiet_matrix(rows=400, seed=3):
    """Feature rows of steady accounts: about their usual week, paid on time."""
    rng = np.random.default_rng(seed)
    columns = {
        "draw_count_ratio_7d": rng.normal(0.0, 0.3, rows),
        "draw_amount_ratio_7d": rng.normal(0.0, 0.3, rows),
        "draw_count_ratio_30d": rng.normal(0.0, 0.2, rows),
        "draw_amount_ratio_30d": rng.normal(0.0, 0.2, rows),
        "repaid_ratio_30d": rng.normal(0.0, 0.2, rows),
        "utilisation": rng.uniform(0.1, 0.4, rows),
        "utilisation_jump_30d": rng.normal(0.0, 0.03, rows),
        "repayment_delay": rng.normal(0.0, 1.0, rows),
        "repayment_delay_drift": rng.normal(0.0, 0.5, rows),
        "linked_overdue_days": np.zeros(rows),
    }
    return np.column_stack([columns[name] for name in FEATURES])


def trained_version(*, status=AnomalyModelVersion.Status.ACTIVE, product="revolving", statistics=None):
    """A version fitted on quiet_matrix, its artefact in PRIVATE_MEDIA_ROOT; its peer figures
    are ``statistics`` when given, else quiet_matrix's under ``product`` (no segment section,
    as versions trained before segments existed)."""
    matrix = quiet_matrix()
    model, threshold, _scores = model_fit(matrix)
    name, digest = artefact_write(model)
    return AnomalyModelVersion.objects.create(
        status=status,
        features_version=FEATURES_VERSION,
        features=list(FEATURES),
        parameters=dict(PARAMETERS),
        metrics={"training_accounts": len(matrix)},
        peer_statistics=statistics or peer_statistics(matrix, [product] * len(matrix)),
        threshold=threshold,
        trained_from=NOW - timedelta(days=90),
        trained_to=NOW - timedelta(days=1),
        training_accounts=len(matrix),
        artefact_name=name,
        artefact_sha256=digest,
    )


BURST = [{"feature": "draws_7d", "value": 31.0, "usual": 4.0, "peer": None}]


class AnomalyReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "accounts.AnomalyReview"

    account = factory.LazyFunction(credit_account)
    score = 0.71
    explanation = factory.LazyFunction(lambda: list(BURST))
    created_at = factory.LazyFunction(lambda: NOW - timedelta(days=1))
