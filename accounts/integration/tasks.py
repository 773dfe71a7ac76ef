"""The integration's beat task: a thin wrapper over the service. Celery finds it through
``app.autodiscover_tasks(["accounts.integration"])`` in ``config/celery.py``."""

from celery import shared_task

from accounts.integration import services
from accounts.integration.outbound.tasks import (  # noqa: F401 -- registered with Celery through this module
    core_instruction_send,
    core_instructions_sweep,
    core_simulator_answer,
)


@shared_task
def integration_idempotency_keys_expire():
    """Beat, hourly: delete the Idempotency-Keys whose INTEGRATION_IDEMPOTENCY_HOURS are up."""
    return services.integration_idempotency_keys_expire()
