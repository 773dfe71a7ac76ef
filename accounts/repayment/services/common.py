"""What every repayment service shares: the rules' reads (locked where a write follows), handing
an instruction to the core system, telling the borrower, and the audit record."""

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.integration.outbound import core_instruction_enqueue
from accounts.models import CreditAccount, RepaymentInstallment, RepaymentInstruction, User
from accounts.repayment import schedule
from portal import notices
from portal.exceptions import PortalError
from portal.notices import FixedText
from portal.services import audit_event_record, notification_send

Kind = RepaymentInstruction.Kind
Status = RepaymentInstruction.Status

DECIDE_PERMISSION = "accounts.decide_hardship"
APPROVE_PERMISSION = "accounts.approve_hardship"
CORE_KINDS = {kind: f"repayment.{kind}" for kind in Kind.values}
HARDSHIP_MODES = (schedule.LOWER_PAYMENTS, schedule.LONGER_TERM)
HARDSHIP_MAX_MONTHS = 12
DUE_DAY_MIN, DUE_DAY_MAX = 1, 28


class RepaymentRefused(PortalError):
    """A rule refused the instruction: nothing changed."""

    status_code = 409


class StaffPermissionRefused(PortalError):
    status_code = 403


# --- reads the rules need (locked where a write follows) ---------------------------------------


def _account_lock(*, user, account_id):
    """The borrower's own account, locked; another's (or a guessed id) does not exist."""
    account = (
        CreditAccount.objects.for_user(user)
        .select_for_update(of=("self",))
        .select_related("product")
        .filter(pk=account_id)
        .first()
    )
    if account is None:
        raise CreditAccount.DoesNotExist
    return account


def open_installments(*, account, today):
    """Instalments still owed from ``today`` on, in due order."""
    status = RepaymentInstallment.Status
    return [
        row
        for row in RepaymentInstallment.objects.filter(
            account=account, status__in=[status.SCHEDULED, status.PARTIAL, status.OVERDUE]
        ).order_by("due_date", "pk")
        if row.amount_paid < row.amount_due and (row.due_date >= today or row.status == status.OVERDUE)
    ]


def _movable_installments(*, account, from_date):
    """Instalments a new schedule may replace: scheduled, nothing paid yet, due from ``from_date``."""
    return RepaymentInstallment.objects.filter(
        account=account,
        status=RepaymentInstallment.Status.SCHEDULED,
        amount_paid=0,
        due_date__gte=from_date,
    ).order_by("due_date", "pk")


def _pending_refuse(*, account, kind):
    if RepaymentInstruction.objects.filter(account=account, kind=kind).pending().exists():
        raise RepaymentRefused(
            _("You already have a %(kind)s instruction in progress. Wait for its answer before asking again.")
            % {"kind": Kind(kind).label},
            code="pending",
        )


def _local_moment(moment):
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


# --- sending, notices ---------------------------------------------------------------------------


def _send(instruction, *, payload, now):
    """Hand the instruction to the core system's outbox (it leaves after commit)."""
    core_instruction_enqueue(
        kind=CORE_KINDS[instruction.kind], subject_reference=str(instruction.reference), payload=payload
    )
    instruction.status, instruction.sent_at = Status.SENT, now
    instruction.save(update_fields=["status", "sent_at"])


def instruction_path(instruction):
    return reverse("repayment_instruction", args=[instruction.account_id, instruction.reference])


def _notify(instruction, event):
    """Tell the borrower what happened to their instruction (notice and email)."""
    recipient = instruction.requested_by
    if recipient is None:
        recipient = User.objects.filter(customer_id=instruction.account.customer_id).order_by("pk").first()
    if recipient is None:
        return None
    path = instruction_path(instruction)
    return notification_send(
        recipient=recipient,
        kind="repayment_instruction",
        template="repayment_instruction",
        link=path,
        idempotency_key=f"repayment:{instruction.reference}:{event}",
        context={
            "event": FixedText(event),
            "kind_label": notices.localised(instruction.get_kind_display),
            "reference": instruction.short_reference,
            "account": {"external_id": instruction.account.external_id},
            "detail": instruction.core_detail or instruction.decision_note,
            "instruction_url": notices.site_path(path),
        },
    )


def _audit(*, actor, action, instruction, request=None, summary="", after=None, actor_label=None):
    audit_event_record(
        actor=actor,
        actor_label=actor_label,
        action=f"repayment.{action}",
        target=instruction.account,
        summary=summary,
        request=request,
        after={"instruction": str(instruction.reference), "kind": instruction.kind, **(after or {})},
    )


def _instruction_lock(instruction_id):
    account_id = RepaymentInstruction.objects.filter(pk=instruction_id).values_list("account_id", flat=True).first()
    if account_id is None:
        raise RepaymentInstruction.DoesNotExist
    CreditAccount.objects.select_for_update().filter(pk=account_id).first()
    return (
        RepaymentInstruction.objects.select_for_update(of=("self",))
        .select_related("account__product", "requested_by")
        .get(pk=instruction_id)
    )
