"""Scoring runs: accounts with new movements are scored once per chunk; a high score opens one
review per account and version, with its reasons, and changes nothing for the borrower."""

from datetime import timedelta

import pytest

from accounts.models import (
    AccountFeatures,
    AnomalyReview,
    AnomalyScoringChunk,
    CreditAccount,
    LimitChange,
    RiskDecision,
)
from accounts.risk.anomaly import scoring, services
from accounts.risk.anomaly.explain import explanation_text
from accounts.risk.anomaly.training import artefact_path
from portal.exceptions import PortalError
from portal.models import Notification
from tests.accounts.risk.anomaly.support import NOW, draws, quiet_account, trained_version
from tests.factories import credit_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def version():
    return trained_version()


def test_a_burst_of_draws_opens_a_review_and_changes_no_limit(version):
    bursting = quiet_account()
    steady = quiet_account(draws_ago=(3, 10, 17, 24, 31, 38, 45, 52, 59, 66, 73, 80, 87, 94))
    draws(bursting, count=31, amount="100.00")
    ledger_before = list(LimitChange.objects.order_by("pk").values_list("pk", "new_limit"))
    limits_before = dict(CreditAccount.objects.values_list("pk", "credit_limit"))

    (review,) = services.anomaly_scoring_run(now=NOW)

    assert review.account == bursting and review.model_version == version
    assert review.status == AnomalyReview.Status.OPEN and review.score > version.threshold
    assert review.explanation[0]["feature"] == "draws_7d"
    assert (review.explanation[0]["value"], round(review.explanation[0]["usual"])) == (31, 1)
    assert AccountFeatures.objects.filter(account=steady, score__isnull=False).exists()
    assert list(LimitChange.objects.order_by("pk").values_list("pk", "new_limit")) == ledger_before
    assert dict(CreditAccount.objects.values_list("pk", "credit_limit")) == limits_before
    assert not RiskDecision.objects.exists()
    assert not Notification.objects.filter(recipient__customer__credit_accounts=bursting).exists()


def test_the_explanation_reads_in_both_languages(version):
    account = quiet_account(draws_ago=(10, 17, 24, 31, 38, 45, 52, 59, 66, 73, 80, 87, 94) * 4)
    draws(account, count=31, amount="100.00")

    (review,) = services.anomaly_scoring_run(now=NOW)

    first = review.explanation[:1]
    assert explanation_text(first, language="en") == "31 draws in 7 days; usually 4"
    assert explanation_text(first, language="zh-hans") == "7天内借款31次；通常为4次"


def test_an_account_with_an_open_review_gets_no_second_one_from_the_same_version(version):
    account = quiet_account()
    draws(account, count=31)
    services.anomaly_scoring_run(now=NOW)

    draws(account, count=5, at=NOW + timedelta(hours=1))
    reviews = services.anomaly_scoring_run(now=NOW + timedelta(hours=2))

    assert reviews == []
    assert AnomalyReview.objects.filter(account=account).count() == 1


def test_accounts_with_a_missing_feature_are_skipped_and_counted(version):
    new = credit_account(credit_limit="10000.00", opened_at=NOW - timedelta(days=5))
    draws(new, count=31)

    reviews = services.anomaly_scoring_run(now=NOW)

    chunk = AnomalyScoringChunk.objects.get()
    assert reviews == []
    assert (chunk.scored, chunk.skipped) == (0, 1)
    assert chunk.skipped_features["draw_count_ratio_7d"] == 1
    assert AccountFeatures.objects.get(account=new).score is None


def test_a_chunk_is_scored_once_however_often_its_task_runs(version):
    account = quiet_account()
    draws(account, count=31)
    run = scoring.anomaly_scoring_run_start(now=NOW)
    (chunk,) = run.chunks.all()

    first = scoring.anomaly_scoring_chunk_score(chunk_id=chunk.pk, now=NOW)
    again = scoring.anomaly_scoring_chunk_score(chunk_id=chunk.pk, now=NOW)

    assert (len(first), again) == (1, [])
    assert AnomalyReview.objects.count() == 1 and AccountFeatures.objects.count() == 1


def test_a_failed_chunk_keeps_nothing_records_why_and_is_queued_again(version):
    account = quiet_account()
    draws(account, count=31)
    run = scoring.anomaly_scoring_run_start(now=NOW)
    (chunk,) = run.chunks.all()
    artefact_path(version.artefact_name).write_bytes(b"not the model")

    with pytest.raises(PortalError) as refused:
        scoring.anomaly_scoring_chunk_score(chunk_id=chunk.pk, now=NOW)

    chunk.refresh_from_db()
    assert refused.value.code == "artefact_mismatch"
    assert chunk.done_at is None and chunk.last_error == refused.value.message
    assert not AnomalyReview.objects.exists() and not AccountFeatures.objects.exists()
    assert scoring.anomaly_scoring_chunks_requeue(now=NOW + timedelta(minutes=11)) == [chunk.pk]


def test_nothing_is_scored_without_an_active_version_or_new_movements():
    account = quiet_account()
    assert scoring.anomaly_scoring_run_start(now=NOW) is None

    trained_version()
    assert scoring.anomaly_scoring_run_start(now=NOW).accounts == 1
    assert scoring.anomaly_scoring_run_start(now=NOW) is None
    assert account.pk in AnomalyScoringChunk.objects.get().account_ids
