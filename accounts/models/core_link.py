"""The outbox of instructions for the lender's core system.

The portal never moves money: it records what the borrower asked for and hands it to the core
system, which confirms or refuses it. Each instruction is one row here, sent after commit with a
signed request (retried with backoff, always under the same idempotency key) and closed by the
core system's answer."""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CoreInstruction(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SENDING = "sending", _("being sent")
        ACCEPTED = "accepted", _("accepted by the core system")
        CONFIRMED = "confirmed", _("confirmed")
        REFUSED = "refused", _("refused")
        FAILED = "failed", _("failed")

    ANSWERED_STATUSES = (Status.CONFIRMED, Status.REFUSED)

    kind = models.CharField(_("kind"), max_length=64)
    subject_reference = models.CharField(_("subject reference"), max_length=64)
    payload = models.JSONField(_("payload"), default=dict)
    idempotency_key = models.UUIDField(_("idempotency key"), default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    outcome_detail = models.TextField(_("core system's detail"), blank=True)
    outcome_data = models.JSONField(_("core system's data"), default=dict, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("core system instruction")
        verbose_name_plural = _("core system instructions")
        ordering = ["-created_at", "-pk"]
        permissions = [("retry_coreinstruction", _("Can send a core system instruction again"))]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="core_instruction_due"),
            models.Index(fields=["subject_reference"], name="core_instruction_subject"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "sending", "accepted", "confirmed", "refused", "failed"]),
                name="core_instruction_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.subject_reference} ({self.status})"

    @property
    def is_answered(self):
        return self.status in self.ANSWERED_STATUSES
