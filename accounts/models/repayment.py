"""Repayment options: what the borrower asked the lender's core system to do about repaying.

The portal never moves money. It quotes, records the borrower's instruction and hands it to the
core system, which confirms or refuses it; only a confirmation changes the schedule here."""

import uuid
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models.credit import CreditAccount


class RepaymentQuote(models.Model):
    """What repaying early costs today: exact, and valid only until ``valid_until``."""

    reference = models.UUIDField(_("reference"), default=uuid.uuid4, unique=True, editable=False)
    account = models.ForeignKey(CreditAccount, on_delete=models.PROTECT, related_name="repayment_quotes")
    full = models.BooleanField(_("repays everything"))
    amount = models.DecimalField(_("amount to repay"), max_digits=12, decimal_places=2)
    principal = models.DecimalField(_("outstanding principal"), max_digits=12, decimal_places=2)
    accrued_interest = models.DecimalField(_("interest accrued to today"), max_digits=12, decimal_places=2)
    owed_today = models.DecimalField(_("owed today"), max_digits=12, decimal_places=2)
    interest_saved = models.DecimalField(_("interest saved"), max_digits=12, decimal_places=2)
    valid_until = models.DateTimeField(_("valid until"))
    created_at = models.DateTimeField(_("quoted"), default=timezone.now)

    class Meta:
        verbose_name = _("early repayment quote")
        verbose_name_plural = _("early repayment quotes")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="repayment_quote_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(interest_saved__gte=0), name="repayment_quote_saved_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.account} quote {self.amount}"

    def is_expired(self, now=None):
        return self.valid_until <= (now or timezone.now())


class RepaymentInstructionQuerySet(models.QuerySet):
    def for_user(self, user):
        if not user.is_authenticated or user.customer_id is None:
            return self.none()
        return self.filter(account__customer_id=user.customer_id)

    def pending(self):
        """Instructions the core system has not answered yet (nor the borrower or staff closed)."""
        return self.filter(status__in=RepaymentInstruction.PENDING_STATUSES)


class RepaymentInstruction(models.Model):
    """One instruction about repaying. Early repayment, due-day change and autopay go
    requested → sent → confirmed/refused; a hardship plan goes requested → (awaiting second
    approval →) offered → accepted → sent → confirmed/refused, or ends declined (by the borrower)
    or rejected (by staff)."""

    class Kind(models.TextChoices):
        EARLY_REPAYMENT = "early_repayment", _("early repayment")
        DUE_DAY_CHANGE = "due_day_change", _("change of due day")
        AUTOPAY = "autopay", _("automatic repayment")
        HARDSHIP_PLAN = "hardship_plan", _("hardship plan")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("requested")
        AWAITING_APPROVAL = "awaiting_approval", _("awaiting a second approval")
        OFFERED = "offered", _("new schedule offered")
        ACCEPTED = "accepted", _("accepted")
        SENT = "sent", _("sent to the lender")
        CONFIRMED = "confirmed", _("confirmed")
        REFUSED = "refused", _("refused by the lender")
        DECLINED = "declined", _("declined by you")
        REJECTED = "rejected", _("rejected")

    PENDING_STATUSES = ("requested", "awaiting_approval", "offered", "accepted", "sent")

    reference = models.UUIDField(_("reference"), default=uuid.uuid4, unique=True, editable=False)
    # Indexed by (account, kind, requested_at) in Meta, which leads with the account.
    account = models.ForeignKey(
        CreditAccount, on_delete=models.PROTECT, related_name="repayment_instructions", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # What was asked, JSON-plain (amounts as strings, dates ISO): due_day and effective_from,
    # enabled, mode and months.
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    quote = models.OneToOneField(
        RepaymentQuote, null=True, blank=True, on_delete=models.PROTECT, related_name="instruction"
    )
    # Hardship: the balance the plan covers (the second-approval threshold compares it).
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2, null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    evidence_name = models.CharField(_("evidence file"), max_length=120, blank=True)
    evidence_stored_name = models.CharField(max_length=64, blank=True)
    evidence_content_type = models.CharField(max_length=40, blank=True)
    # The new schedule: a list of {"due_date": "YYYY-MM-DD", "amount_due": "123.45"}.
    proposed_schedule = models.JSONField(_("proposed schedule"), default=list, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    core_detail = models.TextField(_("lender's answer"), blank=True)
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    offered_at = models.DateTimeField(_("offered"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered by the borrower"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    objects = RepaymentInstructionQuerySet.as_manager()

    class Meta:
        verbose_name = _("repayment instruction")
        verbose_name_plural = _("repayment instructions")
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["account", "kind", "requested_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["early_repayment", "due_day_change", "autopay", "hardship_plan"]),
                name="repayment_instruction_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=[
                        "requested",
                        "awaiting_approval",
                        "offered",
                        "accepted",
                        "sent",
                        "confirmed",
                        "refused",
                        "declined",
                        "rejected",
                    ]
                ),
                name="repayment_instruction_status_valid",
            ),
            # Four eyes: whoever approves a plan above the threshold is not who decided it.
            models.CheckConstraint(
                condition=models.Q(approved_by__isnull=True) | ~models.Q(approved_by=models.F("decided_by")),
                name="repayment_instruction_two_people",
            ),
        ]
        permissions = [
            ("decide_hardship", "Can decide hardship plan requests"),
            ("approve_hardship", "Can give the second approval of a hardship plan"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {str(self.reference)[:8]}"

    @property
    def short_reference(self):
        return str(self.reference)[:8].upper()

    @property
    def is_pending(self):
        return self.status in self.PENDING_STATUSES

    @property
    def proposed_rows(self):
        """The proposed schedule as dates and amounts, for pages."""
        return [
            {"due_date": date.fromisoformat(row["due_date"]), "amount_due": Decimal(row["amount_due"])}
            for row in self.proposed_schedule
        ]
