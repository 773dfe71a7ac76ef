"""Repayment options: quote, record the borrower's instruction, hand it to the core system, and
record its answer. The portal never moves money; only the core system's confirmation changes the
schedule (or autopay) here. Every borrower instruction and staff decision is audited, and every
outcome is told to the borrower."""

from accounts.repayment.services.autopay import autopay_set
from accounts.repayment.services.common import (
    APPROVE_PERMISSION,
    CORE_KINDS,
    DECIDE_PERMISSION,
    HARDSHIP_MAX_MONTHS,
    RepaymentRefused,
    StaffPermissionRefused,
    instruction_path,
    open_installments,
)
from accounts.repayment.services.due_day import due_day_change_preview, due_day_change_request
from accounts.repayment.services.early import early_repayment_quote, early_repayment_request, quote_valid_until
from accounts.repayment.services.hardship import (
    hardship_answer,
    hardship_decide,
    hardship_evidence_path,
    hardship_plan_compute,
    hardship_request,
    hardship_second_approve,
)
from accounts.repayment.services.outcomes import outcome_handlers_register, repayment_outcome_record

__all__ = [
    "APPROVE_PERMISSION",
    "CORE_KINDS",
    "DECIDE_PERMISSION",
    "HARDSHIP_MAX_MONTHS",
    "RepaymentRefused",
    "StaffPermissionRefused",
    "autopay_set",
    "due_day_change_preview",
    "due_day_change_request",
    "early_repayment_quote",
    "early_repayment_request",
    "hardship_answer",
    "hardship_decide",
    "hardship_evidence_path",
    "hardship_plan_compute",
    "hardship_request",
    "hardship_second_approve",
    "instruction_path",
    "open_installments",
    "outcome_handlers_register",
    "quote_valid_until",
    "repayment_outcome_record",
]
