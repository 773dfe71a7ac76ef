"""Risk signals from the core system, the versioned limit policy, and the decisions it makes."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models.credit import CreditAccount
from accounts.models.segments import segment_overrides_validate
from portal.formatting import money


class RiskSignal(models.Model):
    """One observation about an account, as the core system sent it. ``value`` means, by kind:
    score_update — the new score; linked_overdue — days overdue on a linked account (0 = cured);
    borrowing_frequency — draws in the last 30 days; repayment_speed — average days paid after
    the due date over recent installments (negative = early)."""

    class Kind(models.TextChoices):
        SCORE_UPDATE = "score_update", _("credit score update")
        LINKED_OVERDUE = "linked_overdue", _("linked account overdue")
        BORROWING_FREQUENCY = "borrowing_frequency", _("borrowing frequency")
        REPAYMENT_SPEED = "repayment_speed", _("repayment speed")

    # Matched exactly only: migration 0014 drops the varchar_pattern_ops ("_like") index Django adds
    # on PostgreSQL. Altering this field's type would make Django recreate it; drop it again then.
    external_id = models.CharField(_("external id"), max_length=64, unique=True)
    # Indexed by the (account, kind, -observed_at) index below, which leads with it.
    account = models.ForeignKey(CreditAccount, on_delete=models.CASCADE, related_name="risk_signals", db_index=False)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    value = models.DecimalField(_("value"), max_digits=10, decimal_places=2)
    observed_at = models.DateTimeField(_("observed"))
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    # Which signals a policy run has seen is kept by the runs (RiskEvaluationRun), not here: a run
    # covers a range of ids, so no signal row is written again after it arrives. Writers take
    # turns (accounts.risk.services.risk_signals_write_lock) so that ids grow in commit order.

    class Meta:
        verbose_name = _("risk signal")
        verbose_name_plural = _("risk signals")
        ordering = ["-observed_at"]
        indexes = [models.Index(fields=["account", "kind", "-observed_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    kind__in=["score_update", "linked_overdue", "borrowing_frequency", "repayment_speed"]
                ),
                name="risk_signal_kind_valid",
            ),
        ]

    def __str__(self):
        return f"{self.account} {self.kind}={self.value}"


class PolicyVersionQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=PolicyVersion.Status.ACTIVE)


class PolicyVersion(models.Model):
    """One version of the limit policy. A version is edited while it is a draft, previewed
    against current data, then activated (which retires the previous one). Active and retired
    versions never change, so every decision can name the exact rules that made it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        ACTIVE = "active", pgettext_lazy("policy status", "active")
        RETIRED = "retired", _("retired")

    name = models.CharField(_("name"), max_length=100)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    notes = models.TextField(_("what changed and why"), blank=True)

    score_lookback_days = models.PositiveSmallIntegerField(_("score look-back (days)"), default=183)
    score_drop_points = models.PositiveSmallIntegerField(_("score fall that cuts the limit (points)"), default=50)
    watch_score_drop_points = models.PositiveSmallIntegerField(
        _("score fall that sends an early warning (points)"), default=30
    )
    base_cut_percent = models.PositiveSmallIntegerField(_("cut for a score fall alone (%)"), default=30)
    combined_cut_percent = models.PositiveSmallIntegerField(_("cut with another factor (%)"), default=50)
    overdue_days_threshold = models.PositiveSmallIntegerField(
        _("linked-account overdue that counts as a factor (days)"), default=1
    )
    borrowing_frequency_threshold = models.PositiveSmallIntegerField(
        _("draws in 30 days that count as a factor"), default=12
    )
    repayment_delay_threshold = models.DecimalField(
        _("average days late that count as a factor"), max_digits=5, decimal_places=1, default=Decimal("3.0")
    )
    macro_tightening = models.BooleanField(_("macro-economic tightening in force"), default=False)
    freeze_overdue_days = models.PositiveSmallIntegerField(_("linked overdue that freezes (days)"), default=60)
    freeze_factor_count = models.PositiveSmallIntegerField(
        _("factors besides a score fall that freeze the line"), default=3
    )
    approval_cut_percent = models.PositiveSmallIntegerField(_("cuts above this need approval (%)"), default=50)
    warn_before_cut = models.BooleanField(
        _("warn first; cut only if the signal persists at the next evaluation"), default=True
    )
    watch_valid_days = models.PositiveSmallIntegerField(_("days an early warning stays valid"), default=45)
    segment_overrides = models.JSONField(
        _("thresholds and cuts per segment"),
        default=dict,
        blank=True,
        validators=[segment_overrides_validate],
        help_text=_('For example {"new-customers": {"score_drop_points": 40, "base_cut_percent": 20}}.'),
    )

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = PolicyVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("limit policy version")
        verbose_name_plural = _("limit policy versions")
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=models.Q(status="active"), name="one_active_policy_version"
            ),
            models.CheckConstraint(condition=models.Q(base_cut_percent__lte=100), name="policy_base_cut_max"),
            models.CheckConstraint(condition=models.Q(combined_cut_percent__lte=100), name="policy_combined_cut_max"),
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "active", "retired"]), name="policy_status_valid"
            ),
        ]

    def __str__(self):
        return f"v{self.pk} {self.name} ({self.get_status_display()})"

    @property
    def label(self):
        return f"v{self.pk}"

    @staticmethod
    def pk_from_label(label):
        """The id a label such as "v12" names (as staff type it), or None for any other text."""
        label = (label or "").strip()
        number = label[1:]
        return int(number) if label[:1] == "v" and number.isascii() and number.isdigit() else None


