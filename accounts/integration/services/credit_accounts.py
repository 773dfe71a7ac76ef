"""Credit accounts: opened with their opening ledger row, kept in step with the core system."""

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.credit.services import credit_account_open, limit_change_apply
from accounts.integration.fields import CodeList, MaskedAccount, Moment, Number, Text
from accounts.integration.services.rows import ZERO, Counts, RowError, RowKind, actor_label
from accounts.models import CreditAccount, CreditProduct, CustomerRecord, LimitChange, ReasonCode
from portal.services import audit_event_record


class ConsentMissing(RowError):
    """A row that would raise a limit without the borrower's consent: answered with 409."""

    conflict = True


class AccountRows(RowKind):
    """An account's full state. A new account is opened with its opening ledger row; a different
    limit on a known account is a ``core_sync`` limit change (with its reasons and the borrower's
    notice); the balance and opening time are mirrored as they are."""

    name = "accounts"
    fields = {
        "external_id": Text(max_length=64, help_text="The core system's account id."),
        "customer_external_id": Text(max_length=64, help_text="The holder's customer external id."),
        "product_code": Text(max_length=32, help_text="Code of an existing credit product."),
        "credit_limit": Number(min_value=ZERO, help_text="The limit in the product's currency."),
        "opened_at": Moment(help_text="When the line was opened (ISO 8601)."),
        "outstanding_balance": Number(
            min_value=ZERO, required=False, help_text="Left out: a new account opens at 0, a known one keeps its own."
        ),
        "reason_codes": CodeList(
            required=False,
            help_text="1-4 reason codes, most important first; required when the limit of a known account changes.",
        ),
        "source_reference": Text(
            max_length=64, required=False, default="", help_text="The core system's decision id, kept on the ledger."
        ),
        "repayment_source_masked": MaskedAccount(
            max_length=64,
            required=False,
            help_text="The account automatic repayments are drawn from, masked (at most four digits). "
            "Left out: kept as it is.",
        ),
    }

    def check(self, rows):
        self._related_attach(rows)
        catalogue = set(ReasonCode.objects.values_list("code", flat=True))
        errors = []
        for row in rows:
            errors += self._reference_errors(row, catalogue)
            errors += self._change_errors(row)
        return errors

    @staticmethod
    def _related_attach(rows):
        """Set each row's ``customer``, ``product`` and stored ``account`` (None where unknown)."""
        customers = CustomerRecord.objects.only("id", "external_id").in_bulk(
            {row.values["customer_external_id"] for row in rows}, field_name="external_id"
        )
        products = CreditProduct.objects.in_bulk({row.values["product_code"] for row in rows}, field_name="code")
        existing = CreditAccount.objects.in_bulk([row.values["external_id"] for row in rows], field_name="external_id")
        for row in rows:
            values = row.values
            values.update(
                customer=customers.get(values["customer_external_id"]),
                product=products.get(values["product_code"]),
                account=existing.get(values["external_id"]),
            )

    @staticmethod
    def _reference_errors(row, catalogue):
        """The row names a customer, a product and reason codes that do not exist."""
        values, errors = row.values, []
        if values["customer"] is None:
            errors.append(
                RowError(
                    row.position,
                    "customer_external_id",
                    _("No customer record has this external id. Send the customer first."),
                )
            )
        if values["product"] is None:
            errors.append(RowError(row.position, "product_code", _("No credit product has this code.")))
        unknown = [code for code in values["reason_codes"] or () if code not in catalogue]
        if unknown:
            errors.append(
                RowError(
                    row.position,
                    "reason_codes",
                    _("Unknown reason code: %(codes)s. Use codes from the reason-code catalogue.")
                    % {"codes": ", ".join(unknown)},
                )
            )
        return errors

    @classmethod
    def _change_errors(cls, row):
        """What a known account may not change: its customer, its product, and (when closed or
        cleared, or without reasons) its limit."""
        values = row.values
        account, customer, product = values["account"], values["customer"], values["product"]
        if account is None or customer is None or product is None:
            return []
        errors = []
        if account.customer_id != customer.pk:
            errors.append(
                RowError(
                    row.position,
                    "customer_external_id",
                    _("This account belongs to another customer; an account cannot move between customers."),
                )
            )
        if account.product_id != product.pk:
            errors.append(RowError(row.position, "product_code", _("An account's product cannot change.")))
        if values["credit_limit"] != account.credit_limit:
            errors += cls._limit_change_errors(row, account)
        return errors

    @staticmethod
    def _limit_change_errors(row, account):
        values = row.values
        if account.status in (CreditAccount.Status.CLOSED, CreditAccount.Status.CLEARED):
            message = _("This account is %(status)s: its limit cannot change through the integration.") % {
                "status": account.get_status_display()
            }
            return [RowError(row.position, "credit_limit", message)]
        if values["credit_limit"] > account.credit_limit:  # an increase is the borrower's choice
            message = _(
                "The limit would rise from %(old)s to %(new)s without the borrower's consent: a limit "
                "only goes up when the borrower accepts an offer. Nothing was applied: send the offer to "
                "POST /api/integration/v1/limit-offers/ instead."
            ) % {"old": account.credit_limit, "new": values["credit_limit"]}
            return [ConsentMissing(row.position, "credit_limit", message)]
        if not values["reason_codes"]:
            message = _(
                "The limit changes from %(old)s to %(new)s: give one to four reason codes, "
                "most important first, so the borrower's notice can explain it."
            ) % {"old": account.credit_limit, "new": values["credit_limit"]}
            return [RowError(row.position, "reason_codes", message)]
        return []

    def write(self, rows, *, actor):
        counts = Counts()
        for row in rows:
            values, account = row.values, row.values["account"]
            if account is None:
                self._open(values, actor=actor)
                counts.created += 1
            elif self._sync(account, values, actor=actor):
                counts.updated += 1
            else:
                counts.unchanged += 1
        return counts

    @staticmethod
    def _open(values, *, actor):
        credit_account_open(
            customer=values["customer"],
            external_id=values["external_id"],
            product=values["product"],
            credit_limit=values["credit_limit"],
            opened_at=values["opened_at"],
            outstanding_balance=values["outstanding_balance"] or ZERO,
            repayment_source_masked=values["repayment_source_masked"] or "",
            actor=actor,
        )

    @classmethod
    def _sync(cls, account, values, *, actor):
        """Bring a known account in step: a limit change through the ledger, the mirrored fields as
        they are. Returns whether anything changed."""
        mirrored = cls._mirrored_changes(account, values)
        limit_changes = values["credit_limit"] != account.credit_limit
        if limit_changes:
            limit_change_apply(
                account=account,
                kind=LimitChange.Kind.CORE_SYNC,
                new_limit=values["credit_limit"],
                reason_codes=values["reason_codes"],
                decided_by=LimitChange.DecidedBy.CORE_SYSTEM,
                decided_by_user=actor,
                source_reference=values["source_reference"],
            )
        if mirrored:
            CreditAccount.objects.filter(pk=account.pk).update(
                **{name: after for name, (_before, after) in mirrored.items()}, updated_at=timezone.now()
            )
            audit_event_record(
                actor=actor,
                actor_label=actor_label(actor),
                action="credit_account.synced",
                target=account,
                before={name: str(before) for name, (before, _after) in mirrored.items()},
                after={name: str(after) for name, (_before, after) in mirrored.items()},
            )
        return bool(mirrored) or limit_changes

    @staticmethod
    def _mirrored_changes(account, values):
        """Fields copied from the core system as they are: name → (before, after)."""
        changes = {}
        balance = values["outstanding_balance"]
        if balance is not None and balance != account.outstanding_balance:
            changes["outstanding_balance"] = (account.outstanding_balance, balance)
        if values["opened_at"] != account.opened_at:
            changes["opened_at"] = (account.opened_at, values["opened_at"])
        source = values["repayment_source_masked"]
        if source is not None and source != account.repayment_source_masked:
            changes["repayment_source_masked"] = (account.repayment_source_masked, source)
        return changes
