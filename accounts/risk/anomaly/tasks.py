"""Beat jobs for anomaly detection: weekly training, and scoring the accounts with new balance
movements every 15 minutes (the import writes the movements; the beat picks them up, so an
import never waits on scoring and a missed run is caught by the next)."""

import logging

from celery import shared_task

from accounts.risk.anomaly import services
from portal.exceptions import PortalError

logger = logging.getLogger(__name__)


@shared_task
def anomaly_model_train():
    """Beat, weekly: train a draft version on the recent window (switched on by an analyst)."""
    try:
        version = services.anomaly_model_train()
    except PortalError as error:
        logger.warning("Anomaly model not trained: %s", error.message)
        return None
    return version.pk


@shared_task
def anomaly_scoring_run():
    """Beat: queue again the chunks whose task was lost, start a run over the accounts with new
    movements, and hand its chunks to workers."""
    chunk_ids = services.anomaly_scoring_chunks_requeue()
    run = services.anomaly_scoring_run_start()
    if run is not None:
        chunk_ids += list(run.chunks.values_list("pk", flat=True))
    for chunk_id in chunk_ids:
        anomaly_scoring_chunk.delay(chunk_id)
    return len(chunk_ids)


@shared_task(acks_late=True)
def anomaly_scoring_chunk(chunk_id):
    return len(services.anomaly_scoring_chunk_score(chunk_id=chunk_id))
