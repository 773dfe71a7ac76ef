"""Training the anomaly model (scikit-learn's IsolationForest) and keeping its artefact.

``model_fit`` and ``model_scores`` are the model code the benchmark runs too. The artefact is a
joblib file in private storage (PRIVATE_MEDIA_ROOT, never served); its SHA-256 is stored with the
version and checked before the file is unpickled, so a file changed on disk is refused instead of
run (unpickling runs code)."""

import hashlib
import io
import logging
import time
import uuid
from datetime import timedelta
from pathlib import Path

import joblib
import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from sklearn.ensemble import IsolationForest

from accounts.models import AnomalyModelVersion, BalanceMovement
from accounts.risk.anomaly.explain import peer_statistics
from accounts.risk.anomaly.features import FEATURES, FEATURES_VERSION, account_aggregates, feature_matrix
from accounts.risk.segments.selectors import account_segments_many, segment_rules, segment_set_active
from portal.exceptions import PortalError

logger = logging.getLogger(__name__)

# Accounts with activity in this many days before training are the population it learns from.
TRAINING_WINDOW_DAYS = 90
# Below this many accounts with every feature, a forest learns noise: training is refused.
MIN_TRAINING_ACCOUNTS = 500
# The share of accounts a version is expected to send to review: its threshold is the training
# scores' quantile at 1 - this.
EXPECTED_REVIEW_RATE = 0.0125
PARAMETERS = {"n_estimators": 200, "max_samples": 512, "random_state": 0}
# Accounts read per query while collecting the training population.
READ_CHUNK = 5000
ARTEFACT_FOLDER = "anomaly-models"


# Days overdue go to the forest on a log scale, so a split between 0 and the largest value does
# not spend itself on the tail; the ratios are logs already, and utilisation and days late stay
# linear, where a jump of weeks stands out from a usual day or two.
LOG_SCALED = ["linked_overdue_days"]
_LOG_COLUMNS = [FEATURES.index(name) for name in LOG_SCALED]


def model_input(matrix):
    """The forest's input: LOG_SCALED columns as log(1 + x), the rest as they are."""
    matrix = np.array(matrix, dtype=float)
    matrix[:, _LOG_COLUMNS] = np.log1p(np.maximum(matrix[:, _LOG_COLUMNS], 0.0))
    return matrix


def model_fit(matrix, *, parameters=None, expected_rate=EXPECTED_REVIEW_RATE):
    """Fit a forest on complete rows of ``matrix``; returns (model, threshold, training scores).
    A higher score is more unusual; scores above the threshold open reviews."""
    parameters = {**PARAMETERS, **(parameters or {})}
    parameters["max_samples"] = min(parameters["max_samples"], len(matrix))
    model = IsolationForest(**parameters, n_jobs=1)
    model.fit(model_input(matrix))
    scores = model_scores(model, matrix)
    threshold = float(np.quantile(scores, 1.0 - expected_rate))
    return model, threshold, scores


def model_scores(model, matrix):
    """The anomaly score of each complete row: higher is more unusual."""
    return -model.score_samples(model_input(matrix))


def artefact_path(name):
    return Path(settings.PRIVATE_MEDIA_ROOT) / ARTEFACT_FOLDER / name


def artefact_write(model):
    """Store ``model`` under a new random name; returns (name, SHA-256 of the file's bytes)."""
    buffer = io.BytesIO()
    joblib.dump(model, buffer, compress=3)
    content = buffer.getvalue()
    name = f"{uuid.uuid4().hex}.joblib"
    path = artefact_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return name, hashlib.sha256(content).hexdigest()


# Verified models by (version id, hash): a worker loads each version once.
_loaded = {}


