"""Celery tasks of the education app: load ids, call a service. Each is safe to run twice."""

from datetime import date

from celery import shared_task

from education.services import reminders, reports


@shared_task
def health_reports_monthly():
    """Beat, 1st of the month: one chunk task per REPORT_CHUNK borrowers for last month."""
    month = reports.report_month_previous()
    chunks = reports.health_reports_monthly_plan()
    for user_ids in chunks:
        health_reports_chunk.delay(user_ids, month.isoformat())
    return len(chunks)


# acks_late + reject on worker loss (settings): a chunk whose worker dies is delivered again;
# the unique constraint and the outbox's row lock make the redo create and send nothing twice,
# and the outbox sweep sends the killed chunk's emails even before the redo.
@shared_task(acks_late=True, reject_on_worker_lost=True)
def health_reports_chunk(user_ids, month):
    created, sent = reports.health_reports_chunk_process(user_ids=user_ids, month=date.fromisoformat(month))
    return {"created": created, "sent": sent}


@shared_task
def health_report_emails_refresh():
    """Beat: last month's reports whose email the outbox sweep sent (after a worker was killed
    or the mail server came back) are marked sent, or failed, as their outbox row is."""
    return reports.health_report_emails_status_refresh(month=reports.report_month_previous())


@shared_task
def reminders_send():
    """Beat, hourly: repayment and appeal reminders for borrowers outside their quiet hours."""
    return reminders.reminders_send()
