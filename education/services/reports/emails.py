"""Emailing the monthly reports through the portal's one outbox (``portal.models.Notification``
rows with ``in_centre`` off): each report's email is rendered and written as an outbox row in
the transaction that stores the report, then the chunk's task sends its own rows over one mail
connection. The outbox gives the crash and outage semantics: a row is locked while it is sent and
marked sent in the same transaction, its Message-ID is fixed by the row, a failure is retried
with backoff, and the sweep (every minute) sends what a killed worker or a mail outage left."""

from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from education.models import HealthReport, UnsubscribeLink
from education.services.reports import compute
from education.services.reports.figures import health_report_figures
from education.services.reports.unsubscribe import unsubscribe_links_create, unsubscribe_links_expired_delete
from portal.models import Notification
from portal.services import notification_emails_deliver, outbox_email_build, outbox_emails_write

# Reports sent per batch by the chunk's task (one mail connection for the chunk, statuses
# recorded after each batch).
EMAIL_BATCH = 200
EMAIL_KIND = "health_report"


def report_email_key(report_id):
    """The outbox row's idempotency key: one email per report, whatever reruns."""
    return f"health_report:{report_id}"


# --- one message -------------------------------------------------------------------------------


def _report_email(report, user, templates, urls, unsubscribe_token):
    figures = health_report_figures(report)
    unsubscribe_url = urls["unsubscribe"].replace("TOKEN", unsubscribe_token)
    context = {
        "report": figures,
        "report_url": f"{urls['report']}{report.pk}/",
        "preferences_url": urls["preferences"],
        "unsubscribe_url": unsubscribe_url,
        "site_url": settings.SITE_URL,
        "LANGUAGE_CODE": "en" if translation.get_language() == "en" else "zh-Hans",
        "title": _("Your financial health report for %(month)s") % {"month": figures["month"]},
    }
    return outbox_email_build(
        recipient=user,
        kind=EMAIL_KIND,
        subject=f"{settings.EMAIL_SUBJECT_PREFIX}{context['title']}",
        text=templates["text"].render(context),
        html=templates["html"].render(context),
        headers={
            # RFC 2369 / RFC 8058: mail clients show an unsubscribe button that POSTs here.
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        idempotency_key=report_email_key(report.pk),
    )


def _email_resources():
    """Templates compiled once per chunk, and the links every message fills in."""
    templates = {
        "html": get_template("education/reports/email.html"),
        "text": get_template("education/reports/email.txt"),
    }
    urls = {
        "unsubscribe": settings.SITE_URL + reverse("report_unsubscribe", args=["TOKEN"]),
        "report": settings.SITE_URL + reverse("health_report_detail", args=[0]).removesuffix("0/"),
        "preferences": settings.SITE_URL + reverse("communication_preferences"),
    }
    return templates, urls


# --- writing the chunk's outbox rows (inside the reports' transaction) -------------------------


def health_report_emails_queue(*, reports, now=None):
    """Render these new reports' emails, each in its borrower's language, and write them to the
    outbox in one insert. Called in the transaction that stores the reports, so a report waiting
    for its email always has its outbox row; a report that already has one is not written twice."""
    if not reports:
        return
    now = now or timezone.now()
    user_ids = [report.user_id for report in reports]
    unsubscribe_links_expired_delete(user_ids=user_ids, now=now)
    templates, urls = _email_resources()
    users = {row.pk: row for row in User.objects.filter(pk__in=user_ids).only("pk", "email", "preferred_language")}
    tokens = unsubscribe_links_create(user_ids=list(users), kind=UnsubscribeLink.Kind.REPORT_EMAILS, now=now)
    by_language = defaultdict(list)
    for report in reports:
        by_language[users[report.user_id].preferred_language].append(report)
    emails = []
    for language, group in by_language.items():
        with translation.override(language):
            for report in group:
                user = users[report.user_id]
                emails.append(_report_email(report, user, templates, urls, tokens[user.pk]))
                if len(emails) == EMAIL_BATCH:  # written in batches: a chunk's mail never sits in memory whole
                    outbox_emails_write(emails=emails)
                    emails = []
    outbox_emails_write(emails=emails)


# --- sending the chunk's rows, and the reports' status ---------------------------------------


def _outbox_ids(report_ids, now):
    """The outbox rows of these reports still waiting. A waiting report without a row (stored
    before reports used the outbox) gets one first."""
    keys = {report_email_key(pk): pk for pk in report_ids}
    rows = list(
        Notification.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", "pk", "email_status")
    )
    missing = set(keys.values()) - {keys[key] for key, _pk, _status in rows}
    if missing:
        with transaction.atomic():
            health_report_emails_queue(
                reports=list(HealthReport.objects.filter(pk__in=missing).order_by("pk")), now=now
            )
        rows = list(
            Notification.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", "pk", "email_status")
        )
    return sorted(pk for _key, pk, status in rows if status == Notification.EmailStatus.PENDING)


def health_report_emails_sync(*, report_ids):
    """Copy the outbox's word onto these reports still ``pending``: sent or failed for good."""
    keys = {report_email_key(pk): pk for pk in report_ids}
    outcomes = defaultdict(list)
    for key, status, sent_at in Notification.objects.filter(idempotency_key__in=keys).values_list(
        "idempotency_key", "email_status", "email_sent_at"
    ):
        outcomes[status].append((keys[key], sent_at))
    waiting = HealthReport.objects.filter(email_status=HealthReport.EmailStatus.PENDING)
    sent = outcomes[Notification.EmailStatus.SENT]
    if sent:
        waiting.filter(pk__in=[pk for pk, _sent_at in sent]).update(
            email_status=HealthReport.EmailStatus.SENT, email_sent_at=max(sent_at for _pk, sent_at in sent)
        )
    failed = [pk for pk, _sent_at in outcomes[Notification.EmailStatus.FAILED]]
    if failed:
        waiting.filter(pk__in=failed).update(email_status=HealthReport.EmailStatus.FAILED)
    cancelled = [pk for pk, _sent_at in outcomes[Notification.EmailStatus.CANCELLED]]
    if cancelled:
        waiting.filter(pk__in=cancelled).update(email_status=HealthReport.EmailStatus.SKIPPED)
    return len(sent)


def health_report_emails_send(*, user_ids, month, now=None):
    """Send these borrowers' waiting report emails for ``month`` from the outbox, over one mail
    connection, each at most once (the outbox locks each row while sending it). Returns the
    number sent; those the mail server refused stay in the outbox for the sweep."""
    report_ids = list(
        HealthReport.objects.filter(
            month=month,
            **compute.user_id_bounds(user_ids),
            user_id__in=user_ids,
            email_status=HealthReport.EmailStatus.PENDING,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    now = now or timezone.now()
    total = 0
    for start in range(0, len(report_ids), EMAIL_BATCH):
        batch = report_ids[start : start + EMAIL_BATCH]
        total += notification_emails_deliver(notification_ids=_outbox_ids(batch, now))
        health_report_emails_sync(report_ids=batch)
    return total


def health_report_emails_status_refresh(*, month):
    """Beat: reports of ``month`` still ``pending`` take the status of their outbox rows (those
    the sweep sent after a worker was killed or the mail server came back)."""
    report_ids = list(
        HealthReport.objects.filter(month=month, email_status=HealthReport.EmailStatus.PENDING).values_list(
            "pk", flat=True
        )
    )
    sent = 0
    for start in range(0, len(report_ids), 1000):
        sent += health_report_emails_sync(report_ids=report_ids[start : start + 1000])
    return sent
