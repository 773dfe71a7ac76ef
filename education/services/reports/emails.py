"""Emailing the monthly reports exactly once: claim a batch, render it, send it over one
connection, record what left. See the package's docstring for the recovery after a crash."""

from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection as db_connection
from django.db import transaction
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from education.models import HealthReport, UnsubscribeLink
from education.services.reports.compute import user_id_bounds
from education.services.reports.figures import health_report_figures
from education.services.reports.unsubscribe import unsubscribe_links_create, unsubscribe_links_expired_delete

EMAIL_BATCH = 200
EMAIL_CLAIM_TIMEOUT = timedelta(minutes=30)


# --- one message -------------------------------------------------------------------------------


def _report_message(report, user, templates, connection, urls, unsubscribe_token):
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
    message = EmailMultiAlternatives(
        subject=f"{settings.EMAIL_SUBJECT_PREFIX}{context['title']}",
        body=templates["text"].render(context),
        to=[user.email],
        connection=connection,
        headers={
            # RFC 2369 / RFC 8058: mail clients show an unsubscribe button that POSTs here.
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(templates["html"].render(context), "text/html")
    return message


# --- a batch: claim, render, send, record ------------------------------------------------------


def _claim(month, user_ids, now, limit):
    """Mark up to ``limit`` of these borrowers' pending report emails as being sent; return them."""
    with transaction.atomic():
        candidates = HealthReport.objects.filter(
            month=month,
            **user_id_bounds(user_ids),
            user_id__in=user_ids,
            email_status=HealthReport.EmailStatus.PENDING,
        ).order_by("pk")
        if db_connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        claimed = list(candidates.values_list("pk", flat=True)[:limit])
        HealthReport.objects.filter(pk__in=claimed).update(
            email_status=HealthReport.EmailStatus.SENDING, email_claimed_at=now
        )
    return claimed


def _batch_messages(claimed, templates, connection, urls):
    """The claimed reports' messages, each in its borrower's language, and their report ids in
    the same order."""
    reports = list(HealthReport.objects.filter(pk__in=claimed).order_by("pk"))
    users = {
        row.pk: row
        for row in User.objects.filter(pk__in=[r.user_id for r in reports]).only("pk", "email", "preferred_language")
    }
    # A new link in every email (a report sent again after a crash gets another one).
    tokens = unsubscribe_links_create(user_ids=list(users), kind=UnsubscribeLink.Kind.REPORT_EMAILS)
    by_language = defaultdict(list)
    for report in reports:
        by_language[users[report.user_id].preferred_language].append(report)
    messages, order = [], []
    for language, group in by_language.items():
        with translation.override(language):
            for report in group:
                user = users[report.user_id]
                messages.append(_report_message(report, user, templates, connection, urls, tokens[user.pk]))
                order.append(report.pk)
    return messages, order


def _email_batch_send(connection, messages):
    """Send a batch over the open connection; return how many left (the rest did not)."""
    sent = 0
    for message in messages:
        connection.send_messages([message])
        sent += 1
    return sent


def _batch_record(order, sent):
    """The first ``sent`` of the batch left: mark them sent; the rest go back to waiting."""
    sent_ids, unsent_ids = order[:sent], order[sent:]
    HealthReport.objects.filter(pk__in=sent_ids).update(
        email_status=HealthReport.EmailStatus.SENT, email_sent_at=timezone.now()
    )
    HealthReport.objects.filter(pk__in=unsent_ids, email_status=HealthReport.EmailStatus.SENDING).update(
        email_status=HealthReport.EmailStatus.PENDING, email_claimed_at=None
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


def health_report_emails_send(*, user_ids, month, now=None):
    """Send these borrowers' pending report emails for ``month``: each at most once. Returns the
    number sent."""
    now = now or timezone.now()
    unsubscribe_links_expired_delete(user_ids=user_ids, now=now)
    templates, urls = _email_resources()
    total = 0
    connection = get_connection()
    connection.open()
    try:
        while claimed := _claim(month, user_ids, now, EMAIL_BATCH):
            messages, order = _batch_messages(claimed, templates, connection, urls)
            sent = 0
            try:
                sent = _email_batch_send(connection, messages)
            finally:
                _batch_record(order, sent)  # whatever happened, record what left
            total += sent
    finally:
        connection.close()
    return total


def health_report_emails_recover(*, now=None, older_than=EMAIL_CLAIM_TIMEOUT):
    """Return claims left behind by a crashed worker to ``pending`` so the next run sends them."""
    now = now or timezone.now()
    return HealthReport.objects.filter(
        email_status=HealthReport.EmailStatus.SENDING, email_claimed_at__lt=now - older_than
    ).update(email_status=HealthReport.EmailStatus.PENDING, email_claimed_at=None)
