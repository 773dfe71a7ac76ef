"""Anomaly detection: balance movements as the core system reported them, the features read from
them, model versions, scoring runs and the reviews they open. A review never changes a limit."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models.credit import CreditAccount
from portal.models import AppendOnlyError


class BalanceMovementQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Balance movements are append-only.")

    def draws(self):
        return self.filter(amount__gt=0)


class BalanceMovement(models.Model):
    """One change of an account's outstanding balance, written by the balance import: a positive
    amount is a draw (the borrower took money), a negative one a repayment. Append-only."""

    # Indexed by (account, recorded_at) below, which leads with the account.
    account = models.ForeignKey(CreditAccount, on_delete=models.CASCADE, related_name="+", db_index=False)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    balance_after = models.DecimalField(_("balance after"), max_digits=12, decimal_places=2)
    recorded_at = models.DateTimeField(_("recorded"))

    objects = BalanceMovementQuerySet.as_manager()

    class Meta:
        verbose_name = _("balance movement")
        verbose_name_plural = _("balance movements")
        indexes = [models.Index(fields=["account", "recorded_at"], name="balance_movement_account_time")]

    def __str__(self):
        return f"{self.account_id} {self.amount:+} @ {self.recorded_at:%Y-%m-%d %H:%M}"


class AnomalyModelVersionQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=AnomalyModelVersion.Status.ACTIVE)


class AnomalyModelVersion(models.Model):
    """One trained anomaly model: what it learnt from (window, features), how (parameters), how
    well (metrics), where its artefact is (private storage) and that file's SHA-256. Switched on
    by a risk analyst as a policy version is; active and retired versions never change."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        ACTIVE = "active", pgettext_lazy("model status", "active")
        RETIRED = "retired", _("retired")

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    features_version = models.PositiveSmallIntegerField(_("feature list version"))
    features = models.JSONField(_("features"), default=list)
    parameters = models.JSONField(_("parameters"), default=dict)
    metrics = models.JSONField(_("metrics"), default=dict)
    # Per feature, the training population's median and spread, overall and per product: the
    # peers a review compares an account against.
    peer_statistics = models.JSONField(_("peer figures"), default=dict)
    threshold = models.FloatField(_("score threshold"))
    trained_from = models.DateTimeField(_("training window from"))
    trained_to = models.DateTimeField(_("training window to"))
    training_accounts = models.PositiveIntegerField(_("accounts trained on"))
    artefact_name = models.CharField(_("artefact file"), max_length=200)
    artefact_sha256 = models.CharField(_("artefact SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = AnomalyModelVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("anomaly model version")
        verbose_name_plural = _("anomaly model versions")
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=models.Q(status="active"), name="one_active_anomaly_model"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "active", "retired"]), name="anomaly_model_status_valid"
            ),
        ]

    def __str__(self):
        return f"{self.label} ({self.get_status_display()})"

    @property
    def label(self):
        return f"m{self.pk}"


class AnomalyScoringRun(models.Model):
    """One scoring pass over the accounts with balance movements above ``after_movement_id`` and
    at most ``through_movement_id``, under one model version; its accounts are split in chunks."""

    model_version = models.ForeignKey(
        AnomalyModelVersion, verbose_name=_("model version"), on_delete=models.PROTECT, related_name="runs"
    )
    after_movement_id = models.BigIntegerField(_("after movement"), unique=True)
    through_movement_id = models.BigIntegerField(_("through movement"))
    started_at = models.DateTimeField(_("started"))
    accounts = models.PositiveIntegerField(_("accounts with new activity"), default=0)

    class Meta:
        verbose_name = _("anomaly scoring run")
        verbose_name_plural = _("anomaly scoring runs")
        ordering = ["-through_movement_id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(through_movement_id__gt=models.F("after_movement_id")),
                name="anomaly_run_covers_movements",
            ),
        ]

    def __str__(self):
        return _("Anomaly scoring over movements %(first)s–%(last)s") % {
            "first": self.after_movement_id + 1,
            "last": self.through_movement_id,
        }


class AnomalyScoringChunkQuerySet(models.QuerySet):
    def waiting(self):
        return self.filter(done_at=None)


