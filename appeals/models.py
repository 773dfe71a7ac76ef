"""Appeals against limit decisions (a ledger row: a passive change or a clearance) and against
rejected closure requests: the appeal and its SLA clock, evidence files, the message thread, the
timeline, and the four-eyes approvals that overturns above a threshold wait for."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import ClosureRequest, CreditAccount, LimitChange


class AppealQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=Appeal.OPEN_STATUSES)

    def for_customer(self, user):
        """Only appeals on the accounts of the customer this login is linked to."""
        if not user.is_authenticated or user.customer_id is None:
            return self.none()
        # Subqueries on the customer's own ledger rows and requests, not joins: an OR across two
        # joins makes PostgreSQL read every appeal and the whole ledger (bench/pages.py).
        accounts = CreditAccount.objects.filter(customer_id=user.customer_id).values("pk")
        return self.filter(
            Q(limit_change__in=LimitChange.objects.filter(account__in=accounts).values("pk"))
            | Q(closure_request__in=ClosureRequest.objects.filter(account__in=accounts).values("pk"))
        )

    def on_clock(self):
        """Appeals whose decision deadline is running (not paused, not decided)."""
        return self.filter(status__in=Appeal.ON_CLOCK_STATUSES)


class Appeal(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", pgettext_lazy("appeal status", "submitted")
        UNDER_REVIEW = "under_review", _("under review")
        INFORMATION_REQUESTED = "information_requested", _("information requested")
        AWAITING_APPROVAL = "awaiting_approval", _("decision being checked")
        DECIDED = "decided", _("decided")
        SECOND_REVIEW = "second_review", _("second-level review")
        CLOSED = "closed", _("closed")
        WITHDRAWN = "withdrawn", _("withdrawn")

    class Grounds(models.TextChoices):
        DATA_WRONG = "data_wrong", _("The data behind the decision is wrong")
        HARDSHIP_OVER = "hardship_over", _("My financial difficulty is over")
        NOT_MY_ACTIVITY = "not_my_activity", _("It was not my activity (fraud)")
        DISAGREE = "disagree", _("I disagree with the assessment")
        OTHER = "other", _("Other")

    class DesiredOutcome(models.TextChoices):
        RESTORE = "restore", _("Restore my previous limit")
        PARTIAL = "partial", _("Restore part of my limit")
        UNFREEZE = "unfreeze", _("Unfreeze my credit line")
        APPLY_REQUEST = "apply", _("Carry out my request as I asked")

    class Outcome(models.TextChoices):
        OVERTURNED = "overturned", _("overturned")
        PARTLY_OVERTURNED = "partly_overturned", _("partly overturned")
        UPHELD = "upheld", _("upheld")

    class CloseReason(models.TextChoices):
        DECIDED = "decided", _("decided")
        UNANSWERED = "unanswered", _("no answer to our information request")
        SECOND_REVIEW_DECIDED = "second_review_decided", _("second-level review decided")

    ON_CLOCK_STATUSES = (Status.SUBMITTED, Status.UNDER_REVIEW, Status.SECOND_REVIEW)
    OPEN_STATUSES = (
        Status.SUBMITTED,
        Status.UNDER_REVIEW,
        Status.INFORMATION_REQUESTED,
        Status.AWAITING_APPROVAL,
        Status.SECOND_REVIEW,
    )

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    # The decision under appeal: a ledger row, or a closure request the lender rejected.
    limit_change = models.ForeignKey(
        LimitChange,
        verbose_name=_("decision under appeal"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals",
    )
    closure_request = models.ForeignKey(
        ClosureRequest,
        verbose_name=_("rejected request under appeal"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), on_delete=models.PROTECT, related_name="appeals"
    )
    grounds = models.CharField(_("grounds"), max_length=20, choices=Grounds.choices)
    statement = models.TextField(_("statement"))
    desired_outcome = models.CharField(_("outcome wanted"), max_length=10, choices=DesiredOutcome.choices)
    # What the lender held when the borrower appealed: reasons, inputs, policy version.
    decision_snapshot = models.JSONField(_("decision under appeal (snapshot)"), default=dict)
    status = models.CharField(_("status"), max_length=24, choices=Status.choices, default=Status.SUBMITTED)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_appeals",
    )
    jurisdiction = models.CharField(_("deadline profile"), max_length=16)
    created_at = models.DateTimeField(_("submitted"), default=timezone.now, db_index=True)
    due_at = models.DateTimeField(_("decision due"))
    # While we wait for the borrower the clock stops; the pause is added to due_at on resume.
    sla_paused_at = models.DateTimeField(_("clock paused since"), null=True, blank=True)
    sla_paused_total = models.DurationField(_("time paused"), default=timedelta)
    information_requested_at = models.DateTimeField(_("information requested"), null=True, blank=True)
    information_reminded_at = models.DateTimeField(_("borrower reminded"), null=True, blank=True)
    assignee_reminded_at = models.DateTimeField(_("assignee reminded"), null=True, blank=True)
    breach_notified_at = models.DateTimeField(_("breach reported"), null=True, blank=True)
    extended_at = models.DateTimeField(_("deadline extended"), null=True, blank=True)
    extension_reason = models.TextField(_("reason for the extension"), blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    restored_limit = models.DecimalField(_("restored limit"), max_digits=12, decimal_places=2, null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    restoration = models.ForeignKey(
        LimitChange, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("restoration")
    )
    second_review_requested_at = models.DateTimeField(_("second-level review requested"), null=True, blank=True)
    second_review_reason = models.TextField(_("why a second-level review"), blank=True)
    second_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    second_review_outcome = models.CharField(
        _("second-level outcome"), max_length=20, choices=Outcome.choices, blank=True
    )
    second_review_decision_reason = models.TextField(_("second-level reason"), blank=True)
    second_review_decided_at = models.DateTimeField(_("second-level decided"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    close_reason = models.CharField(_("why closed"), max_length=24, choices=CloseReason.choices, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = AppealQuerySet.as_manager()

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "due_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["limit_change"],
                condition=Q(
                    status__in=[
                        "submitted",
                        "under_review",
                        "information_requested",
                        "awaiting_approval",
                        "second_review",
                    ]
                ),
                name="one_open_appeal_per_decision",
            ),
            models.UniqueConstraint(
                fields=["closure_request"],
                condition=Q(
                    status__in=[
                        "submitted",
                        "under_review",
                        "information_requested",
                        "awaiting_approval",
                        "second_review",
                    ]
                ),
                name="one_open_appeal_per_closure_request",
            ),
            models.CheckConstraint(
                condition=Q(limit_change__isnull=False, closure_request__isnull=True)
                | Q(limit_change__isnull=True, closure_request__isnull=False),
                name="appeal_has_one_decision",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "submitted",
                        "under_review",
                        "information_requested",
                        "awaiting_approval",
                        "decided",
                        "second_review",
                        "closed",
                        "withdrawn",
                    ]
                ),
                name="appeal_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(grounds__in=["data_wrong", "hardship_over", "not_my_activity", "disagree", "other"]),
                name="appeal_grounds_valid",
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=["", "overturned", "partly_overturned", "upheld"]),
                name="appeal_outcome_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["decided", "awaiting_approval"]) | ~Q(outcome=""),
                name="appeal_decided_has_outcome",
            ),
        ]
        permissions = [
            ("review_appeal", "Can review and decide appeals"),
            ("approve_appeal", "Can approve appeal overturns and do second-level reviews"),
        ]

    def __str__(self):
        return self.reference

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES

    @property
    def account(self):
        return self.limit_change.account if self.limit_change_id else self.closure_request.account

    @property
    def is_against_closure_request(self):
        return self.closure_request_id is not None


class EvidenceFile(models.Model):
    """A file the borrower sent. Stored under a random name in PRIVATE_MEDIA_ROOT, never under a
    name the borrower chose, and served only by appeals.views.evidence_download."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="evidence")
    message = models.ForeignKey(
        "AppealMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="evidence"
    )
    stored_name = models.CharField(max_length=64, unique=True)
    # The sender's name with the extension of the type found in the content (see appeals.evidence).
    original_name = models.CharField(_("file name"), max_length=120)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.original_name


