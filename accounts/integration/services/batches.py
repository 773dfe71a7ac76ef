"""A batch of one kind on its way in, and the one entry point of the integration API."""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.integration.services.balances import BalanceRows, InstallmentRows
from accounts.integration.services.credit_accounts import AccountRows
from accounts.integration.services.customers import CustomerRows
from accounts.integration.services.errors import IntegrationConflict, IntegrationForbidden, IntegrationRowsRejected
from accounts.integration.services.risk_signals import RiskSignalRows, ScoreUpdateRows
from accounts.integration.services.rows import Row, RowError, RowKind, actor_label, integration_access_allowed
from portal.db import transaction_lock
from portal.services import audit_event_record

ROW_KINDS = {
    kind.name: kind
    for kind in (CustomerRows(), AccountRows(), BalanceRows(), InstallmentRows(), ScoreUpdateRows(), RiskSignalRows())
}


@dataclass
class Batch:
    """Rows of one kind on their way in: cleaned, then checked, then written."""

    kind: RowKind
    now: object = field(default_factory=timezone.now)
    rows: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    def add(self, position, raw):
        values, errors = self.kind.clean(raw, now=self.now)
        self.errors += [RowError(position, name, message) for name, message in errors]
        if values is not None:
            self.rows.append(Row(position, values))


def integration_rows_apply(*, kind, rows, actor, request=None):
    """Apply one call of the integration API: every row of ``kind`` or none.

    Raises ``IntegrationRowsRejected`` naming each bad row (by 0-based index) and field, or
    ``IntegrationConflict`` when a parallel call wrote the same new records first."""
    if not integration_access_allowed(actor):
        raise IntegrationForbidden(_("This login may not push data through the integration API."), code="forbidden")
    batch = Batch(kind=ROW_KINDS[kind])
    for position, raw in enumerate(rows):
        batch.add(position, raw)
    try:
        with transaction.atomic():
            integration_kind_lock(kind)
            rows, duplicates = batch.kind.duplicates(batch.rows, seen={})
            errors = batch.errors + duplicates + batch.kind.check(rows)
            if errors:
                raise IntegrationRowsRejected(errors)
            counts = batch.kind.write(rows, actor=actor)
            integration_summary_record(kind=kind, counts=counts, actor=actor, request=request)
    except IntegrityError as error:
        raise IntegrationConflict(
            _("Another call changed the same records at the same time. Nothing was applied: send this call again."),
            code="conflict",
        ) from error
    return counts


def integration_kind_lock(kind):
    """Writers of one kind take turns, until their transaction ends: the next one reads what the
    one before wrote. So two calls that both bring the same new customer answer one "created" and
    one "unchanged" (with one audit event), instead of both creating it. Taken first, before any
    row lock (``portal.db``'s order follows it); on SQLite, where one transaction writes at a
    time anyway, nothing."""
    transaction_lock(f"integration:{kind}")


def integration_summary_record(*, kind, counts, actor=None, source="", request=None):
    """One audit event per call or import, when it changed anything."""
    if not counts.changed:
        return None
    return audit_event_record(
        actor=actor,
        actor_label=actor_label(actor),
        action=f"integration.{kind}",
        summary=" ".join(
            part
            for part in (
                source,
                _("%(created)s created, %(updated)s updated, %(unchanged)s unchanged") % counts.as_dict(),
            )
            if part
        ),
        after=counts.as_dict(),
        request=request,
    )
