"""Monthly financial health reports: computing them in bulk and emailing them exactly once.

One module per step: ``compute`` (the chunk's data and each borrower's figures), ``figures``
(a stored report as the page, the email and the API show it), ``emails`` (claim, send, record,
recover), ``unsubscribe`` (the link in each email: opaque, one kind of email, used once, expiring),
``preferences`` (the borrower's choices, and unsubscribing by link) and ``run`` (the monthly run's
chunks). Callers import from this package.

The monthly run (``health_reports_monthly_plan``) splits all bound borrowers into chunks of ids;
each chunk (``health_reports_chunk_process``, one Celery task with ``acks_late``) does:

1. **compute** — a handful of set-based queries for the whole chunk (users, accounts, scores,
   installments, limit changes, appeals), the pure metrics of ``report_metrics`` in Python, and
   one ``bulk_create(ignore_conflicts=True)``: the (user, month) unique constraint makes a re-run
   or a retried chunk create nothing twice.
2. **email** — reports still ``pending`` are *claimed* in batches (``pending → sending`` in one
   UPDATE, ``SKIP LOCKED`` on PostgreSQL so two workers never claim the same row), rendered with
   one compiled template per part, sent over **one** mail connection for the chunk, and marked
   ``sent`` right after. If sending raises, what was not sent goes back to ``pending`` and what
   was sent is marked sent, so a retried chunk sends nothing twice.

Recovery after a hard crash (worker killed between claim and mark): its claimed rows stay
``sending``. ``health_report_emails_recover`` (beat, hourly) returns claims older than
``EMAIL_CLAIM_TIMEOUT`` to ``pending`` and the next run sends them: at most one batch
(``EMAIL_BATCH``) per crashed worker may then reach someone twice — we prefer that over silently
losing the report, and the web page remains the authoritative copy.

The report email bypasses the per-notice outbox (``portal.services.notification_send``) for
throughput; it keeps the outbox's guarantees through the report's own email status: written in
the same transaction as the report, claimed before sending, marked after, swept if stuck."""

from education.services.reports.compute import (
    health_report_borrower_ids,
    health_report_compute,
    health_report_generate,
    health_reports_generate,
    report_month_current,
    report_month_previous,
)
from education.services.reports.emails import (
    EMAIL_BATCH,
    EMAIL_CLAIM_TIMEOUT,
    health_report_emails_recover,
    health_report_emails_send,
)
from education.services.reports.figures import health_report_figures
from education.services.reports.preferences import (
    communication_preference_get,
    communication_preference_update,
    report_emails_unsubscribe,
    report_unsubscribe_link_check,
)
from education.services.reports.run import (
    REPORT_CHUNK,
    health_report_pending_email_chunks,
    health_reports_chunk_process,
    health_reports_monthly_plan,
)
from education.services.reports.unsubscribe import (
    UNSUBSCRIBE_MAX_AGE,
    unsubscribe_link_create,
    unsubscribe_links_create,
)

__all__ = [
    "EMAIL_BATCH",
    "EMAIL_CLAIM_TIMEOUT",
    "REPORT_CHUNK",
    "UNSUBSCRIBE_MAX_AGE",
    "communication_preference_get",
    "communication_preference_update",
    "health_report_borrower_ids",
    "health_report_compute",
    "health_report_emails_recover",
    "health_report_emails_send",
    "health_report_figures",
    "health_report_generate",
    "health_report_pending_email_chunks",
    "health_reports_chunk_process",
    "health_reports_generate",
    "health_reports_monthly_plan",
    "report_emails_unsubscribe",
    "report_month_current",
    "report_month_previous",
    "report_unsubscribe_link_check",
    "unsubscribe_link_create",
    "unsubscribe_links_create",
]
