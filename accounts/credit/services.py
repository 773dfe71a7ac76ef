"""Opening accounts and changing limits: the only code that writes the limit-change ledger.

Every change locks the account row, appends the ledger row, updates the account, writes the
audit event and the borrower's notice, all in one transaction. A change the borrower did not
ask for carries its reasons and an appeal deadline."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import CreditAccount, LimitChange, PolicyVersion, ReasonCode, User
from accounts.models.credit import APPEALABLE_KINDS
from portal import notices
from portal.db import ids_among, rows_insert
from portal.deadlines import deadline_profile
from portal.exceptions import PortalError
from portal.notices import FixedText
from portal.services import audit_event_record, audit_events_record_many, notifications_send_many

MAX_REASONS = 4
CENT = Decimal("0.01")


def credit_account_open(
    *,
    customer,
    external_id,
    product,
    credit_limit,
    opened_at=None,
    outstanding_balance=0,
    repayment_source_masked="",
    actor=None,
):
    """Create an account mirrored from the core system, with its opening ledger row."""
    credit_limit = Decimal(credit_limit).quantize(CENT)
    if credit_limit < 0:
        raise PortalError(_("A credit limit cannot be negative."), field="credit_limit")
    opened_at = opened_at or timezone.now()
    with transaction.atomic():
        account = CreditAccount.objects.create(
            customer=customer,
            external_id=external_id,
            product=product,
            credit_limit=credit_limit,
            outstanding_balance=Decimal(outstanding_balance).quantize(CENT),
            status=CreditAccount.Status.ACTIVE,
            opened_at=opened_at,
            repayment_source_masked=repayment_source_masked,
        )
        LimitChange.objects.create(
            account=account,
            sequence=1,
            kind=LimitChange.Kind.OPENING,
            previous_limit=Decimal("0.00"),
            new_limit=credit_limit,
            previous_status=CreditAccount.Status.ACTIVE,
            new_status=CreditAccount.Status.ACTIVE,
            decided_by=LimitChange.DecidedBy.CORE_SYSTEM,
            effective_at=opened_at,
        )
        audit_event_record(
            actor=actor,
            actor_label=None if actor else "core-system",
            action="credit_account.opened",
            target=account,
            after={"credit_limit": str(credit_limit)},
        )
    return account


def _validate_reasons(reason_codes, kind):
    codes = list(dict.fromkeys(reason_codes or []))  # keep order, drop repeats
    if len(codes) > MAX_REASONS:
        raise PortalError(_("Give at most four principal reasons, most important first."), field="reason_codes")
    known = set(ReasonCode.objects.filter(code__in=codes).values_list("code", flat=True))
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise PortalError(_("Unknown reason codes: %(codes)s.") % {"codes": ", ".join(unknown)}, field="reason_codes")
    if kind in APPEALABLE_KINDS and not codes:
        raise PortalError(_("A change the borrower did not ask for needs at least one reason."), field="reason_codes")
    return codes


def _article_path(slug):
    """The address (path) of the literacy article that explains a reason, or "" if it has none.
    Found by the URL's name: the ledger sits below the education app and does not import it."""
    if not slug:
        return ""
    return reverse("education:article_detail", kwargs={"slug": slug})


class NoticeTexts:
    """The parameters of limit-change notices (``portal.notices``): figures, labels and reasons as
    data the notice is rendered from in each reader's language, each built once per value (a
    policy run gives thousands of notices the same moment and reasons)."""

    def __init__(self, catalogue):
        self.catalogue = catalogue
        self.memo = {}

    def _get(self, key, make):
        try:
            return self.memo[key]
        except KeyError:
            value = self.memo[key] = make()
            return value

    def moment(self, value):
        return notices.moment(value)

    def money(self, amount, currency):
        return self._get(("money", amount, currency), lambda: notices.money(amount, currency))

    def label(self, choice):
        return self._get(("label", type(choice), choice.value), lambda: notices.localised(choice.label))

    def _reason(self, code):
        reason = self.catalogue[code]
        return {
            "code": reason.code,
            "title": notices.localised(lambda: reason.title),
            "explanation": notices.localised(lambda: reason.explanation),
            "remedy": notices.localised(lambda: reason.remedy),
            "article_url": notices.site_path(_article_path(reason.article_slug)),
        }

    def reasons(self, codes):
        return [
            self._get(("reason", code), lambda code=code: self._reason(code))
            for code in codes
            if code in self.catalogue
        ]


