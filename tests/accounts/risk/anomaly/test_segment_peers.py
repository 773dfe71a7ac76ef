"""Anomaly reviews compare an account with its customer segment's peers when the model has
figures for the segment set in force, with its product's peers otherwise; the text says "similar
customers" and never names the segment."""

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AnomalyModelVersion, AnomalyReview, AnomalyScoringChunk, SegmentSet
from accounts.risk.anomaly import explain, scoring, services
from accounts.risk.anomaly.explain import explanation_text, peer_group, peer_statistics
from accounts.risk.anomaly.features import FEATURES
from tests.accounts.risk.anomaly.support import NOW, draws, quiet_account, quiet_matrix, trained_version
from tests.factories import SegmentRuleFactory, SegmentSetFactory, StaffFactory

pytestmark = pytest.mark.django_db

# Recognisable in any text an analyst or a borrower might read.
SECRET_KEY = "stretched-k9q"
SECRET_LABEL = "Stretched borrowers 紧绷客群"
UTILISATION = FEATURES.index("utilisation")


def active_set(*rules):
    """An active set of these rules (keyword dicts), in order, ending with a catch-all."""
    segment_set = SegmentSetFactory(status=SegmentSet.Status.ACTIVE)
    for position, conditions in enumerate([*rules, {"key": "everyone-else"}], start=1):
        SegmentRuleFactory(segment_set=segment_set, position=position, **conditions)
    return segment_set


def segment_statistics(segment_set, keys, *, utilisation=0.6):
    """Peer figures as training stores them under ``segment_set``: quiet accounts of product
    "revolving", 60 per key in ``keys`` whose utilisation is about ``utilisation`` (the
    product's is about 0.25)."""
    rng = np.random.default_rng(5)
    blocks, segments = [quiet_matrix()], ["everyone-else"] * 400
    for key in keys:
        block = quiet_matrix(rows=60, seed=len(segments))
        block[:, UTILISATION] = rng.uniform(utilisation - 0.05, utilisation + 0.05, 60)
        blocks.append(block)
        segments += [key] * 60
    matrix = np.vstack(blocks)
    return peer_statistics(matrix, ["revolving"] * len(matrix), segments=segments, segment_set_id=segment_set.pk)


def stretched_bursting_account(balance="9500.00"):
    """Most of the limit in use and a burst of 31 draws in the last week."""
    account = quiet_account(outstanding_balance=balance)
    draws(account, count=31, amount="100.00")
    return account


def utilisation_item(review):
    (item,) = [item for item in review.explanation if item["feature"] == "utilisation"]
    return item


def test_a_review_explains_against_its_segment_peers_when_a_set_is_active(client):
    segment_set = active_set({"key": SECRET_KEY, "label": SECRET_LABEL, "min_utilisation_percent": 80})
    trained_version(statistics=segment_statistics(segment_set, [SECRET_KEY]))
    account = stretched_bursting_account()

    (review,) = services.anomaly_scoring_run(now=NOW)

    assert review.account == account
    assert {tuple(sorted(item["peers"].items())) for item in review.explanation} == {
        (("kind", "segment"), ("segment", SECRET_KEY), ("segment_set", segment_set.pk))
    }
    item = utilisation_item(review)
    assert item["peer"] == pytest.approx(0.6, abs=0.02)
    english = explanation_text([item], language="en")
    chinese = explanation_text([item], language="zh-hans")
    assert english == "95% of the limit in use; 49% 30 days ago; usually 60% for similar customers"
    assert chinese == "已用额度95%；30天前为49%；同类客户通常为60%"
    for language in ("en", "zh-hans"):
        text = explanation_text(review.explanation, language=language)
        assert SECRET_KEY not in text and SECRET_LABEL not in text and "segment" not in text.lower()

    client.force_login(StaffFactory(group="Risk analyst"))
    page = client.get(reverse("admin:accounts_anomalyreview_decide", args=[review.pk])).content.decode()
    assert "同类客户通常为60%" in page or "usually 60% for similar customers" in page
    assert SECRET_KEY not in page and SECRET_LABEL not in page


def test_a_review_falls_back_to_product_peers_when_no_set_is_active():
    segment_set = active_set({"key": SECRET_KEY, "label": SECRET_LABEL, "min_utilisation_percent": 80})
    version = trained_version(statistics=segment_statistics(segment_set, [SECRET_KEY]))
    SegmentSet.objects.filter(pk=segment_set.pk).update(status=SegmentSet.Status.RETIRED)
    stretched_bursting_account()

    (review,) = services.anomaly_scoring_run(now=NOW)

    assert {item["peers"]["kind"] for item in review.explanation} == {"product"}
    item = utilisation_item(review)
    assert item["peers"] == {"kind": "product", "product": "revolving"}
    product_median = version.peer_statistics["products"]["revolving"]["median"][UTILISATION]
    assert item["peer"] == round(product_median, 2) == pytest.approx(0.27, abs=0.01)
    assert explanation_text([item], language="en").endswith("; usually 27% for similar customers")


