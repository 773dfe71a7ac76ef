"""Scoring runs: the accounts with balance movements since the last run, stored in chunks; each
chunk scored once under the active model version, queued again when its task is lost or failed
(the same shape as policy runs, accounts/risk/services/runs.py).

A score above the version's threshold opens an anomaly review, and nothing else: no decision,
no notice, no limit change."""

import logging
from datetime import timedelta

import numpy as np
from django.db import DatabaseError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import (
    AccountFeatures,
    AnomalyModelVersion,
    AnomalyReview,
    AnomalyScoringChunk,
    AnomalyScoringRun,
    BalanceMovement,
)
from accounts.risk.anomaly.explain import explanation_build, segment_set_trained
from accounts.risk.anomaly.features import FEATURES, FEATURES_VERSION, account_aggregates, feature_matrix
from accounts.risk.anomaly.training import artefact_load, model_scores
from accounts.risk.segments.selectors import account_segments_many, segment_rules, segment_set_active
from portal.db import ids_among, rows_insert, transaction_lock
from portal.exceptions import PortalError

logger = logging.getLogger(__name__)

SCORING_CHUNK = 500
RUN_LOCK = "accounts.anomalyscoringrun.start"
CHUNK_TASK = "accounts.risk.anomaly.tasks.anomaly_scoring_chunk"
# As policy-run chunks: a chunk not done this long after it was queued is queued again, at most
# CHUNK_MAX_REQUEUES times; then it waits with its last error for someone to look.
CHUNK_REQUEUE_AFTER = timedelta(minutes=10)
CHUNK_MAX_REQUEUES = 5


def anomaly_scoring_run_start(*, now=None, chunk_size=SCORING_CHUNK):
    """Start a scoring run over the accounts with movements since the last run, under the active
    model version. Returns the run, or None (no active version, or no new movement)."""
    now = now or timezone.now()
    with transaction.atomic():
        transaction_lock(RUN_LOCK)
        version = AnomalyModelVersion.objects.active().first()
        if version is None:
            return None
        after = AnomalyScoringRun.objects.aggregate(top=Max("through_movement_id"))["top"] or 0
        through = BalanceMovement.objects.filter(pk__gt=after).aggregate(top=Max("pk"))["top"]
        if through is None:
            return None
        account_ids = list(
            BalanceMovement.objects.filter(pk__gt=after, pk__lte=through)
            .order_by("account_id")
            .values_list("account_id", flat=True)
            .distinct()
        )
        run = AnomalyScoringRun.objects.create(
            model_version=version,
            after_movement_id=after,
            through_movement_id=through,
            started_at=now,
            accounts=len(account_ids),
        )
        rows_insert(
            AnomalyScoringChunk,
            [
                AnomalyScoringChunk(run=run, account_ids=account_ids[start : start + chunk_size], queued_at=now)
                for start in range(0, len(account_ids), chunk_size)
            ],
        )
    return run


def _check_version(version):
    if version.features_version != FEATURES_VERSION or version.features != FEATURES:
        raise PortalError(
            _(
                "Model %(model)s was trained on feature list %(trained)s, but accounts are now described by "
                "list %(current)s; train a new version."
            )
            % {"model": version.label, "trained": version.features_version, "current": FEATURES_VERSION},
            code="features_changed",
        )


def _segments_for_peers(*, version, account_ids, now):
    """(the active segment set's id, each account's segment key) when ``version`` has peer
    figures for that very set; else (None, {}), and the accounts are compared with their
    product's peers. A fixed number of queries whatever the number of accounts or segments:
    the set, its rules, then every account placed in one statement."""
    trained = segment_set_trained(version.peer_statistics)
    if trained is None:
        return None, {}
    segment_set = segment_set_active()
    if segment_set is None or segment_set.pk != trained:
        return None, {}
    rules = segment_rules(segment_set)
    return segment_set.pk, account_segments_many(account_ids=account_ids, rules=rules, now=now)


