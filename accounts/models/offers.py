"""Offers of a higher limit: no limit goes up without the borrower's consent.

An increase (from the risk policy, the core system or staff) is offered, not applied: the
borrower accepts it (then the ledger applies it, with the offer as its consent) or declines it.
A borrower may ask never to be offered increases (``IncreaseOffersOptOut``)."""

from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.models.credit import CreditAccount, LimitChange
from accounts.models.identity import CustomerRecord


class LimitOfferQuerySet(models.QuerySet):
    def for_user(self, user):
        if not user.is_authenticated or user.customer_id is None:
            return self.none()
        # An offer awaiting a second staff member's approval has not reached the borrower yet.
        return self.filter(account__customer_id=user.customer_id).exclude(status=LimitOffer.Status.PENDING_APPROVAL)

    def open(self):
        return self.filter(status=LimitOffer.Status.OPEN)


class LimitOffer(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("open")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        EXPIRED = "expired", _("expired")
        WITHDRAWN = "withdrawn", _("withdrawn")
        PENDING_APPROVAL = "pending", _("awaiting approval")

    class Source(models.TextChoices):
        POLICY = "policy", _("risk policy")
        CORE_SYSTEM = "core_system", _("core system")
        STAFF = "staff", _("staff decision")

    class Channel(models.TextChoices):
        WEB = "web", _("website")
        API = "api", _("app")
        EMAIL = "email", _("email")

    account = models.ForeignKey(CreditAccount, on_delete=models.PROTECT, related_name="limit_offers")
    offered_limit = models.DecimalField(_("offered limit"), max_digits=12, decimal_places=2)
    previous_limit = models.DecimalField(_("limit when offered"), max_digits=12, decimal_places=2)
    reason_code = models.CharField(_("reason code"), max_length=40, blank=True)
    reason_zh = models.TextField(_("why (Chinese)"))
    reason_en = models.TextField(_("why (English)"))
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("offered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source_reference = models.CharField(_("source reference"), max_length=64, blank=True)
    expires_at = models.DateTimeField(_("expires"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answer_channel = models.CharField(_("answered through"), max_length=8, choices=Channel.choices, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    limit_change = models.ForeignKey(
        LimitChange, verbose_name=_("limit change"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("offered"), default=timezone.now)

    objects = LimitOfferQuerySet.as_manager()

    class Meta:
        verbose_name = _("limit offer")
        verbose_name_plural = _("limit offers")
        ordering = ["-created_at", "-pk"]
        permissions = [("approve_limitoffer", _("Can approve a large limit offer made by someone else"))]
        constraints = [
            models.CheckConstraint(condition=models.Q(offered_limit__gt=0), name="limit_offer_positive"),
            models.CheckConstraint(
                condition=models.Q(status__in=["open", "accepted", "declined", "expired", "withdrawn", "pending"]),
                name="limit_offer_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.account} offer {self.offered_limit} ({self.status})"

    @property
    def reason(self):
        zh = (translation.get_language() or "zh-hans").startswith("zh")
        return self.reason_zh if zh else self.reason_en

    def is_expired(self, now=None):
        return self.expires_at <= (now or timezone.now())


class IncreaseOffersOptOut(models.Model):
    """The customer asked not to be offered limit increases (present = opted out)."""

    customer = models.OneToOneField(
        CustomerRecord, on_delete=models.CASCADE, related_name="increase_offers_opt_out", primary_key=True
    )
    created_at = models.DateTimeField(_("since"), default=timezone.now)

    class Meta:
        verbose_name = _("no limit increase offers")
        verbose_name_plural = _("no limit increase offers")

    def __str__(self):
        return f"{self.customer_id}: no increase offers"
