"""Customer segments (versioned sets of rules over stored facts) and stress tests of policy versions."""

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models.credit import CreditProduct


class SegmentSetQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=SegmentSet.Status.ACTIVE)


class SegmentSet(models.Model):
    """One version of the customer segments: rules tried in order, the first that matches an
    account names its segment, and the last one matches every account. Edited while a draft,
    then switched on (which retires the set in force); active and retired sets never change, so
    a decision's segment can always be traced to the rules that placed it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        ACTIVE = "active", pgettext_lazy("policy status", "active")
        RETIRED = "retired", _("retired")

    name = models.CharField(_("name"), max_length=100)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    notes = models.TextField(_("what changed and why"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = SegmentSetQuerySet.as_manager()

    class Meta:
        verbose_name = _("segment set")
        verbose_name_plural = _("segment sets")
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=models.Q(status="active"), name="one_active_segment_set"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "active", "retired"]), name="segment_set_status_valid"
            ),
        ]

    def __str__(self):
        return f"s{self.pk} {self.name} ({self.get_status_display()})"

    @property
    def label(self):
        return f"s{self.pk}"


def _range_valid(low, high):
    return (
        models.Q(**{f"{low}__isnull": True})
        | models.Q(**{f"{high}__isnull": True})
        | models.Q(**{f"{low}__lte": models.F(high)})
    )


class SegmentRule(models.Model):
    """One segment of a set: the conditions an account must meet (each one left empty is not
    checked). A rule with no condition at all is the catch-all. Staff see the label; borrowers
    never do (notices give the reasons only)."""

    segment_set = models.ForeignKey(SegmentSet, on_delete=models.CASCADE, related_name="rules")
    position = models.PositiveSmallIntegerField(_("order"), help_text=_("Rules are tried from the lowest number up."))
    # Kept the same from one set to the next: policy versions name their overrides by it.
    key = models.SlugField(_("key"), max_length=40, help_text=_("Short stable name, e.g. new-customers."))
    label = models.CharField(_("label"), max_length=100)
    min_tenure_days = models.PositiveIntegerField(_("open at least (days)"), null=True, blank=True)
    max_tenure_days = models.PositiveIntegerField(_("open less than (days)"), null=True, blank=True)
    # Outstanding balance as a share of the limit; a line with no limit counts as fully used.
    min_utilisation_percent = models.PositiveSmallIntegerField(_("utilisation at least (%)"), null=True, blank=True)
    max_utilisation_percent = models.PositiveSmallIntegerField(_("utilisation under (%)"), null=True, blank=True)
    product = models.ForeignKey(
        CreditProduct, verbose_name=_("product"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Installments due in the last 12 months that are overdue or were paid after their due date.
    min_late_installments = models.PositiveSmallIntegerField(
        _("late repayments in 12 months, at least"), null=True, blank=True
    )
    max_late_installments = models.PositiveSmallIntegerField(
        _("late repayments in 12 months, at most"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("segment rule")
        verbose_name_plural = _("segment rules")
        ordering = ["segment_set", "position"]
        constraints = [
            models.UniqueConstraint(fields=["segment_set", "key"], name="segment_key_once_per_set"),
            models.UniqueConstraint(fields=["segment_set", "position"], name="segment_position_once_per_set"),
            models.CheckConstraint(
                condition=_range_valid("min_tenure_days", "max_tenure_days"), name="segment_tenure_range"
            ),
            models.CheckConstraint(
                condition=_range_valid("min_utilisation_percent", "max_utilisation_percent"),
                name="segment_utilisation_range",
            ),
            models.CheckConstraint(
                condition=_range_valid("min_late_installments", "max_late_installments"), name="segment_late_range"
            ),
        ]

    CONDITION_FIELDS = (
        "min_tenure_days",
        "max_tenure_days",
        "min_utilisation_percent",
        "max_utilisation_percent",
        "product_id",
        "min_late_installments",
        "max_late_installments",
    )

    def __str__(self):
        return f"{self.key}: {self.label}"

    @property
    def is_catch_all(self):
        return all(getattr(self, name) is None for name in self.CONDITION_FIELDS)

    def clean(self):
        errors = {}
        for low, high in (
            ("min_tenure_days", "max_tenure_days"),
            ("min_utilisation_percent", "max_utilisation_percent"),
            ("min_late_installments", "max_late_installments"),
        ):
            low_value, high_value = getattr(self, low), getattr(self, high)
            if low_value is not None and high_value is not None and low_value > high_value:
                errors[high] = _("This must not be below the lower bound beside it.")
        if errors:
            raise ValidationError(errors)


# What a policy version may set per segment (PolicyVersion.segment_overrides), with the bounds
# a value must lie in. Macro tightening and the look-back stay the same for everyone.
OVERRIDABLE_PARAMETERS = {
    "score_drop_points": (1, 650),
    "watch_score_drop_points": (1, 650),
    "base_cut_percent": (0, 100),
    "combined_cut_percent": (0, 100),
    "overdue_days_threshold": (0, 365),
    "borrowing_frequency_threshold": (0, 1000),
    "repayment_delay_threshold": (Decimal("-30"), Decimal("365")),
    "freeze_overdue_days": (1, 365),
    "freeze_factor_count": (1, 4),
    "approval_cut_percent": (0, 100),
}


def override_value(name, value):
    """The value an override sets, as the policy field holds it (a Decimal for the delay)."""
    if name == "repayment_delay_threshold":
        return Decimal(str(value)).quantize(Decimal("0.1"))
    return int(value)


def segment_overrides_validate(value):
    """A policy version's overrides: ``{"segment-key": {"parameter": number, ...}, ...}``, each
    key a segment of some set, each parameter one of OVERRIDABLE_PARAMETERS within its bounds."""
    if not isinstance(value, dict):
        raise ValidationError(_('Write the overrides as {"segment-key": {"parameter": number}}.'))
    known = set(SegmentRule.objects.filter(key__in=list(value)).values_list("key", flat=True))
    for key, parameters in value.items():
        if key not in known:
            raise ValidationError(_("No segment has the key “%(key)s”.") % {"key": key})
        if not isinstance(parameters, dict) or not parameters:
            raise ValidationError(_("Give the parameters to change for segment “%(key)s”.") % {"key": key})
        for name, number in parameters.items():
            if name not in OVERRIDABLE_PARAMETERS:
                raise ValidationError(
                    _("“%(name)s” cannot be set per segment. These can: %(names)s.")
                    % {"name": name, "names": ", ".join(OVERRIDABLE_PARAMETERS)}
                )
            low, high = OVERRIDABLE_PARAMETERS[name]
            try:
                valid = not isinstance(number, bool) and low <= override_value(name, number) <= high
                valid = valid and (name == "repayment_delay_threshold" or float(number).is_integer())
            except (TypeError, ValueError, InvalidOperation):
                valid = False
            if not valid:
                raise ValidationError(
                    _("%(name)s for “%(key)s” must be a number from %(low)s to %(high)s.")
                    % {"name": name, "key": key, "low": low, "high": high}
                )


class StressTest(models.Model):
    """A policy version run against the current book under a shock, writing nothing to the book:
    what it would decide, by kind and segment, beside the version in force. Kept with the version
    and shown where it is approved."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    policy_version = models.ForeignKey(
        "accounts.PolicyVersion",
        verbose_name=_("policy version"),
        on_delete=models.PROTECT,
        related_name="stress_tests",
    )
    baseline_version = models.ForeignKey(
        "accounts.PolicyVersion",
        verbose_name=_("compared with"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    segment_set = models.ForeignKey(
        SegmentSet, verbose_name=_("segment set"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    score_shock_points = models.PositiveSmallIntegerField(_("scores down by (points)"))
    overdue_share_percent = models.DecimalField(
        _("share of accounts given a linked overdue (%)"), max_digits=5, decimal_places=2
    )
    overdue_days = models.PositiveSmallIntegerField(_("days overdue given to that share"), default=30)
    macro_tightening = models.BooleanField(_("macro-economic tightening on"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    accounts_total = models.PositiveIntegerField(_("accounts in the book"), default=0)
    accounts_done = models.PositiveIntegerField(_("accounts done"), default=0)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("stress test")
        verbose_name_plural = _("stress tests")
        ordering = ["-created_at", "-pk"]
        permissions = [("run_stresstest", _("Can run stress tests of policy versions"))]
        constraints = [
            models.CheckConstraint(condition=models.Q(score_shock_points__lte=300), name="stress_score_shock_max"),
            models.CheckConstraint(
                condition=models.Q(overdue_share_percent__gte=0, overdue_share_percent__lte=100),
                name="stress_overdue_share_range",
            ),
            models.CheckConstraint(
                condition=models.Q(overdue_days__gte=1, overdue_days__lte=365), name="stress_overdue_days_range"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "running", "done", "failed"]), name="stress_status_valid"
            ),
        ]

    def __str__(self):
        return _("Stress test %(id)s of %(policy)s") % {"id": self.pk, "policy": self.policy_version.label}

    @property
    def progress_percent(self):
        if not self.accounts_total:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, self.accounts_done * 100 // self.accounts_total)
