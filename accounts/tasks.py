from celery import shared_task

from accounts import services
from accounts.services import risk


@shared_task
def identity_binding_attempts_purge():
    return services.identity_binding_attempts_purge()


# Accounts per chunk task: large enough to amortise task overhead, small enough that a lost
# worker redoes little (evaluation is idempotent, so a redone chunk changes nothing).
EVALUATION_CHUNK = 500


@shared_task
def risk_policy_evaluate():
    """Beat: settle the accounts with new signals that the policy cannot act on in one statement,
    and fan out the others (the candidates) in chunks."""
    account_ids = risk.risk_evaluation_candidate_account_ids()
    for start in range(0, len(account_ids), EVALUATION_CHUNK):
        risk_policy_evaluate_chunk.delay(account_ids[start : start + EVALUATION_CHUNK])
    return len(account_ids)


@shared_task(acks_late=True)
def risk_policy_evaluate_chunk(account_ids):
    return len(risk.risk_evaluate_accounts(account_ids=account_ids))


@shared_task
def risk_report_send():
    """Beat, each morning: yesterday's risk report to the risk analysts."""
    return risk.risk_report_send()


@shared_task
def closure_requests_process():
    """Beat: expire abandoned drafts, complete requests whose cooling-off has ended, and mark
    closed the lines whose balance has been repaid. Idempotent."""
    from accounts.services.closure import closure_requests_process as process

    return process()
