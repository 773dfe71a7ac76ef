"""The closure-request wizard's writes, by subject: ``drafts`` (steps 1-3 and draft expiry),
``verification`` (step 4, the step-up check), ``submission`` (step 5 and withdrawal) and
``completion`` (carrying a request out after its cooling-off window). What a request does to the
credit line is decided once, in ``accounts.closure.outcome``.

Decisions (see the issue note):
- *pause* freezes the line (status ``frozen``, ledger kind ``voluntary_pause``) and keeps the
  limit; a later *resume* request (ledger kind ``restoration``) makes it active again;
- *close* sets the limit to 0 at completion, so new borrowing stops at once; the status becomes
  ``closed`` at once when nothing is owed, otherwise when the balance has been repaid (the beat
  task writes that second ledger row);
- each request waits ``CLOSURE_COOLING_OFF_HOURS`` after submission; the borrower may withdraw it
  until then; staff can process a due request by hand but can never skip the window.

Callers import from here (``from accounts.closure import services``)."""

# ``secrets`` is re-exported so tests can fix the emailed code (``services.secrets.randbelow``).
import secrets  # noqa: F401

from accounts.closure.outcome import LEDGER_KIND, REASON_CODE
from accounts.closure.services.choices import closure_kinds_allowed, lower_limit_range, target_limit_validate
from accounts.closure.services.common import ClosureConflict, closure_receipt_context, closure_request_receipt_link
from accounts.closure.services.completion import (
    closure_line_close_if_repaid,
    closure_request_complete,
    closure_requests_process,
)
from accounts.closure.services.drafts import (
    closure_drafts_expire,
    closure_request_choice_update,
    closure_request_draft_create,
    closure_request_impact_acknowledge,
    closure_request_impact_and_reason_set,
    closure_request_reason_set,
)
from accounts.closure.services.submission import (
    VERIFICATION_LIFETIME,
    closure_request_steps_done,
    closure_request_submit,
    closure_request_withdraw,
)
from accounts.closure.services.verification import (
    closure_request_verify,
    closure_verification_code_active,
    closure_verification_code_ensure,
    closure_verification_code_send,
    closure_verification_method,
)

__all__ = [
    "LEDGER_KIND",
    "REASON_CODE",
    "VERIFICATION_LIFETIME",
    "ClosureConflict",
    "closure_drafts_expire",
    "closure_kinds_allowed",
    "closure_line_close_if_repaid",
    "closure_receipt_context",
    "closure_request_choice_update",
    "closure_request_complete",
    "closure_request_draft_create",
    "closure_request_impact_acknowledge",
    "closure_request_impact_and_reason_set",
    "closure_request_reason_set",
    "closure_request_receipt_link",
    "closure_request_steps_done",
    "closure_request_submit",
    "closure_request_verify",
    "closure_request_withdraw",
    "closure_requests_process",
    "closure_verification_code_active",
    "closure_verification_code_ensure",
    "closure_verification_code_send",
    "closure_verification_method",
    "lower_limit_range",
    "target_limit_validate",
]