def notice_recipients(*, customer_ids):
    """The borrowers' logins by customer id, with what a notice needs of them (thousands at a
    time in a policy run, so not every column of every login)."""
    users = User.objects.filter(customer_id__in=ids_among(customer_ids)).only(
        "pk", "customer_id", "preferred_language", "email"
    )
    return {user.customer_id: user for user in users}


@dataclass
class PlannedChange:
    """One change to apply to an account that the caller has locked (select_for_update)."""

    account: CreditAccount
    kind: str
    new_limit: Decimal
    new_status: str
    reason_codes: list
    decided_by: str
    decided_by_user: object = None
    policy_version: PolicyVersion | None = None
    source_reference: str = ""
    effective_at: object = None
    # Why an increase is consented: "offer:<id>" or the borrower's own request (see consent_check).
    consent: str = ""


def _ledger_row(change, *, sequence, effective_at, appeal_deadline):
    """The ledger row for ``change``, from the account as it was before the change."""
    return LimitChange(
        account=change.account,
        sequence=sequence,
        kind=change.kind,
        previous_limit=change.account.credit_limit,
        new_limit=change.new_limit,
        previous_status=change.account.status,
        new_status=change.new_status,
        reason_codes=change.reason_codes,
        decided_by=change.decided_by,
        decided_by_user=change.decided_by_user,
        policy_version=change.policy_version,
        source_reference=change.source_reference,
        effective_at=effective_at,
        appeal_deadline=appeal_deadline,
        consent=change.consent,
    )


def _notice_item(row, *, recipient, texts):
    """The borrower's notice of ledger ``row``, its account already changed, as parameters
    (``portal.notices``): rendered in each reader's language, and stamped, not rendered row by
    row, for the email (see portal.services.STAMPED_TEMPLATES)."""
    account = row.account
    currency = account.product.currency
    return {
        "recipient": recipient,
        "kind": f"limit_change.{row.kind}",
        "template": "limit_change",
        "link": f"/credit/{account.pk}/history/",
        "context": {
            "account": {"external_id": account.external_id},
            "kind": FixedText(row.kind),
            "kind_label": texts.label(LimitChange.Kind(row.kind)),
            "limit_changed": row.previous_limit != row.new_limit,
            "previous_limit": texts.money(row.previous_limit, currency),
            "new_limit": texts.money(row.new_limit, currency),
            "previous_status": texts.label(CreditAccount.Status(row.previous_status)),
            "new_status": texts.label(CreditAccount.Status(row.new_status)),
            "status_changed": row.previous_status != row.new_status,
            "available_credit": texts.money(account.available_credit, currency),
            "effective_at": texts.moment(row.effective_at),
            "reasons": texts.reasons(row.reason_codes),
            "appeal_deadline": texts.moment(row.appeal_deadline),
        },
    }


def _audit_item(row, *, decided_by_user):
    return {
        "actor": decided_by_user,
        "actor_label": None if decided_by_user else row.decided_by,
        "action": f"limit_change.{row.kind}",
        "target": row.account,
        "before": {"credit_limit": str(row.previous_limit), "status": row.previous_status},
        "after": {"credit_limit": str(row.new_limit), "status": row.new_status, "reasons": row.reason_codes},
        "summary": f"ledger #{row.sequence}",
    }


def _next_sequences(account_ids):
    """The newest ledger sequence of each account (absent when it has no row yet)."""
    return dict(
        LimitChange.objects.filter(account_id__in=ids_among(account_ids))
        .values_list("account_id")
        .annotate(top=Max("sequence"))
        .order_by()
    )


CONSENT_BORROWER_REQUEST = "borrower_request"  # the borrower asked (e.g. resuming a paused line)
CONSENT_APPEAL = "appeal"  # a restoration after the borrower's successful appeal


def consent_check(change):
    """No limit goes up without the borrower's consent: an accepted offer or their own request."""
    raising = change.new_limit > change.account.credit_limit and change.kind != LimitChange.Kind.OPENING
    if raising and not change.consent:
        raise PortalError(
            _("A limit increase needs the borrower's consent: offer it to them instead."), code="consent_required"
        )


