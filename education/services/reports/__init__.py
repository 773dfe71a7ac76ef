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
2. **email** — in the same transaction, each new report's email (rendered in the borrower's
   language, with its own unsubscribe link) is written to the portal's one email outbox
   (``portal.services.outbox_emails_write``, one insert per chunk). The chunk's task then sends
   its own rows over one mail connection (``health_report_emails_send``): the outbox locks each
   row while it is sent and marks it sent in that transaction, so a redone chunk sends nothing
   twice, and the row's fixed Message-ID makes the one unavoidable repeat (a worker killed
   between the mail server's answer and the commit) show once in the mailbox.

Recovery: a killed worker's lock ends with its connection, and the outbox sweep (every minute)
sends every row still waiting after a few SMTP timeouts; a mail outage leaves rows waiting with
a growing backoff, never dropped, and after the last attempt they are failed and shown to staff,
who resend them from the notifications admin. ``health_report_emails_status_refresh`` copies the
outbox's outcome onto the reports the sweep sent."""

from education.services.reports.compute import (
    health_report_borrower_ids,
    health_report_compute,
    health_report_generate,
    health_reports_generate,
    report_month_check,
    report_month_current,
    report_month_previous,
)
from education.services.reports.emails import (
    EMAIL_BATCH,
    health_report_emails_queue,
    health_report_emails_send,
    health_report_emails_status_refresh,
)
from education.services.reports.figures import health_report_card, health_report_figures
from education.services.reports.preferences import (
    communication_preference_get,
    communication_preference_update,
    report_emails_unsubscribe,
    report_unsubscribe_link_check,
)
from education.services.reports.run import (
    REPORT_CHUNK,
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
    "REPORT_CHUNK",
    "UNSUBSCRIBE_MAX_AGE",
    "communication_preference_get",
    "communication_preference_update",
    "health_report_borrower_ids",
    "health_report_compute",
    "health_report_emails_queue",
    "health_report_emails_send",
    "health_report_emails_status_refresh",
    "health_report_card",
    "health_report_figures",
    "health_report_generate",
    "health_reports_chunk_process",
    "health_reports_generate",
    "health_reports_monthly_plan",
    "report_emails_unsubscribe",
    "report_month_check",
    "report_month_current",
    "report_month_previous",
    "report_unsubscribe_link_check",
    "unsubscribe_link_create",
    "unsubscribe_links_create",
]
