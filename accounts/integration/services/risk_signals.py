"""Risk signals and score updates: observations that, once received, never change (a correction
is a new signal with its own external id)."""

from decimal import Decimal

from django.utils.translation import gettext as _

from accounts.integration.fields import Choice, Moment, Number, Text, WholeNumber
from accounts.integration.services.errors import (
    score_batch_conflict_message,
    score_conflict_message,
    signal_conflict_message,
)
from accounts.integration.services.rows import (
    ACCOUNT_EXTERNAL_ID,
    SCORE_RANGE,
    ZERO,
    Counts,
    RowError,
    RowKind,
    accounts_resolve,
)
from accounts.models import CreditScore, RiskSignal
from accounts.risk.services import risk_signals_write_lock


class RiskSignalRows(RowKind):
    """Observations about an account, left unevaluated for the risk policy's job. A score update
    also records the score in the account's score history."""

    name = "risk-signals"
    fields = {
        "external_id": Text(max_length=64, help_text="The core system's signal id."),
        "account_external_id": ACCOUNT_EXTERNAL_ID,
        "kind": Choice(choices=tuple(RiskSignal.Kind.values)),
        "value": Number(
            max_digits=10,
            help_text="score_update: the score (300-950); linked_overdue: days overdue; borrowing_frequency: "
            "draws in 30 days; repayment_speed: average days paid after the due date (negative = early).",
        ),
        "observed_at": Moment(help_text="When the core system observed it (ISO 8601); not in the future."),
    }
    # The input field a stored signal's attribute came from (score updates call the value "score").
    field_names = {"account_id": "account_external_id", "kind": "kind", "value": "value", "observed_at": "observed_at"}
    never_negative = {RiskSignal.Kind.LINKED_OVERDUE, RiskSignal.Kind.BORROWING_FREQUENCY}

    def check_values(self, values):
        kind, value = values["kind"], values["value"]
        if kind == RiskSignal.Kind.SCORE_UPDATE and (
            value != value.to_integral_value() or not SCORE_RANGE[0] <= value <= SCORE_RANGE[1]
        ):
            return [("value", _("A score update's value is the new score: a whole number from 300 to 950."))]
        if kind in self.never_negative and value < 0:
            return [("value", _("This kind of signal cannot have a negative value."))]
        return []

    def check(self, rows):
        errors = accounts_resolve(rows)
        rows = [row for row in rows if row.values["account_id"] is not None]
        stored = RiskSignal.objects.in_bulk([row.values["external_id"] for row in rows], field_name="external_id")
        for row in rows:
            signal = stored.get(row.values["external_id"])
            row.values["stored"] = signal is not None
            differing = [name for name in self.field_names if signal and getattr(signal, name) != row.values[name]]
            if differing:
                name = self.field_names[differing[0]]
                errors.append(RowError(row.position, name, signal_conflict_message(name)))
        return errors + self._score_conflicts(
            [row for row in rows if row.values["kind"] == RiskSignal.Kind.SCORE_UPDATE]
        )

    def _score_conflicts(self, rows):
        errors = []
        recorded = {
            (score.account_id, score.scored_at): score.score
            for score in CreditScore.objects.filter(
                account_id__in={row.values["account_id"] for row in rows},
                scored_at__in={row.values["observed_at"] for row in rows},
            )
        }
        in_batch = {}
        for row in rows:
            moment = (row.values["account_id"], row.values["observed_at"])
            score = int(row.values["value"])
            value_field = self.field_names["value"]
            if recorded.get(moment, score) != score:
                errors.append(RowError(row.position, value_field, score_conflict_message(recorded[moment])))
            elif in_batch.setdefault(moment, score) != score:
                errors.append(RowError(row.position, value_field, score_batch_conflict_message()))
            row.values["score_recorded"] = moment in recorded
        return errors

    def write(self, rows, *, actor):
        new = [row for row in rows if not row.values["stored"]]
        if rows:
            risk_signals_write_lock()
        RiskSignal.objects.bulk_create(
            (
                RiskSignal(
                    external_id=row.values["external_id"],
                    account_id=row.values["account_id"],
                    kind=row.values["kind"],
                    value=row.values["value"],
                    observed_at=row.values["observed_at"],
                )
                for row in new
            ),
            batch_size=1000,
        )
        scores = {
            (row.values["account_id"], row.values["observed_at"]): int(row.values["value"])
            for row in rows
            if row.values["kind"] == RiskSignal.Kind.SCORE_UPDATE and not row.values["score_recorded"]
        }
        CreditScore.objects.bulk_create(
            (
                CreditScore(account_id=account_id, scored_at=scored_at, score=score)
                for (account_id, scored_at), score in scores.items()
            ),
            batch_size=1000,
        )
        return Counts(created=len(new), unchanged=len(rows) - len(new))


class ScoreUpdateRows(RiskSignalRows):
    """A score update is a ``score_update`` risk signal; it is keyed by the signal's external id."""

    name = "score-updates"
    fields = {
        "external_id": Text(max_length=64, help_text="The core system's signal id for this score update."),
        "account_external_id": ACCOUNT_EXTERNAL_ID,
        "score": WholeNumber(min_value=SCORE_RANGE[0], max_value=SCORE_RANGE[1]),
        "observed_at": Moment(help_text="When the score was computed (ISO 8601); not in the future."),
    }
    field_names = {**RiskSignalRows.field_names, "kind": "external_id", "value": "score"}

    def clean(self, raw, *, now):
        values, errors = super().clean(raw, now=now)
        if values is not None:
            values.update(kind=RiskSignal.Kind.SCORE_UPDATE, value=Decimal(values.pop("score")).quantize(ZERO))
        return values, errors

    def check_values(self, values):
        return []
