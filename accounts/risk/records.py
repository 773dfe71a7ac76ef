"""The decision record of a limit change, as staff, an appeal and the borrower's API read it.

``limit_change_record`` gathers, from stored data only, what the lender holds about one ledger
row: the change, who decided it (the policy version with each rule that fired and the figures it
used, the signals read, and the reasons; or the staff member and why). It is plain JSON, so an
appeal keeps it as filed. ``decision_record_present`` turns it into labelled rows for the
``admin/includes/decision_record.html`` include, in the active language; ``decision_record_for_borrower``
keeps only what the borrower may see (no staff names, notes, thresholds or internal ids)."""

from datetime import timedelta

from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from accounts.models import ClearanceCase, CreditAccount, LimitChange, ReasonCode, RiskDecision, RiskSignal
from portal.formatting import money

RULE_LABELS = {
    "score_drop": _("Credit score fell from its high"),
    "linked_overdue": _("Overdue on a linked account"),
    "high_borrowing_frequency": _("Frequent borrowing"),
    "slow_repayment": _("Late repayments"),
    "macro_tightening": _("Macro-economic tightening"),
    "cut": _("Limit cut"),
    "freeze": _("Line frozen"),
    "warn_first": _("Warning before a cut"),
}

FIGURE_LABELS = {
    "score_high": _("score high"),
    "score_now": _("score now"),
    "score_drop": _("points fallen"),
    "overdue_days": _("days overdue"),
    "draws_30d": _("draws in 30 days"),
    "days_late": _("average days late"),
    "credit_limit": _("limit before"),
    "target_limit": _("limit after"),
    "cut_percent": _("cut (%)"),
    "limit_step": _("rounded down to"),
    "recently_warned": _("warned lately"),
    "score_drop_points": _("fall that cuts (points)"),
    "watch_score_drop_points": _("fall that warns (points)"),
    "overdue_days_threshold": _("overdue that counts (days)"),
    "freeze_overdue_days": _("overdue that freezes (days)"),
    "borrowing_frequency_threshold": _("draws that count"),
    "repayment_delay_threshold": _("days late that count"),
    "macro_tightening": _("tightening in force"),
    "base_cut_percent": _("cut for a fall alone (%)"),
    "combined_cut_percent": _("cut with another factor (%)"),
    "approval_cut_percent": _("cuts above this need approval (%)"),
    "freeze_factor_count": _("factors that freeze"),
    "warn_before_cut": _("warn before cutting"),
    "watch_valid_days": _("days a warning stays valid"),
}

# For a change decided before records kept their signals: the account's signals this long before.
SIGNALS_LOOK_BACK = timedelta(days=31)

MONEY_FIGURES = {"credit_limit", "target_limit", "limit_step"}


def _staff(change, risk_decision, clearance_case):
    """Who decided a change made by a person, and why, when a person took part."""
    if clearance_case is not None:
        return {
            "who": clearance_case.reviewer.email if clearance_case.reviewer else "",
            "proposed_by": clearance_case.proposer.email,
            "why": clearance_case.statement,
            "grounds": clearance_case.grounds,
            "note": clearance_case.legal_review_note,
        }
    if risk_decision is not None and risk_decision.reviewed_by is not None:
        return {"who": risk_decision.reviewed_by.email, "why": risk_decision.review_note, "approved": True}
    if change.decided_by_user is not None:
        return {"who": change.decided_by_user.email, "why": change.source_reference}
    return None


def _signals_for(change, inputs):
    """The signals the policy read, as stored with the decision; for a change made before the
    record kept them, the account's signals of the month before it."""
    if inputs.get("signals"):
        return inputs["signals"]
    rows = RiskSignal.objects.filter(
        account_id=change.account_id,
        observed_at__lte=change.effective_at,
        observed_at__gte=change.effective_at - SIGNALS_LOOK_BACK,
    ).order_by("-observed_at")[:10]
    return [
        {"id": row.pk, "kind": row.kind, "value": str(row.value), "observed_at": row.observed_at.isoformat()}
        for row in rows
    ]