class RiskDecisionQuerySet(models.QuerySet):
    def awaiting_approval(self):
        return self.filter(status=RiskDecision.Status.PENDING_APPROVAL)


class RiskDecision(models.Model):
    """What the policy decided for one account at one evaluation."""

    class Kind(models.TextChoices):
        WATCH = "watch", _("early warning")
        REDUCTION = "reduction", _("limit reduction")
        FREEZE = "freeze", _("freeze")

    class Status(models.TextChoices):
        PENDING_APPROVAL = "pending_approval", _("waiting for approval")
        APPLIED = "applied", _("applied")
        REJECTED = "rejected", _("rejected")
        SUPERSEDED = "superseded", _("superseded")
        WARNED = "warned", _("borrower warned")

    # Indexed by (account, trigger_key) in Meta, which leads with the account.
    account = models.ForeignKey(CreditAccount, on_delete=models.PROTECT, related_name="risk_decisions", db_index=False)
    policy_version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="decisions")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    previous_limit = models.DecimalField(_("limit before"), max_digits=12, decimal_places=2)
    proposed_limit = models.DecimalField(_("proposed limit"), max_digits=12, decimal_places=2)
    reason_codes = models.JSONField(_("reason codes"), default=list)
    inputs = models.JSONField(_("inputs"), default=dict, help_text=_("The figures the policy saw."))
    # The signals that led here; the same set never makes a second decision.
    trigger_key = models.CharField(max_length=64)
    # The key of the account's segment when decided ("" when no segment set was in force).
    segment = models.CharField(_("segment"), max_length=40, blank=True, default="")
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)
    limit_change = models.OneToOneField(
        "accounts.LimitChange", null=True, blank=True, on_delete=models.PROTECT, related_name="risk_decision"
    )
    notice = models.ForeignKey("portal.Notification", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    # Sealed (portal.integrity) once decided: a decision waiting for approval still changes.
    SEALED_FIELDS = (
        "account", "policy_version", "kind", "status", "previous_limit", "proposed_limit", "reason_codes",
        "inputs", "trigger_key", "segment", "created_at", "reviewed_by", "reviewed_at", "review_note",
        "limit_change", "notice",
    )  # fmt: skip
    SEALED_WHEN = ~models.Q(status="pending_approval")

    objects = RiskDecisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("risk decision")
        verbose_name_plural = _("risk decisions")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["account", "trigger_key"], name="risk_decision_once_per_trigger"),
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(status="pending_approval"),
                name="one_pending_risk_decision_per_account",
            ),
            models.CheckConstraint(
                condition=models.Q(proposed_limit__gte=0) & models.Q(proposed_limit__lte=models.F("previous_limit")),
                name="risk_decision_never_raises",
            ),
        ]
        permissions = [("approve_riskdecision", "Can approve or reject risk decisions")]

    def __str__(self):
        return (
            f"{self.account} {self.get_kind_display()} {money(self.previous_limit)}→{money(self.proposed_limit)} "
            f"({self.get_status_display()})"
        )


