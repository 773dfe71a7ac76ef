"""Celery tasks: thin wrappers that call the services. The services enqueue these by name
(accounts.risk.services.CHUNK_TASK), so nothing below imports this module."""

from celery import shared_task

from accounts.closure import services as closure
from accounts.credit import offer_rules, offers
from accounts.identity import services as identity
from accounts.risk import services as risk


@shared_task
def identity_binding_attempts_purge():
    return identity.identity_binding_attempts_purge()


@shared_task
def risk_policy_evaluate():
    """Beat: queue again the chunks whose task was lost, start a policy run over the signals
    received since the last one, and hand its chunks to workers."""
    chunk_ids = risk.risk_evaluation_chunks_requeue()
    run = risk.risk_evaluation_run_start()
    if run is not None:
        chunk_ids += list(run.chunks.values_list("pk", flat=True))
    for chunk_id in chunk_ids:
        risk_policy_evaluate_chunk.delay(chunk_id)
    return run.candidates if run is not None else 0


@shared_task(acks_late=True)
def risk_policy_evaluate_chunk(chunk_id):
    return len(risk.risk_evaluation_chunk_decide(chunk_id=chunk_id))


@shared_task
def risk_report_send():
    """Beat, each morning: yesterday's risk report to the risk analysts."""
    return risk.risk_report_send()


@shared_task
def limit_offers_expire():
    """Beat, hourly: mark open limit offers past their expiry as expired (idempotent)."""
    return offers.limit_offers_expire()


@shared_task
def limit_offers_by_rule():
    """Beat, daily: offer a higher limit to the lines the offer rule selects (idempotent: a line
    with an open offer is skipped)."""
    return offer_rules.limit_offers_by_rule()


@shared_task
def closure_requests_process():
    """Beat: expire abandoned drafts, complete requests whose cooling-off has ended, and mark
    closed the lines whose balance has been repaid. Idempotent."""
    return closure.closure_requests_process()


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=8)
def account_email_send(**message):
    """An allauth email (verification, account exists, password reset), rendered in the request
    and sent here, after commit; a mail server that is down delays it (retries), the Message-ID
    stays the same."""
    return identity.account_email_send(**message)