def test_a_review_falls_back_to_product_peers_under_a_set_the_model_was_not_trained_with():
    trained_on = active_set({"key": SECRET_KEY, "min_utilisation_percent": 80})
    trained_version(statistics=segment_statistics(trained_on, [SECRET_KEY]))
    SegmentSet.objects.filter(pk=trained_on.pk).update(status=SegmentSet.Status.RETIRED)
    active_set({"key": SECRET_KEY, "min_utilisation_percent": 80})
    stretched_bursting_account()

    (review,) = services.anomaly_scoring_run(now=NOW)

    assert utilisation_item(review)["peers"] == {"kind": "product", "product": "revolving"}


def test_a_segment_with_too_few_accounts_gets_no_figures_and_its_accounts_use_product_peers():
    matrix = quiet_matrix(rows=100)
    segments = ["small"] * (explain.MIN_PEERS - 1) + ["large"] * (100 - explain.MIN_PEERS + 1)

    statistics = peer_statistics(matrix, ["revolving"] * 100, segments=segments, segment_set_id=7)

    assert set(statistics["segments"]["groups"]) == {"large"}
    assert peer_group(statistics, product="revolving", segment="small", segment_set_id=7)[0] == {
        "kind": "product",
        "product": "revolving",
    }
    assert peer_group(statistics, product="revolving", segment="large", segment_set_id=7)[0]["kind"] == "segment"
    assert peer_group(statistics, product="instalment", segment="small", segment_set_id=7)[0] == {"kind": "all"}


def test_an_old_model_version_without_segment_figures_still_scores_with_product_peers():
    active_set({"key": SECRET_KEY, "min_utilisation_percent": 80})
    version = trained_version()  # peer figures stored the way they were before segments
    assert "segments" not in version.peer_statistics
    stretched_bursting_account()

    (review,) = services.anomaly_scoring_run(now=NOW)

    assert review.model_version == version
    assert {item["peers"]["kind"] for item in review.explanation} == {"product"}


def test_training_stores_peer_figures_per_segment_of_the_active_set(monkeypatch):
    segment_set = active_set({"key": SECRET_KEY, "min_utilisation_percent": 80})
    for _ in range(6):
        quiet_account(outstanding_balance="9000.00")
    for _ in range(6):
        quiet_account()
    monkeypatch.setattr(explain, "MIN_PEERS", 5)

    version = services.anomaly_model_train(now=NOW, min_accounts=10)

    section = version.peer_statistics["segments"]
    assert section["set"] == segment_set.pk
    assert {key: figures["count"] for key, figures in section["groups"].items()} == {
        SECRET_KEY: 6,
        "everyone-else": 6,
    }
    assert section["groups"][SECRET_KEY]["median"][UTILISATION] == pytest.approx(0.9)
    assert version.peer_statistics["products"]["revolving"]["count"] == 12


def test_training_without_an_active_set_stores_no_segment_figures():
    for _ in range(12):
        quiet_account()

    version = services.anomaly_model_train(now=NOW, min_accounts=10)

    assert "segments" not in version.peer_statistics


def _chunk_queries(*, segment_count, balances):
    """Queries of scoring one chunk of bursting accounts (one per balance) under a set of
    ``segment_count`` utilisation bands plus the catch-all, each with peer figures."""
    SegmentSet.objects.filter(status=SegmentSet.Status.ACTIVE).update(status=SegmentSet.Status.RETIRED)
    AnomalyModelVersion.objects.filter(status=AnomalyModelVersion.Status.ACTIVE).update(
        status=AnomalyModelVersion.Status.RETIRED
    )
    keys = [f"band-{segment_count}-{index}" for index in range(segment_count)]
    bands = [{"key": key, "min_utilisation_percent": 90 - 8 * index} for index, key in enumerate(keys)]
    segment_set = active_set(*bands)
    trained_version(statistics=segment_statistics(segment_set, keys))
    for balance in balances:
        stretched_bursting_account(balance=balance)
    run = scoring.anomaly_scoring_run_start(now=NOW)
    (chunk,) = AnomalyScoringChunk.objects.filter(run=run)
    with CaptureQueriesContext(connection) as queries:
        reviews = scoring.anomaly_scoring_chunk_score(chunk_id=chunk.pk, now=NOW)
    placed = {item["peers"].get("segment") for review in reviews for item in review.explanation}
    return len(queries), len(reviews), placed


def test_the_queries_of_a_scoring_chunk_do_not_grow_with_the_number_of_segments():
    few, few_reviews, few_placed = _chunk_queries(segment_count=1, balances=["9500.00", "9600.00"])
    many, many_reviews, many_placed = _chunk_queries(
        segment_count=5, balances=["9500.00", "8600.00", "7800.00", "7000.00", "6200.00"]
    )

    assert (few_reviews, many_reviews) == (2, 5)
    assert few_placed == {"band-1-0"}
    assert many_placed == {f"band-5-{index}" for index in range(5)}
    assert many == few
    assert AnomalyReview.objects.count() == 7
