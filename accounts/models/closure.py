"""Closure requests: a borrower asks to lower, pause, resume or close their own credit line.

A request is a draft while the borrower walks through the wizard, then waits out a cooling-off
window (during which it can be withdrawn) before a beat task applies it through the ledger."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models.credit import CreditAccount, LimitChange


class ClosureRequestQuerySet(models.QuerySet):
    def for_user(self, user):
        """Only the requests on the accounts of the customer this login is linked to."""
        if not user.is_authenticated or user.customer_id is None:
            return self.none()
        return self.filter(account__customer_id=user.customer_id)

    def open(self):
        return self.filter(status__in=ClosureRequest.OPEN_STATUSES)

    def drafts_expired(self, now):
        """Drafts left untouched for longer than ``ClosureRequest.DRAFT_LIFETIME``."""
        return self.filter(status=ClosureRequest.Status.DRAFT, updated_at__lt=now - ClosureRequest.DRAFT_LIFETIME)

    def due(self, now):
        """Submitted requests whose cooling-off window has ended."""
        return self.filter(status=ClosureRequest.Status.SUBMITTED, cooling_off_ends_at__lte=now)


class ClosureRequest(models.Model):
    class Kind(models.TextChoices):
        LOWER = "lower", _("lower the limit")
        PAUSE = "pause", _("pause new borrowing")
        RESUME = "resume", _("resume new borrowing")
        CLOSE = "close", _("close the line")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted, in cooling-off")
        COMPLETED = "completed", _("completed")
        WITHDRAWN = "withdrawn", _("withdrawn")
        EXPIRED = "expired", _("expired")
        REJECTED = "rejected", _("could not be applied")

    class Reason(models.TextChoices):
        NO_LONGER_NEEDED = "no_longer_needed", _("I no longer need it")
        LIMIT_SPENDING = "limit_spending", _("I want to limit my spending")
        LOWER_RISK_APPETITE = "lower_risk_appetite", _("I want to take less risk")
        OTHER_PRODUCT = "other_product", _("I am moving to another product")
        OTHER = "other", _("Other")

    class Verification(models.TextChoices):
        TOTP = "totp", _("authenticator app")
        EMAIL = "email", _("code sent by email")

    OPEN_STATUSES = (Status.DRAFT, Status.SUBMITTED)
    # A draft without activity for this long expires (and no longer blocks a new request).
    DRAFT_LIFETIME = timedelta(hours=24)

    reference = models.CharField(_("reference"), max_length=20, unique=True, null=True, blank=True)
    account = models.ForeignKey(
        CreditAccount, verbose_name=_("credit account"), on_delete=models.PROTECT, related_name="closure_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("what"), max_length=10, choices=Kind.choices)
    target_limit = models.DecimalField(_("new limit"), max_digits=12, decimal_places=2, null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=24, choices=Reason.choices, blank=True)
    reason_text = models.CharField(_("in your own words"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    # Steps of the wizard the borrower has completed.
    impact_acknowledged_at = models.DateTimeField(_("impact acknowledged"), null=True, blank=True)
    verified_at = models.DateTimeField(_("identity checked"), null=True, blank=True)
    verification_method = models.CharField(
        _("identity checked with"), max_length=8, choices=Verification.choices, blank=True
    )
    # The one-time email code: only its keyed hash is kept.
    code_hash = models.CharField(max_length=64, blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    code_failed_attempts = models.PositiveSmallIntegerField(default=0)
    codes_sent = models.PositiveSmallIntegerField(default=0)
    # The limit and status when submitted, for the receipt.
    previous_limit = models.DecimalField(_("limit when submitted"), max_digits=12, decimal_places=2, null=True)
    previous_status = models.CharField(_("status when submitted"), max_length=10, blank=True)
    # A client retrying the same create (API Idempotency-Key) gets the same request back.
    idempotency_key = models.CharField(max_length=100, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last activity"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    cooling_off_ends_at = models.DateTimeField(_("cooling-off ends"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    expired_at = models.DateTimeField(_("expired"), null=True, blank=True)
    rejected_at = models.DateTimeField(_("rejected"), null=True, blank=True)
    rejection_reason = models.CharField(_("why it could not be applied"), max_length=300, blank=True)
    # The staff member who rejected it by hand (empty when the beat task did): an appeal against
    # the rejection is never reviewed by them.
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("rejected by"),
    )
    # A closure with a balance left sets the limit to 0 at once; the line is closed (a second
    # ledger row) when the balance reaches 0.
    line_closed_at = models.DateTimeField(_("line closed"), null=True, blank=True)
    limit_change = models.ForeignKey(
        LimitChange, verbose_name=_("ledger row"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ClosureRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("closure request")
        verbose_name_plural = _("closure requests")
        permissions = [("process_closurerequest", _("Can process due closure requests by hand"))]
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "cooling_off_ends_at"]),
            models.Index(fields=["status", "updated_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(status__in=["draft", "submitted"]),
                name="closure_request_one_open_per_account",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "submitted", "completed", "withdrawn", "expired", "rejected"]),
                name="closure_request_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["lower", "pause", "resume", "close"]), name="closure_request_kind_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="lower") | models.Q(target_limit__gt=0),
                name="closure_request_lower_has_target",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "expired"]) | models.Q(reference__isnull=False),
                name="closure_request_submitted_has_reference",
            ),
        ]

    def __str__(self):
        return self.reference or f"draft #{self.pk}"

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES

    def draft_expired(self, now):
        """A draft left untouched for longer than ``DRAFT_LIFETIME`` (see ``drafts_expired``)."""
        return self.status == self.Status.DRAFT and self.updated_at < now - self.DRAFT_LIFETIME

    @property
    def new_limit(self):
        """The limit the borrower asked for, as the confirm page and the receipt show it (pause and
        resume keep the limit). Whether completion can still carry it out is decided, with the
        status, in ``accounts.closure.outcome``."""
        if self.kind == self.Kind.LOWER:
            return self.target_limit
        if self.kind == self.Kind.CLOSE:
            return Decimal("0.00")
        return self.previous_limit if self.previous_limit is not None else self.account.credit_limit
