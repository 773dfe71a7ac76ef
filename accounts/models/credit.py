"""Credit accounts mirrored from the core system, and the append-only ledger of limit changes."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models.identity import CustomerRecord
from portal.formatting import money
from portal.models import AppendOnlyError


class CreditProduct(models.Model):
    """A credit product: its currency and the steps in which a limit may be set."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    limit_step = models.DecimalField(_("limit step"), max_digits=12, decimal_places=2, default=Decimal("100.00"))
    min_limit = models.DecimalField(
        _("lowest non-zero limit"), max_digits=12, decimal_places=2, default=Decimal("500.00")
    )
    # Simple daily interest on the outstanding principal, as a fraction (0.0005 is 0.05 % a day);
    # early-repayment quotes and hardship schedules are computed with it.
    daily_interest_rate = models.DecimalField(
        _("daily interest rate"),
        max_digits=8,
        decimal_places=6,
        default=Decimal("0.000500"),
        db_default=Decimal("0.000500"),
    )

    class Meta:
        verbose_name = _("credit product")
        verbose_name_plural = _("credit products")
        constraints = [
            models.CheckConstraint(condition=models.Q(limit_step__gt=0), name="product_limit_step_positive"),
            models.CheckConstraint(condition=models.Q(min_limit__gte=0), name="product_min_limit_not_negative"),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self):
        return self.name_zh if translation.get_language() == "zh-hans" else self.name_en


class CreditAccountQuerySet(models.QuerySet):
    def for_user(self, user):
        """Only the accounts of the customer this login is linked to (none before binding)."""
        if not user.is_authenticated or user.customer_id is None:
            return self.none()
        return self.filter(customer_id=user.customer_id)


