"""The borrower's choices about report and reminder emails: the preferences page and the
one-click unsubscribe link in every report email (each link works once; see ``unsubscribe``)."""

from zoneinfo import available_timezones

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from education.models import CommunicationPreference, HealthReport, UnsubscribeLink
from education.services.reports.emails import EMAIL_KIND, report_email_key
from education.services.reports.unsubscribe import unsubscribe_link_get
from portal.exceptions import PortalError
from portal.services import audit_event_record, outbox_emails_cancel


def _pending_report_emails_skip(user):
    """The borrower's report emails still waiting are not sent: the reports say skipped and
    their outbox rows are cancelled."""
    waiting = HealthReport.objects.filter(user=user, email_status=HealthReport.EmailStatus.PENDING)
    report_ids = list(waiting.values_list("pk", flat=True))
    waiting.update(email_status=HealthReport.EmailStatus.SKIPPED)
    outbox_emails_cancel(kind=EMAIL_KIND, idempotency_keys=[report_email_key(pk) for pk in report_ids])


def report_unsubscribe_link_check(*, token):
    """Refuse (PortalError) a link that cannot turn off the report email: the confirmation page
    says so before the borrower clicks."""
    unsubscribe_link_get(token=token, kind=UnsubscribeLink.Kind.REPORT_EMAILS)


def report_emails_unsubscribe(*, token, request=None):
    """Turn off the monthly report email for the link's borrower (one click from the email) and
    spend the link: it works once."""
    with transaction.atomic():
        link = unsubscribe_link_get(token=token, kind=UnsubscribeLink.Kind.REPORT_EMAILS, lock=True)
        link.used_at = timezone.now()
        link.save(update_fields=["used_at"])
        user = link.user
        preference, _created = CommunicationPreference.objects.select_for_update().get_or_create(user=user)
        if preference.report_emails:
            preference.report_emails = False
            preference.save(update_fields=["report_emails", "updated_at"])
            audit_event_record(
                actor=None,
                actor_label=user.get_username(),
                action="report_emails_unsubscribed",
                target=preference,
                before={"report_emails": True},
                after={"report_emails": False},
                request=request,
            )
        _pending_report_emails_skip(user)
    return preference


def communication_preference_get(*, user):
    """The borrower's preferences (the defaults, unsaved, if they never changed them)."""
    return CommunicationPreference.objects.filter(user=user).first() or CommunicationPreference(user=user)


def communication_preference_update(*, user, report_emails, reminder_emails, time_zone, request=None):
    """Save the borrower's choices. Transactional notices are not affected by any of them."""
    if time_zone not in available_timezones():
        raise PortalError(_("Choose a time zone from the list."), field="time_zone")
    with transaction.atomic():
        preference, _created = CommunicationPreference.objects.select_for_update().get_or_create(user=user)
        before = {
            "report_emails": preference.report_emails,
            "reminder_emails": preference.reminder_emails,
            "time_zone": preference.time_zone,
        }
        after = {"report_emails": report_emails, "reminder_emails": reminder_emails, "time_zone": time_zone}
        if before == after:
            return preference
        preference.report_emails = report_emails
        preference.reminder_emails = reminder_emails
        preference.time_zone = time_zone
        preference.save(update_fields=["report_emails", "reminder_emails", "time_zone", "updated_at"])
        if not report_emails:
            _pending_report_emails_skip(user)
        audit_event_record(
            actor=user,
            action="communication_preferences_updated",
            target=preference,
            before=before,
            after=after,
            request=request,
        )
    return preference
