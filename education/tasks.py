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
# the unique constraint and the email claim make the redo create and send nothing twice.
@shared_task(acks_late=True, reject_on_worker_lost=True)
def health_reports_chunk(user_ids, month):
    created, sent = reports.health_reports_chunk_process(user_ids=user_ids, month=date.fromisoformat(month))
    return {"created": created, "sent": sent}


@shared_task
def health_report_emails_recover():
    """Beat, hourly: put email claims abandoned by a crashed worker back in line, and resend them."""
    month = reports.report_month_previous()
    recovered = reports.health_report_emails_recover()
    if recovered:
        for user_ids in reports.health_report_pending_email_chunks(month=month):
            health_reports_chunk.delay(user_ids, month.isoformat())
    return recovered


@shared_task
def reminders_send():
    """Beat, hourly: repayment and appeal reminders for borrowers outside their quiet hours."""
    return reminders.reminders_send()