class AppealMessage(models.Model):
    class Visibility(models.TextChoices):
        PUBLIC = "public", _("reply")
        INTERNAL = "internal", _("internal note")

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_borrower = models.BooleanField(default=False)
    visibility = models.CharField(_("visibility"), max_length=10, choices=Visibility.choices)
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("appeal message")
        verbose_name_plural = _("appeal messages")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(visibility__in=["public", "internal"]), name="appeal_message_visibility"
            ),
            models.CheckConstraint(
                condition=~Q(from_borrower=True, visibility="internal"), name="borrower_messages_public"
            ),
        ]

    def __str__(self):
        return f"{self.appeal} {self.visibility} {self.created_at:%Y-%m-%d %H:%M}"


class AppealEvent(models.Model):
    """One step on the appeal's timeline. ``public`` events are shown to the borrower."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    public = models.BooleanField(default=True)
    description = models.TextField(_("description"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    # Sealed into signed blocks (portal.integrity): the timeline, decisions included.
    SEALED_FIELDS = ("appeal", "kind", "actor", "public", "description", "data", "created_at")

    class Meta:
        verbose_name = _("appeal event")
        verbose_name_plural = _("appeal events")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.appeal} {self.kind}"


class AppealApproval(models.Model):
    """A decided overturn waiting for a Supervisor other than the decider (four eyes)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for approval")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="approvals")
    level = models.PositiveSmallIntegerField(_("review level"), default=1)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Appeal.Outcome.choices)
    restored_limit = models.DecimalField(_("limit to restore"), max_digits=12, decimal_places=2)
    restored_status = models.CharField(_("status to restore"), max_length=10)
    reason = models.TextField(_("reason for the decision"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("approved or rejected"), null=True, blank=True)
    note = models.TextField(_("approver's note"), blank=True)

    # Sealed (portal.integrity) once approved or rejected.
    SEALED_FIELDS = (
        "appeal", "level", "outcome", "restored_limit", "restored_status", "reason", "requested_by",
        "requested_at", "status", "approver", "decided_at", "note",
    )  # fmt: skip
    SEALED_WHEN = ~Q(status="pending")
    SEALED_TIME_FIELD = "requested_at"

    class Meta:
        verbose_name = _("appeal approval")
        verbose_name_plural = _("appeal approvals")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["appeal"], condition=Q(status="pending"), name="one_pending_approval_per_appeal"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "rejected"]), name="appeal_approval_status_valid"
            ),
        ]

    def __str__(self):
        return f"{self.appeal} {self.outcome} ({self.status})"