def artefact_load(version):
    """The version's model, after checking the file's SHA-256 against the stored one: a missing
    or changed file is refused with a clear message and never unpickled."""
    key = (version.pk, version.artefact_sha256)
    if key in _loaded:
        return _loaded[key]
    path = artefact_path(version.artefact_name)
    try:
        content = path.read_bytes()
    except OSError as error:
        raise PortalError(
            _("The file of model %(model)s cannot be read (%(error)s); train a new version.")
            % {"model": version.label, "error": error.strerror or error},
            code="artefact_missing",
        ) from error
    if hashlib.sha256(content).hexdigest() != version.artefact_sha256:
        logger.error("Anomaly model %s: artefact hash mismatch, refused", version.label)
        raise PortalError(
            _(
                "The file of model %(model)s does not match its recorded fingerprint, so it was not "
                "loaded; it may have been changed on disk. Train a new version."
            )
            % {"model": version.label},
            code="artefact_mismatch",
        )
    model = joblib.load(io.BytesIO(content))
    _loaded.clear()  # keep one model per worker: versions change rarely and forests are large
    _loaded[key] = model
    return model


def training_population(*, now, window_days=TRAINING_WINDOW_DAYS, segment_set=None):
    """Accounts with balance movements in the window: their complete feature rows, products,
    segment keys under ``segment_set`` (None without a set), and the number left out because a
    feature was missing."""
    account_ids = list(
        BalanceMovement.objects.filter(recorded_at__gte=now - timedelta(days=window_days), recorded_at__lt=now)
        .order_by("account_id")
        .values_list("account_id", flat=True)
        .distinct()
    )
    rules = segment_rules(segment_set)
    matrices, products, segments = [], [], []
    for start in range(0, len(account_ids), READ_CHUNK):
        chunk = account_ids[start : start + READ_CHUNK]
        aggregates = account_aggregates(account_ids=chunk, now=now)
        matrices.append(feature_matrix(aggregates.arrays))
        products += aggregates.products
        if rules:
            placed = account_segments_many(account_ids=chunk, rules=rules, now=now)
            segments += [placed.get(account_id, "") for account_id in chunk]
    matrix = np.vstack(matrices) if matrices else np.zeros((0, len(FEATURES)))
    complete = ~np.isnan(matrix).any(axis=1)

    def kept(values):
        return np.asarray(values)[complete] if values else np.asarray([])

    return matrix[complete], kept(products), (kept(segments) if rules else None), int((~complete).sum())


def anomaly_model_train(*, now=None, window_days=TRAINING_WINDOW_DAYS, min_accounts=MIN_TRAINING_ACCOUNTS):
    """Train a draft model version on the accounts active in the window before ``now``. Too few
    accounts with every feature: refused with a clear message, nothing stored."""
    now = now or timezone.now()
    segment_set = segment_set_active()
    matrix, products, segments, skipped = training_population(now=now, window_days=window_days, segment_set=segment_set)
    if len(matrix) < min_accounts:
        raise PortalError(
            _(
                "Too little data to train a model: %(count)s accounts with every feature were active in "
                "the last %(days)s days (%(skipped)s more had a feature missing); at least %(minimum)s are "
                "needed. Nothing was stored."
            )
            % {"count": len(matrix), "days": window_days, "skipped": skipped, "minimum": min_accounts},
            code="too_little_data",
        )
    started = time.perf_counter()
    model, threshold, scores = model_fit(matrix)
    seconds = time.perf_counter() - started
    name, digest = artefact_write(model)
    try:
        with transaction.atomic():
            version = AnomalyModelVersion.objects.create(
                features_version=FEATURES_VERSION,
                features=list(FEATURES),
                parameters={**PARAMETERS, "expected_review_rate": EXPECTED_REVIEW_RATE},
                metrics={
                    "training_accounts": len(matrix),
                    "skipped_missing_feature": skipped,
                    "training_seconds": round(seconds, 2),
                    "flagged_share": round(float((scores > threshold).mean()), 4),
                    "score_median": round(float(np.median(scores)), 4),
                },
                peer_statistics=peer_statistics(
                    matrix,
                    products,
                    segments=segments,
                    segment_set_id=segment_set.pk if segments is not None else None,
                ),
                threshold=threshold,
                trained_from=now - timedelta(days=window_days),
                trained_to=now,
                training_accounts=len(matrix),
                artefact_name=name,
                artefact_sha256=digest,
            )
    except Exception:
        artefact_path(name).unlink(missing_ok=True)
        raise
    logger.info("Anomaly model %s trained on %s accounts in %.1fs", version.label, len(matrix), seconds)
    return version