def accounts_score(*, version, account_ids, chunk, now):
    """Score ``account_ids`` under ``version``: store each account's features, open a review for
    each score above the threshold (unless one is open for the account and version). Accounts
    with a feature missing are stored unscored and counted. Returns (reviews, skipped by feature)."""
    _check_version(version)
    model = artefact_load(version)
    aggregates = account_aggregates(account_ids=account_ids, now=now)
    matrix = feature_matrix(aggregates.arrays)
    complete = ~np.isnan(matrix).any(axis=1)
    scores = np.full(len(account_ids), np.nan)
    if complete.any():
        scores[complete] = model_scores(model, matrix[complete])
    skipped = {name: int(count) for name, count in zip(FEATURES, np.isnan(matrix).sum(axis=0), strict=True) if count}

    rows = rows_insert(
        AccountFeatures,
        [
            AccountFeatures(
                account_id=account_id,
                chunk=chunk,
                features_version=FEATURES_VERSION,
                window_start=aggregates.window_start,
                window_end=aggregates.window_end,
                values={
                    name: (None if np.isnan(value) else round(float(value), 4))
                    for name, value in zip(FEATURES, matrix[at], strict=True)
                },
                score=None if np.isnan(scores[at]) else round(float(scores[at]), 6),
            )
            for at, account_id in enumerate(account_ids)
        ],
    )
    flagged = [at for at in range(len(account_ids)) if complete[at] and scores[at] > version.threshold]
    segment_set_id, segments = (
        _segments_for_peers(version=version, account_ids=[account_ids[at] for at in flagged], now=now)
        if flagged
        else (None, {})
    )
    already_open = set(
        AnomalyReview.objects.open()
        .filter(model_version=version, account_id__in=ids_among([account_ids[at] for at in flagged]))
        .values_list("account_id", flat=True)
    )
    reviews = rows_insert(
        AnomalyReview,
        [
            AnomalyReview(
                account_id=account_ids[at],
                model_version=version,
                features=rows[at],
                score=round(float(scores[at]), 6),
                explanation=explanation_build(
                    matrix_row=matrix[at],
                    arrays=aggregates.arrays,
                    at=at,
                    product=aggregates.products[at],
                    statistics=version.peer_statistics,
                    segment=segments.get(account_ids[at], ""),
                    segment_set_id=segment_set_id,
                ),
                created_at=now,
            )
            for at in flagged
            if account_ids[at] not in already_open
        ],
    )
    return reviews, int((~complete).sum()), skipped


def anomaly_scoring_chunk_score(*, chunk_id, now=None):
    """Score one chunk of a run, once: the chunk is locked and marked done in the transaction
    that writes its features and reviews. Returns the reviews opened (none when it was done
    already). When scoring fails, nothing of it stays, the chunk keeps the error, and the error
    is raised again (the beat job queues the chunk again later)."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            chunk = (
                AnomalyScoringChunk.objects.select_for_update(of=("self",))
                .select_related("run__model_version")
                .filter(pk=chunk_id)
                .first()
            )
            if chunk is None or chunk.done_at is not None:
                return []
            reviews, skipped, missing = accounts_score(
                version=chunk.run.model_version, account_ids=chunk.account_ids, chunk=chunk, now=now
            )
            if skipped:
                logger.warning(
                    "Anomaly chunk %s: %s accounts not scored, a feature was missing (%s)", chunk.pk, skipped, missing
                )
            chunk.done_at, chunk.last_error = now, ""
            chunk.scored, chunk.skipped, chunk.skipped_features = len(chunk.account_ids) - skipped, skipped, missing
            chunk.reviews = len(reviews)
            chunk.save(update_fields=["done_at", "last_error", "scored", "skipped", "skipped_features", "reviews"])
    except Exception as error:
        _chunk_error_record(chunk_id=chunk_id, error=error)
        raise
    return reviews


def _chunk_error_record(*, chunk_id, error):
    message = error.message if isinstance(error, PortalError) else f"{type(error).__name__}: {error}"
    try:
        AnomalyScoringChunk.objects.filter(pk=chunk_id).update(last_error=str(message)[:500])
    except DatabaseError:
        logger.warning("Could not record the error of anomaly chunk %s", chunk_id, exc_info=True)


def anomaly_scoring_chunks_requeue(*, now=None):
    """Mark queued again the chunks whose task seems lost or failed (not done ten minutes after
    it was queued), each at most CHUNK_MAX_REQUEUES times; returns their ids."""
    now = now or timezone.now()
    with transaction.atomic():
        stalled = list(
            AnomalyScoringChunk.objects.select_for_update(skip_locked=True)
            .waiting()
            .filter(queued_at__lt=now - CHUNK_REQUEUE_AFTER, requeues__lt=CHUNK_MAX_REQUEUES)
            .values_list("pk", flat=True)
        )
        AnomalyScoringChunk.objects.filter(pk__in=stalled).update(queued_at=now, requeues=F("requeues") + 1)
    return stalled


def anomaly_scoring_run(*, now=None):
    """Start a run and score its chunks here, in this process (the shell, tests, the demo); the
    beat job hands the chunks to workers instead. Returns the reviews opened."""
    run = anomaly_scoring_run_start(now=now)
    if run is None:
        return []
    reviews = []
    for chunk_id in run.chunks.order_by("pk").values_list("pk", flat=True):
        reviews += anomaly_scoring_chunk_score(chunk_id=chunk_id, now=now)
    return reviews