def limit_changes_apply_locked(*, planned, request=None):
    """Append the ledger rows, update the accounts, and write notices and audit events for
    changes on accounts already locked by the caller, in a handful of statements whatever their
    number. Returns the LimitChange rows in the order given. Callers validate first."""
    if not planned:
        return []
    for change in planned:
        consent_check(change)
    now = timezone.now()
    sequences = _next_sequences([change.account.pk for change in planned])
    recipients = notice_recipients(customer_ids={c.account.customer_id for c in planned})
    texts = NoticeTexts(ReasonCode.objects.in_bulk({code for change in planned for code in change.reason_codes}))

    profile = deadline_profile()
    notice_items, notice_owner, rows, audit = [], [], [], []
    for change in planned:
        account = change.account
        effective_at = change.effective_at or now
        appeal_deadline = profile.filing_deadline(effective_at) if change.kind in APPEALABLE_KINDS else None
        sequences[account.pk] = sequences.get(account.pk, 0) + 1
        row = _ledger_row(
            change, sequence=sequences[account.pk], effective_at=effective_at, appeal_deadline=appeal_deadline
        )
        rows.append(row)
        account.credit_limit, account.status, account.updated_at = change.new_limit, change.new_status, now
        recipient = recipients.get(account.customer_id)
        if recipient is not None:
            notice_owner.append(row)
            notice_items.append(_notice_item(row, recipient=recipient, texts=texts))
        audit.append(_audit_item(row, decided_by_user=change.decided_by_user))

    # The notice is written with the change: the ledger row points at it.
    for row, notice in zip(notice_owner, notifications_send_many(items=notice_items), strict=True):
        row.notice = notice
    _accounts_write(accounts=[change.account for change in planned])
    created = rows_insert(LimitChange, rows)
    audit_events_record_many(events=audit, request=request)
    return created


def _accounts_write(*, accounts):
    """Save the new limit and status of many accounts. On PostgreSQL one UPDATE ... FROM VALUES
    (bulk_update's CASE per row grows slow with thousands of rows); elsewhere bulk_update."""
    if connection.vendor != "postgresql":
        CreditAccount.objects.bulk_update(accounts, ["credit_limit", "status", "updated_at"], batch_size=500)
        return
    table = CreditAccount._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS account SET credit_limit = new.credit_limit, status = new.status, "  # noqa: S608
            "updated_at = new.updated_at FROM unnest(%s::bigint[], %s::numeric[], %s::text[], %s::timestamptz[]) "
            "AS new(id, credit_limit, status, updated_at) WHERE account.id = new.id",
            [
                [account.pk for account in accounts],
                [account.credit_limit for account in accounts],
                [account.status for account in accounts],
                [account.updated_at for account in accounts],
            ],
        )


def limit_change_apply(
    *,
    account,
    kind,
    new_limit=None,
    new_status=None,
    reason_codes=(),
    decided_by,
    decided_by_user=None,
    policy_version=None,
    source_reference="",
    effective_at=None,
    request=None,
    consent="",
):
    """Append one change to the ledger and apply it to the account, with notice and audit.

    ``new_limit``/``new_status`` default to the current ones (e.g. a freeze keeps the limit).
    Safe against two changes racing: the account row is locked and re-read first."""
    codes = _validate_reasons(reason_codes, kind)
    with transaction.atomic():
        # Its own row only (see portal.db for the lock order): the product is shared by many accounts.
        account = (
            CreditAccount.objects.select_for_update(of=("self",))
            .select_related("product", "customer")
            .get(pk=account.pk)
        )
        target_limit = account.credit_limit if new_limit is None else Decimal(new_limit).quantize(CENT)
        target_status = new_status or account.status
        if target_limit < 0:
            raise PortalError(_("A credit limit cannot be negative."), field="new_limit")
        if target_status not in CreditAccount.Status.values:
            raise PortalError(_("Unknown account status."), field="new_status")
        if target_limit == account.credit_limit and target_status == account.status:
            raise PortalError(_("This change would not change the limit or the status."), code="no_change")
        (change,) = limit_changes_apply_locked(
            planned=[
                PlannedChange(
                    account=account,
                    kind=kind,
                    new_limit=target_limit,
                    new_status=target_status,
                    reason_codes=codes,
                    decided_by=decided_by,
                    decided_by_user=decided_by_user,
                    policy_version=policy_version,
                    source_reference=source_reference,
                    effective_at=effective_at,
                    consent=consent,
                )
            ],
            request=request,
        )
    return change
