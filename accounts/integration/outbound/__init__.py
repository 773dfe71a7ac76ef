"""The outbound link to the lender's core system: an outbox of signed instructions, sent after
commit and retried with backoff, and the core system's signed answers that close them."""

from accounts.integration.outbound.services import core_instruction_enqueue, core_outcome_handler_register

__all__ = ["core_instruction_enqueue", "core_outcome_handler_register"]
