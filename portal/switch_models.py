"""Emergency switches and the service notice banner: data and the invariants the database holds.
Every change goes through ``portal.switches``."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class EmergencySwitchQuerySet(models.QuerySet):
    def on(self):
        """Switches in force: turned on and not yet turned off (a pending request changes nothing)."""
        return self.filter(turned_off_at__isnull=True)

    def off_requested(self):
        return self.on().filter(off_requested_at__isnull=False)


class EmergencySwitch(models.Model):
    """One time a switch was turned on, until a second person approved turning it off. Turning
    on is the safe direction and takes one person with a reason; turning off takes a request and
    an approval by someone else, never by the person who turned it on."""

    class Kind(models.TextChoices):
        DECISIONS = "decisions", _("Pause automated decisions")
        EMAIL_KIND = "email_kind", _("Pause an email kind")
        READ_ONLY = "read_only", _("Read-only portal")

    kind = models.CharField(_("switch"), max_length=20, choices=Kind.choices)
    # Only for "pause an email kind": the outbox kind that waits (Notification.kind).
    email_kind = models.CharField(_("email kind"), max_length=64, blank=True)
    reason = models.TextField(_("reason"))
    turned_on_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("turned on by"), on_delete=models.PROTECT, related_name="+"
    )
    turned_on_at = models.DateTimeField(_("turned on at"))
    off_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("turning off requested by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    off_requested_at = models.DateTimeField(_("turning off requested at"), null=True, blank=True)
    off_reason = models.TextField(_("reason for turning off"), blank=True)
    turned_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("turning off approved by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    turned_off_at = models.DateTimeField(_("turned off at"), null=True, blank=True)

    objects = EmergencySwitchQuerySet.as_manager()

    class Meta:
        verbose_name = _("emergency switch")
        verbose_name_plural = _("emergency switches")
        ordering = ["-turned_on_at", "-id"]
        default_permissions = ("view",)
        permissions = [
            ("turn_on_emergencyswitch", _("Can turn an emergency switch on")),
            ("turn_off_emergencyswitch", _("Can request or approve turning an emergency switch off")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["decisions", "email_kind", "read_only"]), name="emergency_switch_kind_valid"
            ),
            models.CheckConstraint(
                condition=(Q(kind="email_kind") & ~Q(email_kind="")) | (~Q(kind="email_kind") & Q(email_kind="")),
                name="emergency_switch_email_kind_only_for_email",
            ),
            # Off only after a request, and approved by someone other than who turned it on.
            models.CheckConstraint(
                condition=Q(turned_off_at__isnull=True)
                | (Q(off_requested_at__isnull=False) & ~Q(turned_off_by=models.F("turned_on_by"))),
                name="emergency_switch_off_after_request_by_another",
            ),
            # One switch of each kind (and email kind) in force at a time.
            models.UniqueConstraint(
                fields=["kind", "email_kind"],
                condition=Q(turned_off_at__isnull=True),
                name="emergency_switch_one_on",
            ),
        ]

    def __str__(self):
        if self.kind == self.Kind.EMAIL_KIND:
            return f"{self.get_kind_display()}: {self.email_kind}"
        return str(self.get_kind_display())

    @property
    def is_on(self):
        return self.turned_off_at is None


class ServiceNoticeQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=ServiceNotice.Status.APPROVED)

    def showing_at(self, moment):
        return self.approved().filter(starts_at__lte=moment, ends_at__gt=moment)


class ServiceNotice(models.Model):
    """A banner borrowers see on every page between its start and end, in their language:
    written by support, shown only once a different person (a supervisor) approved it. An edit
    after approval sends it back to draft."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        APPROVED = "approved", _("approved")
        WITHDRAWN = "withdrawn", _("withdrawn")

    text_zh = models.TextField(_("text (Chinese)"), max_length=500)
    text_en = models.TextField(_("text (English)"), max_length=500)
    starts_at = models.DateTimeField(_("shown from"))
    ends_at = models.DateTimeField(_("shown until"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("written by"), on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField(_("written at"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    objects = ServiceNoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("service notice")
        verbose_name_plural = _("service notices")
        ordering = ["-starts_at", "-id"]
        permissions = [("approve_servicenotice", _("Can approve a service notice"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "approved", "withdrawn"]), name="service_notice_status_valid"
            ),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="service_notice_ends_after"),
            models.CheckConstraint(
                condition=~Q(status="approved")
                | (Q(approved_by__isnull=False) & ~Q(approved_by=models.F("written_by"))),
                name="service_notice_approved_by_another",
            ),
        ]

    def __str__(self):
        return f"{self.starts_at:%Y-%m-%d %H:%M} {self.text_en[:60]}"

    def text_in(self, language):
        return self.text_zh if (language or "").startswith("zh") else self.text_en
