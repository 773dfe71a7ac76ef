"""Celery tasks of the site shell: thin wrappers that call services."""

from celery import shared_task

from portal import services


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
