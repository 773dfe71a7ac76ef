"""Celery tasks of the site shell: thin wrappers that call services."""

from celery import shared_task

from portal import services
from portal.integrity import services as integrity_services


@shared_task(acks_late=True)
def notification_email_deliver(notification_id):
    return services.notification_email_deliver(notification_id=notification_id)


@shared_task(acks_late=True)
def notification_email_deliver_many(notification_ids):
    return sum(services.notification_email_deliver(notification_id=pk) for pk in notification_ids)


@shared_task
def notification_outbox_flush():
    """Beat, every minute: put back the claims of killed workers, and hand every email still
    waiting to a delivery task."""
    services.notification_email_claims_release()
    ids = services.notification_outbox_pending_ids()
    for notification_id in ids:
        notification_email_deliver.delay(notification_id)
    return len(ids)


@shared_task
def integrity_seal():
    """Beat, every minute: seal the rows written since the last seal."""
    return sum(block.row_count for block in integrity_services.integrity_seal())


@shared_task
def integrity_verify_daily():
    """Beat, daily: seal any row the minute runs could not see (a look at every row), then
    recompute the whole chain; a mismatch emails the compliance officers once."""
    integrity_services.integrity_seal(full=True, max_blocks=10**9)
    return integrity_services.integrity_verify(alert=True).outcome
