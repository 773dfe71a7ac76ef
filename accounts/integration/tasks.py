"""The integration's beat task: a thin wrapper over the service. Celery finds it through
``app.autodiscover_tasks(["accounts.integration"])`` in ``config/celery.py``."""

from celery import shared_task

from accounts.integration import services


@shared_task
def integration_idempotency_keys_expire():
    """Beat, hourly: delete the Idempotency-Keys whose INTEGRATION_IDEMPOTENCY_HOURS are up."""
    return services.integration_idempotency_keys_expire()