def limit_change_record(change):
    """Everything the lender holds about why ``change`` was made, as plain JSON."""
    risk_decision = (
        RiskDecision.objects.filter(limit_change=change).select_related("policy_version", "reviewed_by").first()
    )
    clearance_case = (
        ClearanceCase.objects.filter(limit_change=change).select_related("proposer", "reviewer").first()
        if change.kind == LimitChange.Kind.CLEARANCE
        else None
    )
    inputs = dict(risk_decision.inputs) if risk_decision else {}
    policy = risk_decision.policy_version if risk_decision else change.policy_version
    return {
        "kind": change.kind,
        "previous_limit": str(change.previous_limit),
        "new_limit": str(change.new_limit),
        "previous_status": change.previous_status,
        "new_status": change.new_status,
        "currency": change.account.product.currency,
        "effective_at": change.effective_at.isoformat(),
        "decided_by": change.decided_by,
        "policy_version": policy.label if policy else "",
        "policy_name": policy.name if policy else "",
        "reason_codes": list(change.reason_codes),
        "risk_decision_id": risk_decision.pk if risk_decision else None,
        "figures": {key: value for key, value in inputs.items() if key in FIGURE_LABELS},
        "rules": inputs.get("rules", []),
        "signals": _signals_for(change, inputs) if change.decided_by == LimitChange.DecidedBy.POLICY else [],
        "staff": _staff(change, risk_decision, clearance_case),
    }


def decision_record_for_borrower(record):
    """The record without what only staff may read: names, notes, thresholds, internal ids."""
    return {
        **{key: record[key] for key in ("kind", "previous_limit", "new_limit", "currency", "effective_at")},
        "decided_by": record["decided_by"],
        "policy_version": record["policy_version"],
        "reason_codes": record["reason_codes"],
        "rules": [{"rule": rule["rule"], "figures": rule["figures"]} for rule in record["rules"]],
        "signals": [
            {key: signal[key] for key in ("kind", "value", "observed_at")} for signal in record.get("signals", [])
        ],
    }


def _figure_rows(values, currency):
    rows = []
    for key, value in values.items():
        if isinstance(value, bool):
            value = _("yes") if value else _("no")
        elif key in MONEY_FIGURES:
            value = money(value, currency)
        rows.append({"label": FIGURE_LABELS.get(key, key), "value": value})
    return rows


def _when(text):
    moment = parse_datetime(text) if text else None
    return date_format(localtime(moment), "DATETIME_FORMAT") if moment else ""


def decision_record_present(record):
    """Labelled rows of ``record`` for the decision-record include, in the active language."""
    if not record:
        return None
    currency = record.get("currency", "CNY")
    catalogue = ReasonCode.objects.in_bulk(record.get("reason_codes", []))
    kinds, deciders = dict(LimitChange.Kind.choices), dict(LimitChange.DecidedBy.choices)
    signal_kinds, statuses = dict(RiskSignal.Kind.choices), dict(CreditAccount.Status.choices)
    staff = record.get("staff")
    return {
        "kind": kinds.get(record.get("kind"), record.get("kind")),
        "previous_limit": money(record.get("previous_limit"), currency),
        "new_limit": money(record.get("new_limit"), currency),
        "new_status": statuses.get(record.get("new_status"), ""),
        "effective_at": _when(record.get("effective_at")),
        "decided_by": deciders.get(record.get("decided_by"), record.get("decided_by")),
        "policy_version": record.get("policy_version", ""),
        "reasons": [
            {"code": code, "title": catalogue[code].title if code in catalogue else code}
            for code in record.get("reason_codes", [])
        ],
        "rules": [
            {
                "label": RULE_LABELS.get(rule["rule"], rule["rule"]),
                "figures": _figure_rows(rule.get("figures", {}), currency),
                "thresholds": _figure_rows(rule.get("thresholds", {}), currency),
            }
            for rule in record.get("rules", [])
        ],
        "signals": [
            {
                "kind": signal_kinds.get(s["kind"], s["kind"]),
                "value": s["value"],
                "observed_at": _when(s["observed_at"]),
            }
            for s in record.get("signals", [])
        ],
        "staff": staff,
        "grounds": dict(ClearanceCase.Grounds.choices).get(staff.get("grounds")) if staff else None,
    }


def limit_change_records_for_borrower(changes):
    """The borrower's view of the record of each change (by id), in one query for the lot: the
    rules that fired with the borrower's own figures and the signals read, from the decision."""
    changes = list(changes)
    decisions = {
        decision.limit_change_id: decision
        for decision in RiskDecision.objects.filter(limit_change_id__in=[change.pk for change in changes]).only(
            "limit_change_id", "inputs"
        )
    }
    records = {}
    for change in changes:
        inputs = decisions[change.pk].inputs if change.pk in decisions else {}
        records[change.pk] = {
            # A version's label is "v" and its id (PolicyVersion.label), read without a query.
            "policy_version": f"v{change.policy_version_id}" if change.policy_version_id else "",
            "rules": [{"rule": rule["rule"], "figures": rule["figures"]} for rule in inputs.get("rules", [])],
            "signals": [
                {key: signal[key] for key in ("kind", "value", "observed_at")} for signal in inputs.get("signals", [])
            ],
        }
    return records