class RiskEvaluationRun(models.Model):
    """One run of the limit policy over the signals received since the run before it: those
    whose ids are above ``after_signal_id`` and at most ``through_signal_id``. The accounts the
    policy may act on are split into chunks, each decided (and marked done) in one transaction."""

    policy_version = models.ForeignKey(
        PolicyVersion,
        verbose_name=_("policy version"),
        null=True,  # only the starting point migration 0015 records for signals evaluated before runs
        on_delete=models.PROTECT,
        related_name="runs",
    )
    after_signal_id = models.BigIntegerField(_("after signal"), unique=True)
    through_signal_id = models.BigIntegerField(_("through signal"))
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    accounts = models.PositiveIntegerField(_("accounts with new signals"), default=0)
    candidates = models.PositiveIntegerField(_("accounts the policy may act on"), default=0)

    class Meta:
        verbose_name = _("policy run")
        verbose_name_plural = _("policy runs")
        ordering = ["-through_signal_id"]
        permissions = [("retry_riskevaluationrun", _("Can queue a policy run's given-up chunks again"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(through_signal_id__gt=models.F("after_signal_id")), name="risk_run_covers_signals"
            ),
        ]

    def __str__(self):
        return _("Policy run over signals %(first)s–%(last)s") % {
            "first": self.after_signal_id + 1,
            "last": self.through_signal_id,
        }


# A chunk not done this long after it was queued lost its task: the beat run queues it again...
CHUNK_REQUEUE_AFTER = timedelta(minutes=10)
# ...this many times at most (about an hour): a chunk that fails every time, or kills its worker,
# is then given up, shown in admin and in the daily risk report, until someone queues it again.
CHUNK_MAX_REQUEUES = 5


class RiskEvaluationChunkQuerySet(models.QuerySet):
    def waiting(self):
        return self.filter(done_at=None)

    def given_up(self, now):
        return self.waiting().filter(requeues__gte=CHUNK_MAX_REQUEUES, queued_at__lt=now - CHUNK_REQUEUE_AFTER)


class RiskEvaluationChunk(models.Model):
    """Accounts of one run decided together, by one task. ``done_at`` is set in the transaction
    that writes the decisions, so a chunk is decided once however often its task runs; a chunk
    whose task was lost or failed is queued again by the next beat run (up to CHUNK_MAX_REQUEUES
    times), and ``last_error`` says why the last attempt failed, when it raised."""

    run = models.ForeignKey(RiskEvaluationRun, on_delete=models.CASCADE, related_name="chunks")
    account_ids = models.JSONField(_("accounts"))
    queued_at = models.DateTimeField(_("queued"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    decisions = models.PositiveIntegerField(_("decisions"), default=0)
    requeues = models.PositiveSmallIntegerField(_("times queued again"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    objects = RiskEvaluationChunkQuerySet.as_manager()

    class Meta:
        verbose_name = _("policy run chunk")
        verbose_name_plural = _("policy run chunks")
        indexes = [models.Index(fields=["queued_at"], name="risk_chunk_undone", condition=models.Q(done_at=None))]

    def __str__(self):
        return _("%(run)s, chunk %(id)s") % {"run": self.run, "id": self.pk}
