"""Monthly financial health reports and the borrower's communication preferences.

A report belongs to a **login** (the borrower's ``User``), not to the customer record: the page,
the email, its language, the unsubscribe link and the preferences are all the login's, and a
customer record has at most one bound login. Reports are made only for bound logins.

A report keeps what was computed that month (key columns plus a JSON snapshot), so the page, the
email and the API always show the same figures, however the data changes later. Words (grade
explanation, tips) are stored as codes and translated when shown, in the reader's language."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["HealthReport", "CommunicationPreference", "UnsubscribeLink"]


class HealthReportQuerySet(models.QuerySet):
    def for_user(self, user):
        """Only the asking borrower's own reports (none for anonymous or unbound logins)."""
        if not user.is_authenticated or user.customer_id is None:
            return self.none()
        return self.filter(user=user)


class HealthReport(models.Model):
    class Grade(models.TextChoices):
        A = "A", _("A: in good shape")
        B = "B", _("B: good, with room to improve")
        C = "C", _("C: fair")
        D = "D", _("D: needs attention")
        E = "E", _("E: needs attention now")

    class EmailStatus(models.TextChoices):
        PENDING = "pending", _("waiting to send")
        SENDING = "sending", _("being sent")
        SENT = "sent", _("sent")
        SKIPPED = "skipped", _("not sent (turned off by the borrower)")
        FAILED = "failed", _("failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("borrower"), on_delete=models.CASCADE, related_name="health_reports"
    )
    # The first day of the month the report covers.
    month = models.DateField(_("month"))
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices)
    score = models.PositiveSmallIntegerField(_("credit score"), null=True, blank=True)
    score_change = models.SmallIntegerField(_("score change over 12 months"), null=True, blank=True)
    utilisation = models.DecimalField(_("utilisation"), max_digits=8, decimal_places=4, null=True, blank=True)
    on_time_rate = models.DecimalField(_("on-time rate"), max_digits=5, decimal_places=4, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    # Every figure the page and the email show, as computed (see education.services.reports).
    snapshot = models.JSONField(_("computed figures"), default=dict)
    computed_at = models.DateTimeField(_("computed"))
    email_status = models.CharField(
        _("email status"), max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    # Set when a sender claims the email; a claim left behind by a crashed worker is recovered later.
    email_claimed_at = models.DateTimeField(_("email claimed"), null=True, blank=True)
    email_sent_at = models.DateTimeField(_("email sent"), null=True, blank=True)

    objects = HealthReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("health report")
        verbose_name_plural = _("health reports")
        ordering = ["-month", "-id"]
        # (month, user) serves the monthly run's "these borrowers, this month" lookups exactly; the
        # partial index holds only emails still to send, so claiming and recovery stay cheap.
        indexes = [
            models.Index(
                fields=["month", "user"],
                condition=models.Q(email_status__in=["pending", "sending"]),
                name="health_report_email_waiting",
            )
        ]
        constraints = [
            models.UniqueConstraint(fields=["month", "user"], name="health_report_once_per_month"),
            models.CheckConstraint(condition=models.Q(grade__in=["A", "B", "C", "D", "E"]), name="health_grade_valid"),
            models.CheckConstraint(
                condition=models.Q(email_status__in=["pending", "sending", "sent", "skipped", "failed"]),
                name="health_report_email_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(utilisation__isnull=True) | models.Q(utilisation__gte=0),
                name="health_utilisation_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(on_time_rate__isnull=True) | models.Q(on_time_rate__gte=0, on_time_rate__lte=1),
                name="health_on_time_rate_in_range",
            ),
        ]

    def __str__(self):
        return f"{self.user} {self.month:%Y-%m} {self.grade}"


class CommunicationPreference(models.Model):
    """What a borrower wants to hear from us besides the notices we must send.

    Transactional notices (limit changes, appeals, closure, security) are always sent; these
    switches cover only the monthly report email and reminder emails. A borrower without a row
    has the defaults (both on, the portal's time zone)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("borrower"), on_delete=models.CASCADE, related_name="+"
    )
    report_emails = models.BooleanField(_("monthly health report by email"), default=True)
    reminder_emails = models.BooleanField(_("reminders by email"), default=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default=settings.TIME_ZONE)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("communication preference")
        verbose_name_plural = _("communication preferences")

    def __str__(self):
        return str(self.user)


class UnsubscribeLink(models.Model):
    """One unsubscribe link, made for one email. Opaque: the link carries a random token and only
    its SHA-256 is kept, so neither the link nor this table says whose it is without the other.
    Single-purpose: it turns off one kind of email. Revocable: it works once, until it expires."""

    class Kind(models.TextChoices):
        REPORT_EMAILS = "report_emails", _("monthly health report emails")
        REMINDER_EMAILS = "reminder_emails", _("reminder emails")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("borrower"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind of email"), max_length=20, choices=Kind.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("unsubscribe link")
        verbose_name_plural = _("unsubscribe links")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["report_emails", "reminder_emails"]), name="unsubscribe_link_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.user_id} {self.kind}"
