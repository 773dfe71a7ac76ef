"""The limit policy: from signals to decisions, and from approved decisions to limit changes.

By subject: ``policy`` (the pure ``policy_decide`` and the versions: preview, switch on, copy),
``figures`` (what the policy reads of each account), ``runs`` (a run over new signals, its
chunks, requeues), ``evaluation`` (deciding a chunk's accounts), ``review`` (four-eyes approval)
and ``report`` (the daily report's email). Callers use the names below:
``from accounts.risk import services as risk; risk.policy_decide(...)``."""

from accounts.risk.services.evaluation import accounts_evaluate, decision_planned_change
from accounts.risk.services.figures import (
    RISK_CHANGE_KINDS,
    AccountFigures,
    account_figures_get,
    account_figures_many,
)
from accounts.risk.services.policy import (
    POLICY_PARAMETERS,
    Outcome,
    policy_decide,
    policy_version_activate,
    policy_version_copy,
    policy_version_preview,
)
from accounts.risk.services.report import risk_report_send
from accounts.risk.services.review import risk_decision_approve, risk_decision_reject
from accounts.risk.services.runs import (
    CHUNK_TASK,
    EVALUATION_CHUNK,
    RUN_LOCK,
    SIGNALS_WRITE_LOCK,
    risk_evaluation_chunk_decide,
    risk_evaluation_chunks_requeue,
    risk_evaluation_chunks_retry,
    risk_evaluation_run,
    risk_evaluation_run_start,
    risk_signals_write_lock,
)

__all__ = [
    "CHUNK_TASK",
    "EVALUATION_CHUNK",
    "POLICY_PARAMETERS",
    "RISK_CHANGE_KINDS",
    "RUN_LOCK",
    "SIGNALS_WRITE_LOCK",
    "AccountFigures",
    "Outcome",
    "account_figures_get",
    "account_figures_many",
    "accounts_evaluate",
    "decision_planned_change",
    "policy_decide",
    "policy_version_activate",
    "policy_version_copy",
    "policy_version_preview",
    "risk_decision_approve",
    "risk_decision_reject",
    "risk_evaluation_chunk_decide",
    "risk_evaluation_chunks_requeue",
    "risk_evaluation_chunks_retry",
    "risk_evaluation_run",
    "risk_evaluation_run_start",
    "risk_report_send",
    "risk_signals_write_lock",
]
