"""Every change to an appeal, by subject: ``filing`` (appeal_submit and what it attaches),
``review`` (staff steps before a decision), ``decision`` (the decision and its four-eyes approval,
as action objects), ``borrower`` (reply, withdraw, second-level review), ``clock`` (the beat jobs),
``evidence`` (the audit event of each download) and ``common`` (lock, errors, permission checks,
and the event/audit/notice tail). Each service locks the appeal, checks who is acting and whether
the state machine allows the step, records the timeline event and the audit event, and tells the
borrower (notification centre + email, after commit). Views, admin, API and tasks all call these;
callers import from here.

States: submitted → under_review ⇄ information_requested → (awaiting_approval →) decided →
closed; decided (upheld) → second_review → (awaiting_approval →) closed; withdrawn before a
decision; information_requested → closed when the borrower never answers."""

from appeals.services.borrower import appeal_borrower_reply, appeal_second_review_request, appeal_withdraw
from appeals.services.clock import (
    appeals_assignee_remind,
    appeals_breach_report,
    appeals_decided_close,
    appeals_information_remind,
    appeals_unanswered_close,
)
from appeals.services.common import APPROVE_PERMISSION, REVIEW_PERMISSION, SUPERVISOR_GROUP
from appeals.services.decision import (
    AppealApprovalDecide,
    AppealDecide,
    appeal_approval_decide,
    appeal_decide,
    appeal_decision_preview,
)
from appeals.services.evidence import evidence_download_record
from appeals.services.filing import appeal_submit, desired_outcomes_for
from appeals.services.review import (
    appeal_assign,
    appeal_deadline_extend,
    appeal_escalate,
    appeal_information_request,
    appeal_queue_export,
    appeal_staff_reply,
    appeals_assign_many,
)

__all__ = [
    "APPROVE_PERMISSION",
    "REVIEW_PERMISSION",
    "SUPERVISOR_GROUP",
    "AppealApprovalDecide",
    "AppealDecide",
    "appeal_approval_decide",
    "appeal_assign",
    "appeal_borrower_reply",
    "appeal_deadline_extend",
    "appeal_decide",
    "appeal_decision_preview",
    "appeal_escalate",
    "appeal_information_request",
    "appeal_queue_export",
    "appeal_second_review_request",
    "appeal_staff_reply",
    "appeal_submit",
    "appeal_withdraw",
    "appeals_assign_many",
    "appeals_assignee_remind",
    "appeals_breach_report",
    "appeals_decided_close",
    "appeals_information_remind",
    "appeals_unanswered_close",
    "desired_outcomes_for",
    "evidence_download_record",
]
