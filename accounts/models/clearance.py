"""Account clearance (账户清退): staff propose to close a credit line for good and freeze it, on
serious grounds and with an evidence checklist; a compliance officer other than the proposer
approves it (the ledger then sets the limit to 0 and the status to ``cleared``) or rejects it."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models.credit import CreditAccount, LimitChange


class ClearanceCaseQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=ClearanceCase.Status.PROPOSED)


class ClearanceCase(models.Model):
    class Grounds(models.TextChoices):
        MALICIOUS_OVERDUE = "malicious_overdue", _("malicious overdue")
        FRAUD_SUSPICION = "fraud_suspicion", _("fraud suspicion")
        AGREEMENT_VIOLATION = "agreement_violation", _("serious agreement violation")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposed, awaiting compliance review")
        APPROVED = "approved", _("approved and applied")
        REJECTED = "rejected", _("rejected")
        WITHDRAWN = "withdrawn", _("withdrawn")

    # What the proposer confirms, per ground: (key, label, mandatory). Mandatory items must all be
    # ticked before a case can be proposed.
    EVIDENCE_CHECKLIST = {
        Grounds.MALICIOUS_OVERDUE: [
            ("overdue_90_days", _("Overdue for 90 days or more, confirmed against the core system"), True),
            ("collection_contacts_logged", _("Collection contacts are logged and no repayment plan was agreed"), True),
            ("reminders_delivered", _("Repayment reminders were delivered and are on record"), False),
            ("able_but_unwilling", _("There are signs the borrower can pay but will not"), False),
        ],
        Grounds.FRAUD_SUSPICION: [
            ("fraud_report_reference", _("A fraud report or case reference is on file"), True),
            ("activity_reviewed", _("The suspicious activity was reviewed by the risk team"), True),
            ("identity_mismatch", _("Identity or device data does not match the customer"), False),
            ("police_report", _("A police report was filed"), False),
        ],
        Grounds.AGREEMENT_VIOLATION: [
            ("agreement_clause_cited", _("The clause of the loan agreement that was broken is cited"), True),
            ("violation_documented", _("The violation is documented (e.g. use of funds the agreement forbids)"), True),
            ("borrower_warned", _("The borrower was warned and did not stop"), False),
        ],
    }

    account = models.ForeignKey(
        CreditAccount, verbose_name=_("credit account"), on_delete=models.PROTECT, related_name="clearance_cases"
    )
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+"
    )
    grounds = models.CharField(_("grounds"), max_length=24, choices=Grounds.choices)
    # The ticked keys of EVIDENCE_CHECKLIST[grounds].
    evidence_checklist = models.JSONField(_("evidence checklist"), default=list, blank=True)
    evidence_reference = models.CharField(
        _("evidence references"), max_length=200, blank=True, help_text=_("Report numbers, clause numbers, case ids.")
    )
    statement = models.TextField(_("proposer's statement"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposed_at = models.DateTimeField(_("proposed"), default=timezone.now, db_index=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("compliance reviewer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    legal_review_note = models.TextField(_("legal-review note"), blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawn by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawal_reason = models.TextField(_("why withdrawn"), blank=True)
    limit_change = models.OneToOneField(
        LimitChange,
        verbose_name=_("ledger row"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="clearance_case",
    )

    objects = ClearanceCaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("clearance case")
        verbose_name_plural = _("clearance cases")
        ordering = ["-proposed_at", "-pk"]
        permissions = [
            ("propose_clearance", _("Can propose account clearance")),
            ("approve_clearance", _("Can approve or reject account clearance")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["account"], condition=Q(status="proposed"), name="clearance_one_open_case_per_account"
            ),
            models.CheckConstraint(
                condition=Q(grounds__in=["malicious_overdue", "fraud_suspicion", "agreement_violation"]),
                name="clearance_grounds_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["proposed", "approved", "rejected", "withdrawn"]),
                name="clearance_status_valid",
            ),
            # A decision names its reviewer (never the proposer) and carries the legal review.
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "rejected"])
                | (Q(reviewer__isnull=False, decided_at__isnull=False) & ~Q(legal_review_note="")),
                name="clearance_decision_reviewed",
            ),
            models.CheckConstraint(condition=~Q(reviewer=F("proposer")), name="clearance_reviewer_not_proposer"),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(limit_change__isnull=False), name="clearance_approved_in_ledger"
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def reference(self):
        return f"CL-{self.pk:06d}" if self.pk else "CL-new"

    @property
    def is_open(self):
        return self.status == self.Status.PROPOSED

    @classmethod
    def checklist_for(cls, grounds):
        return cls.EVIDENCE_CHECKLIST.get(grounds, [])

    def evidence_items(self):
        """The checklist of this case's grounds, each with whether the proposer ticked it."""
        ticked = set(self.evidence_checklist)
        return [
            {"key": key, "label": label, "mandatory": mandatory, "ticked": key in ticked}
            for key, label, mandatory in self.checklist_for(self.grounds)
        ]