class AnomalyScoringChunk(models.Model):
    """Accounts of one run scored together, by one task. ``done_at`` is set in the transaction
    that writes the features and reviews, so a chunk is scored once however often its task runs.
    ``skipped`` counts accounts left unscored because a feature was missing; ``skipped_features``
    says which features were missing and for how many."""

    run = models.ForeignKey(AnomalyScoringRun, on_delete=models.CASCADE, related_name="chunks")
    account_ids = models.JSONField(_("accounts"))
    queued_at = models.DateTimeField(_("queued"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    scored = models.PositiveIntegerField(_("scored"), default=0)
    skipped = models.PositiveIntegerField(_("skipped: feature missing"), default=0)
    skipped_features = models.JSONField(_("missing features"), default=dict, blank=True)
    reviews = models.PositiveIntegerField(_("reviews opened"), default=0)
    requeues = models.PositiveSmallIntegerField(_("times queued again"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    objects = AnomalyScoringChunkQuerySet.as_manager()

    class Meta:
        verbose_name = _("anomaly scoring chunk")
        verbose_name_plural = _("anomaly scoring chunks")
        indexes = [models.Index(fields=["queued_at"], name="anomaly_chunk_undone", condition=models.Q(done_at=None))]

    def __str__(self):
        return _("%(run)s, chunk %(id)s") % {"run": self.run, "id": self.pk}


class AccountFeatures(models.Model):
    """The features of one account as one scoring chunk computed them, over the window
    [window_start, window_end), with the score the model gave (none when a feature was missing)."""

    # Indexed by (account, window_end) below, which leads with the account.
    account = models.ForeignKey(CreditAccount, on_delete=models.CASCADE, related_name="+", db_index=False)
    chunk = models.ForeignKey(AnomalyScoringChunk, on_delete=models.CASCADE, related_name="features")
    features_version = models.PositiveSmallIntegerField(_("feature list version"))
    window_start = models.DateTimeField(_("window from"))
    window_end = models.DateTimeField(_("window to"))
    values = models.JSONField(_("values"))
    score = models.FloatField(_("score"), null=True, blank=True)

    class Meta:
        verbose_name = _("account features")
        verbose_name_plural = _("account features")
        indexes = [models.Index(fields=["account", "window_end"], name="account_features_account_time")]

    def __str__(self):
        return f"{self.account_id} v{self.features_version} @ {self.window_end:%Y-%m-%d %H:%M}"


class AnomalyReviewQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=AnomalyReview.Status.OPEN)

    def reviewed(self):
        return self.exclude(status=AnomalyReview.Status.OPEN)


class AnomalyReview(models.Model):
    """An account whose behaviour scored above the model's threshold, for a risk analyst to
    confirm or dismiss. ``explanation`` holds the features that stand out, as data
    ([{"feature", "value", "usual", "peer"}], most unusual first), rendered in the reader's language.
    Opening, confirming or dismissing a review never changes a limit."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("review status", "open")
        CONFIRMED = "confirmed", _("confirmed")
        DISMISSED = "dismissed", _("dismissed")

    account = models.ForeignKey(
        CreditAccount, verbose_name=_("account"), on_delete=models.PROTECT, related_name="anomaly_reviews"
    )
    model_version = models.ForeignKey(
        AnomalyModelVersion, verbose_name=_("model version"), on_delete=models.PROTECT, related_name="reviews"
    )
    features = models.ForeignKey(AccountFeatures, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    score = models.FloatField(_("score"))
    explanation = models.JSONField(_("what stands out"), default=list)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(pgettext_lazy("anomaly review", "opened"), db_index=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)

    objects = AnomalyReviewQuerySet.as_manager()

    class Meta:
        verbose_name = _("anomaly review")
        verbose_name_plural = _("anomaly reviews")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "model_version"],
                condition=models.Q(status="open"),
                name="one_open_anomaly_review",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["open", "confirmed", "dismissed"]), name="anomaly_review_status_valid"
            ),
        ]
        permissions = [("decide_anomalyreview", "Can confirm or dismiss anomaly reviews")]

    def __str__(self):
        return f"{self.account} m{self.model_version_id} ({self.get_status_display()})"
