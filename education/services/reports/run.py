"""The monthly run: all bound borrowers cut into chunks of ids, one Celery task per chunk, each
making its reports and then sending their emails."""

from education.services.reports.compute import health_report_borrower_ids, health_reports_generate
from education.services.reports.emails import health_report_emails_send

REPORT_CHUNK = 1000


def _chunks(ids, chunk_size):
    return [ids[start : start + chunk_size] for start in range(0, len(ids), chunk_size)]


def health_reports_chunk_process(*, user_ids, month, now=None):
    """Everything one chunk task does: make the reports, then send their emails. Safe to rerun."""
    created = health_reports_generate(user_ids=user_ids, month=month, now=now)
    sent = health_report_emails_send(user_ids=user_ids, month=month, now=now)
    return created, sent


def health_reports_monthly_plan(*, chunk_size=REPORT_CHUNK):
    """The monthly run cut into chunks of borrower ids (one task each)."""
    return _chunks(health_report_borrower_ids(), chunk_size)
