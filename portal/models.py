from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal import notices


class AppendOnlyError(RuntimeError):
    pass


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit events are append-only.")

    def delete(self):
        raise AppendOnlyError("Audit events are append-only.")

    def for_target(self, obj):
        return self.filter(target_type=obj._meta.label_lower, target_id=str(obj.pk))


class AuditEvent(models.Model):
    """Who did what to which object, from where, and when. Written only by
    ``portal.services.audit_event_record``; never updated or deleted (the ORM refuses, and on
    PostgreSQL a trigger refuses too)."""

    occurred_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    # PROTECT: a person who appears in the audit log cannot be deleted out from under it.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("actor label"), max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=64)  # indexed in Meta: matched exactly, never by prefix
    target_type = models.CharField(_("target type"), max_length=100, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    target_label = models.CharField(_("target"), max_length=255, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    # Sealed into signed blocks (portal.integrity); every field, an event never changes.
    SEALED_FIELDS = (
        "occurred_at", "actor", "actor_label", "action", "target_type", "target_id", "target_label",
        "summary", "before", "after", "ip_address",
    )  # fmt: skip
    SEALED_TIME_FIELD = "occurred_at"

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id"]),
            models.Index(fields=["action"], name="audit_action"),
        ]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.action} {self.target_label}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events are append-only.")


class NotificationQuerySet(models.QuerySet):
    def for_recipient(self, user):
        """The person's notification centre: never the emails that only use the outbox."""
        return self.filter(recipient=user, in_centre=True)

    def unread(self):
        return self.filter(read_at__isnull=True)

    def email_pending(self):
        return self.filter(email_status=Notification.EmailStatus.PENDING)

    def localised(self):
        """Notices whose title and body are rendered in the active language as they are read
        (``portal.notices``); notices stored as text only keep their text."""
        clone = self._chain()
        clone._iterable_class = LocalisedNotificationIterable
        return clone


class LocalisedNotificationIterable(models.query.ModelIterable):
    def __iter__(self):
        decoder = notices.Decoder(absolute=True)  # plain text: full addresses, as in the email
        for notification in super().__iter__():
            yield notices.localise(notification, decoder=decoder)


class Notification(models.Model):
    """A notice to one person: shown in their notification centre and, when it has an email,
    kept here as the outbox until the email has left. Writing the row in the same transaction as
    the change it reports means a broker outage delays the email but never loses it.

    It is the portal's one email outbox: emails that are not notices (health reports, closure
    codes, allauth's account emails) are rows here too, with ``in_centre`` off so the
    notification centre never shows them, an explicit address when there is no recipient login,
    extra headers, and an expiry for emails that are useless late (a verification code)."""

    class EmailStatus(models.TextChoices):
        NONE = "none", _("no email")
        PENDING = "pending", _("waiting to send")
        SENDING = "sending", _("being sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("not sent: no longer needed")

    # Indexes: every one is written with each of the many notices a policy run sends, so there is
    # none a query does not use: recipient leads the (recipient, read_at) index, and kind and the
    # key are only matched exactly (Meta), never by prefix (db_index=True/unique=True on a
    # CharField would add a second, pattern-matching index on PostgreSQL).
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
        null=True,
        blank=True,
    )
    # Off for outbox-only emails (reports, codes, account emails): stored and sent, never listed.
    in_centre = models.BooleanField(_("shown in the notification centre"), default=True)
    kind = models.CharField(_("kind"), max_length=64)
    # Notices as data (portal.notices): the templates and the JSON parameters they are rendered
    # from in the reader's language. Empty template: an older notice, shown as its stored text.
    template = models.CharField(_("template"), max_length=64, blank=True)
    params = models.JSONField(_("parameters"), null=True, blank=True)
    # The text as written (and emailed) in the recipient's preferred language.
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"))
    link = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    # A key makes "send this once" hold across retries: the same key never makes a second row.
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)

    email_status = models.CharField(
        _("email status"), max_length=10, choices=EmailStatus.choices, default=EmailStatus.NONE
    )
    email_subject = models.CharField(_("email subject"), max_length=255, blank=True)
    email_text = models.TextField(_("email text"), blank=True)
    email_html = models.TextField(_("email HTML"), blank=True)
    email_attempts = models.PositiveSmallIntegerField(_("email attempts"), default=0)
    email_sent_at = models.DateTimeField(_("email sent"), null=True, blank=True)
    email_last_error = models.CharField(_("last email error"), max_length=500, blank=True)
    # After a failure the outbox sweep waits until this time (growing with each attempt).
    email_next_attempt_at = models.DateTimeField(_("next email attempt"), null=True, blank=True)
    # Set when a fan-out's batch claims the row (``sending``); a claim older than a few SMTP
    # timeouts belongs to a killed worker and the sweep puts the row back in line.
    email_claimed_at = models.DateTimeField(_("email claimed"), null=True, blank=True)
    # The address when it is not the recipient's current one (allauth's emails to an address).
    email_to = models.EmailField(_("email address"), blank=True)
    # Extra headers (List-Unsubscribe, allauth's own); a Message-ID here is the one always used.
    email_headers = models.JSONField(_("email headers"), default=dict, blank=True)
    # An email that is useless once this passes (a verification code) is cancelled, never sent late.
    email_expires_at = models.DateTimeField(_("email expires"), null=True, blank=True)

    # Notices as sent are sealed (portal.integrity): the read time and the email's delivery
    # status change later and stay out; outbox-only emails (codes, reports) are emptied once
    # sent or cancelled, so only notices shown in the centre are sealed.
    SEALED_FIELDS = (
        "recipient", "in_centre", "kind", "template", "params", "title", "body", "link", "created_at",
        "email_subject", "email_text", "email_html", "email_to",
    )  # fmt: skip
    SEALED_WHEN = models.Q(in_centre=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        permissions = [("resend_notification", _("Can send a notice's failed email again"))]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["email_status", "created_at"]),
            models.Index(fields=["kind"], name="notification_kind"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="notification_idempotency_key_unique"),
            models.CheckConstraint(
                condition=models.Q(email_status__in=["none", "pending", "sending", "sent", "failed", "cancelled"]),
                name="notification_email_status_valid",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if getattr(self, "is_localised", False):
            raise RuntimeError("A notice rendered for a reader is never saved: its stored text is what was sent.")
        super().save(*args, **kwargs)

    @property
    def email_address(self):
        return self.email_to or (self.recipient.email if self.recipient_id else "")


# Seal blocks and their verifications live in portal.integrity; imported here so Django finds them.
from portal.integrity.models import IntegrityVerification, SealBlock, SealEntry  # noqa: E402, F401

# Emergency switches and service notices live in their own module; imported here so Django finds them.
from portal.switch_models import EmergencySwitch, ServiceNotice  # noqa: E402, F401
