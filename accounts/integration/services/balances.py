"""What a borrower owes: outstanding balances and repayment schedules, mirrored as they are."""

from django.utils import timezone

from accounts.integration.fields import Choice, Day, Moment, Number, Text
from accounts.integration.services.errors import installment_moved_message
from accounts.integration.services.rows import ACCOUNT_EXTERNAL_ID, ZERO, Counts, RowError, RowKind, accounts_resolve
from accounts.models import CreditAccount, RepaymentInstallment
from accounts.risk.anomaly.movements import balance_movements_record


class BalanceRows(RowKind):
    """An account's outstanding balance, keyed by the account: copied as it is, without a notice."""

    name = "balances"
    key_field = "account_external_id"
    fields = {
        "account_external_id": ACCOUNT_EXTERNAL_ID,
        "outstanding_balance": Number(min_value=ZERO, help_text="What the borrower owes now."),
    }

    def check(self, rows):
        return accounts_resolve(rows)

    def write(self, rows, *, actor):
        accounts = CreditAccount.objects.only("id", "outstanding_balance").in_bulk(
            [row.values["account_id"] for row in rows]
        )
        now = timezone.now()
        changed, movements = [], []
        for row in rows:
            account = accounts[row.values["account_id"]]
            if account.outstanding_balance != row.values["outstanding_balance"]:
                movements.append((account.pk, account.outstanding_balance, row.values["outstanding_balance"]))
                account.outstanding_balance, account.updated_at = row.values["outstanding_balance"], now
                changed.append(account)
        CreditAccount.objects.bulk_update(changed, ["outstanding_balance", "updated_at"], batch_size=1000)
        # Each change kept as a movement (a rise is a draw): anomaly detection counts draws.
        balance_movements_record(changes=movements, recorded_at=now)
        return Counts(updated=len(changed), unchanged=len(rows) - len(changed))


class InstallmentRows(RowKind):
    """One installment of an account's repayment schedule, copied as it is; an installment never
    moves to another account."""

    name = "repayment-schedules"
    fields = {
        "external_id": Text(max_length=64, help_text="The core system's installment id."),
        "account_external_id": ACCOUNT_EXTERNAL_ID,
        "due_date": Day(help_text="ISO 8601 date."),
        "amount_due": Number(min_value=ZERO),
        "amount_paid": Number(min_value=ZERO, required=False, default=ZERO, help_text="Left out: 0.00."),
        "paid_at": Moment(required=False, help_text="When it was paid in full or last paid into (ISO 8601)."),
        "status": Choice(choices=tuple(RepaymentInstallment.Status.values)),
    }
    # Compared to decide whether a known installment changed.
    mirrored = ("due_date", "amount_due", "amount_paid", "paid_at", "status")

    def check(self, rows):
        errors = accounts_resolve(rows)
        existing = dict(
            RepaymentInstallment.objects.filter(
                external_id__in=[row.values["external_id"] for row in rows]
            ).values_list("external_id", "account_id")
        )
        for row in rows:
            owner = existing.get(row.values["external_id"])
            if owner is not None and row.values["account_id"] is not None and owner != row.values["account_id"]:
                errors.append(RowError(row.position, "account_external_id", installment_moved_message()))
        return errors

    def write(self, rows, *, actor):
        existing = RepaymentInstallment.objects.in_bulk(
            [row.values["external_id"] for row in rows], field_name="external_id"
        )
        new, changed = [], []
        for row in rows:
            installment = existing.get(row.values["external_id"])
            if installment is None:
                new.append(
                    RepaymentInstallment(
                        external_id=row.values["external_id"],
                        account_id=row.values["account_id"],
                        **{name: row.values[name] for name in self.mirrored},
                    )
                )
            elif any(getattr(installment, name) != row.values[name] for name in self.mirrored):
                for name in self.mirrored:
                    setattr(installment, name, row.values[name])
                changed.append(installment)
        RepaymentInstallment.objects.bulk_create(new, batch_size=1000)
        RepaymentInstallment.objects.bulk_update(changed, list(self.mirrored), batch_size=1000)
        return Counts(created=len(new), updated=len(changed), unchanged=len(rows) - len(new) - len(changed))
