"""The background job that runs a stress test (queued by name from stress_test_start)."""

from celery import shared_task

from accounts.risk.stress import services

# A million accounts took 95 s on a busy two-core machine: more than the default limits, and ten
# minutes leaves room while the hard limit stays under the broker's redelivery timeout (900 s).
STRESS_SOFT_TIME_LIMIT = 10 * 60


@shared_task(acks_late=True, soft_time_limit=STRESS_SOFT_TIME_LIMIT, time_limit=STRESS_SOFT_TIME_LIMIT + 60)
def stress_test_run(stress_test_id):
    services.stress_test_run(stress_test_id=stress_test_id)