class CreditAccount(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("account status", "active")
        FROZEN = "frozen", _("frozen")
        CLOSED = "closed", _("closed")
        CLEARED = "cleared", _("cleared")

    external_id = models.CharField(_("external id"), max_length=64, unique=True)
    customer = models.ForeignKey(
        CustomerRecord, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="credit_accounts"
    )
    product = models.ForeignKey(CreditProduct, verbose_name=_("product"), on_delete=models.PROTECT)
    # Changed only by accounts.credit.services.limit_change_apply, always with a ledger row.
    credit_limit = models.DecimalField(_("credit limit"), max_digits=12, decimal_places=2)
    outstanding_balance = models.DecimalField(
        _("outstanding balance"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    # The account automatic repayments are drawn from, masked as the core system reported it
    # ("招商银行 ****1234"); autopay changes only when the core system confirms an instruction.
    repayment_source_masked = models.CharField(
        _("repayment source account"), max_length=64, blank=True, default="", db_default=""
    )
    # Database defaults too, so bulk loaders that name only the core columns keep working.
    autopay_enabled = models.BooleanField(_("automatic repayment"), default=False, db_default=False)
    opened_at = models.DateTimeField(_("opened"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CreditAccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("credit account")
        verbose_name_plural = _("credit accounts")
        ordering = ["external_id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(credit_limit__gte=0), name="account_limit_not_negative"),
            models.CheckConstraint(condition=models.Q(outstanding_balance__gte=0), name="account_balance_not_negative"),
            models.CheckConstraint(
                condition=models.Q(status__in=["active", "frozen", "closed", "cleared"]), name="account_status_valid"
            ),
        ]

    def __str__(self):
        return self.external_id

    @property
    def currency(self):
        return self.product.currency

    @property
    def available_credit(self):
        """What the borrower can still draw: nothing unless the line is active."""
        if self.status != self.Status.ACTIVE:
            return Decimal("0.00")
        return max(self.credit_limit - self.outstanding_balance, Decimal("0.00"))

    @property
    def utilisation(self):
        if not self.credit_limit:
            return None
        return self.outstanding_balance / self.credit_limit


class CreditScore(models.Model):
    """One credit score observation for an account's holder, as the core system reported it."""

    # Indexed by the score_once_per_time unique constraint, which leads with it; its index also
    # serves "latest score first" per account (read backwards), so no separate index is kept.
    account = models.ForeignKey(CreditAccount, on_delete=models.CASCADE, related_name="scores", db_index=False)
    score = models.PositiveSmallIntegerField(_("score"))
    scored_at = models.DateTimeField(_("scored at"))

    class Meta:
        verbose_name = _("credit score")
        verbose_name_plural = _("credit scores")
        ordering = ["-scored_at"]
        constraints = [
            models.UniqueConstraint(fields=["account", "scored_at"], name="score_once_per_time"),
            models.CheckConstraint(condition=models.Q(score__gte=300, score__lte=950), name="score_in_range"),
        ]

    def __str__(self):
        return f"{self.account} {self.score} @ {self.scored_at:%Y-%m-%d}"


class RepaymentInstallment(models.Model):
    """One scheduled repayment and what was paid against it."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        PAID = "paid", _("paid")
        PARTIAL = "partial", _("partly paid")
        OVERDUE = "overdue", _("overdue")

    account = models.ForeignKey(CreditAccount, on_delete=models.CASCADE, related_name="installments")
    external_id = models.CharField(_("external id"), max_length=64, unique=True)
    due_date = models.DateField(_("due date"))
    amount_due = models.DecimalField(_("amount due"), max_digits=12, decimal_places=2)
    amount_paid = models.DecimalField(_("amount paid"), max_digits=12, decimal_places=2, default=Decimal("0.00"))
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED)

    class Meta:
        verbose_name = _("repayment installment")
        verbose_name_plural = _("repayment installments")
        ordering = ["due_date"]
        indexes = [models.Index(fields=["account", "due_date"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_due__gte=0), name="installment_due_not_negative"),
            models.CheckConstraint(condition=models.Q(amount_paid__gte=0), name="installment_paid_not_negative"),
            models.CheckConstraint(
                condition=models.Q(status__in=["scheduled", "paid", "partial", "overdue"]),
                name="installment_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.account} {self.due_date} {self.amount_due}"


class ReasonCode(models.Model):
    """Why a limit changed, in words a borrower understands, and the way back."""

    code = models.CharField(_("code"), max_length=40, primary_key=True)
    title_zh = models.CharField(_("title (Chinese)"), max_length=120)
    title_en = models.CharField(_("title (English)"), max_length=120)
    explanation_zh = models.TextField(_("explanation (Chinese)"))
    explanation_en = models.TextField(_("explanation (English)"))
    remedy_zh = models.TextField(_("what you can do (Chinese)"))
    remedy_en = models.TextField(_("what you can do (English)"))
    # The literacy article that explains this reason further (education app), by slug.
    article_slug = models.SlugField(_("related article"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("reason code")
        verbose_name_plural = _("reason codes")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code}: {self.title_en}"

    def _localised(self, field):
        suffix = "zh" if (translation.get_language() or "zh-hans").startswith("zh") else "en"
        return getattr(self, f"{field}_{suffix}")

    @property
    def title(self):
        return self._localised("title")

    @property
    def explanation(self):
        return self._localised("explanation")

    @property
    def remedy(self):
        return self._localised("remedy")


class LimitChangeQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("The limit-change ledger is append-only.")

    def delete(self):
        raise AppendOnlyError("The limit-change ledger is append-only.")

    def for_user(self, user):
        if not user.is_authenticated or user.customer_id is None:
            return self.none()
        return self.filter(account__customer_id=user.customer_id)


class LimitChange(models.Model):
    """One row of the append-only limit-change ledger. The account's limit and status always
    equal those of its newest row."""

    class Kind(models.TextChoices):
        OPENING = "opening", _("line opened")
        CORE_SYNC = "core_sync", _("set by the lender's core system")
        VOLUNTARY_REDUCTION = "voluntary_reduction", _("lowered at your request")
        VOLUNTARY_PAUSE = "voluntary_pause", _("new borrowing paused at your request")
        VOLUNTARY_CLOSURE = "voluntary_closure", _("closed at your request")
        RISK_REDUCTION = "risk_reduction", _("lowered after a risk review")
        RISK_FREEZE = "risk_freeze", _("frozen after a risk review")
        CLEARANCE = "clearance", _("account clearance")
        RESTORATION = "restoration", _("restored")
        OFFER_ACCEPTED = "offer_accepted", _("raised: you accepted an offer")

    class DecidedBy(models.TextChoices):
        BORROWER = "borrower", _("your request")
        POLICY = "policy", _("risk policy")
        STAFF = "staff", _("staff decision")
        APPEAL = "appeal", _("appeal outcome")
        CORE_SYSTEM = "core_system", _("core system")

    # Indexed by (account, sequence) in Meta, which leads with the account.
    account = models.ForeignKey(CreditAccount, on_delete=models.PROTECT, related_name="limit_changes", db_index=False)
    sequence = models.PositiveIntegerField(_("sequence"))
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    previous_limit = models.DecimalField(_("previous limit"), max_digits=12, decimal_places=2)
    new_limit = models.DecimalField(_("new limit"), max_digits=12, decimal_places=2)
    previous_status = models.CharField(_("previous status"), max_length=10, choices=CreditAccount.Status.choices)
    new_status = models.CharField(_("new status"), max_length=10, choices=CreditAccount.Status.choices)
    # At most four reason codes, most important first.
    reason_codes = models.JSONField(_("reason codes"), default=list, blank=True)
    decided_by = models.CharField(_("decided by"), max_length=12, choices=DecidedBy.choices)
    decided_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The policy version whose rules made a risk change (accounts.models.risk, which imports this
    # module: hence the string reference).
    policy_version = models.ForeignKey(
        "accounts.PolicyVersion",
        verbose_name=_("policy version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="limit_changes",
    )
    source_reference = models.CharField(_("source"), max_length=64, blank=True)
    effective_at = models.DateTimeField(_("effective"))
    notice = models.ForeignKey("portal.Notification", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    appeal_deadline = models.DateTimeField(_("appeal deadline"), null=True, blank=True)
    # why an increase is consented: "offer:<id>" (an accepted LimitOffer) or the borrower's
    # own request ("borrower_request", "appeal"). Required for an increase (a CHECK on PostgreSQL).
    consent = models.CharField(_("consent"), max_length=40, blank=True, default="")
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    # Sealed into signed blocks (portal.integrity): every field, the ledger never changes.
    SEALED_FIELDS = (
        "account", "sequence", "kind", "previous_limit", "new_limit", "previous_status", "new_status",
        "reason_codes", "decided_by", "decided_by_user", "policy_version", "source_reference", "effective_at",
        "notice", "appeal_deadline", "consent", "created_at",
    )  # fmt: skip

    objects = LimitChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("limit change")
        verbose_name_plural = _("limit changes")
        ordering = ["account", "-sequence"]
        constraints = [
            models.UniqueConstraint(fields=["account", "sequence"], name="limit_change_sequence_unique"),
            models.CheckConstraint(condition=models.Q(new_limit__gte=0), name="limit_change_new_not_negative"),
            models.CheckConstraint(
                condition=models.Q(previous_limit__gte=0), name="limit_change_previous_not_negative"
            ),
        ]

    def __str__(self):
        # Shown in admin lists and links: the kind in the reader's language, amounts as money.
        amounts = f"{money(self.previous_limit)} → {money(self.new_limit)}"
        return f"{self.account} #{self.sequence} {self.get_kind_display()} {amounts}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("The limit-change ledger is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The limit-change ledger is append-only.")

    @property
    def is_adverse(self):
        return self.new_limit < self.previous_limit or self.new_status in ("frozen", "cleared")


# Kinds a borrower did not ask for: they carry reasons and can be appealed. Here, beside the
# ledger, so that readers (appeals' selectors, templates) need not import the ledger's writer.
APPEALABLE_KINDS = {
    LimitChange.Kind.RISK_REDUCTION,
    LimitChange.Kind.RISK_FREEZE,
    LimitChange.Kind.CLEARANCE,
    LimitChange.Kind.CORE_SYNC,
}
