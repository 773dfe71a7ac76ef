"""The limit policy's rules, and the versions that hold them.

``policy_decide`` is a pure function of the policy and an account's figures, so its rules can be
read, previewed and property-tested on their own. A version is written as a draft (a copy of any
version), previewed against today's accounts, then switched on."""

from dataclasses import dataclass, field, replace
from decimal import ROUND_FLOOR, Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.credit.services import MAX_REASONS
from accounts.models import CreditAccount, PolicyVersion, RiskDecision
from accounts.risk.segments.selectors import (
    account_segments_many,
    policy_for_segment,
    segment_rules,
    segment_set_active,
)
from accounts.risk.services.figures import ZERO, account_figures_many
from portal.exceptions import PortalError
from portal.services import audit_event_record

# Accounts whose figures the preview reads at a time.
PREVIEW_BATCH = 5000


@dataclass(frozen=True)
class Outcome:
    kind: str | None  # None, or a RiskDecision.Kind value
    target_limit: Decimal
    target_status: str
    reason_codes: list = field(default_factory=list)
    cut_percent: int = 0
    needs_approval: bool = False


def _round_down(amount, step):
    return (amount / step).to_integral_value(rounding=ROUND_FLOOR) * step


def _score_drop(figures):
    """Points the score fell from its high (0 when either is unknown)."""
    if figures.score_high is None or figures.score_now is None:
        return 0
    return figures.score_high - figures.score_now


def _other_factors(*, policy, figures):
    """The factors besides a score fall, most weighty first: they order the reasons the
    borrower reads."""
    return [
        code
        for code, present in (
            ("linked_overdue", figures.overdue_days >= max(policy.overdue_days_threshold, 1)),
            ("high_borrowing_frequency", figures.draws_30d >= policy.borrowing_frequency_threshold),
            ("slow_repayment", figures.days_late >= policy.repayment_delay_threshold),
            ("macro_tightening", policy.macro_tightening),
        )
        if present
    ]


def _unchanged(figures, kind, reasons):
    """An outcome that leaves limit and status as they are (a watch, or nothing)."""
    return Outcome(
        kind=kind, target_limit=figures.credit_limit, target_status=figures.status, reason_codes=reasons[:MAX_REASONS]
    )


def _freeze_outcome(*, policy, figures, score_factor, other_factors):
    """A freeze, when a linked account is long overdue or a score fall comes with enough other
    factors; otherwise None."""
    severe_overdue = figures.overdue_days >= policy.freeze_overdue_days
    if not (severe_overdue or (score_factor and len(other_factors) >= policy.freeze_factor_count)):
        return None
    reasons = (["linked_overdue"] if severe_overdue else []) + (["score_drop"] if score_factor else [])
    reasons += [code for code in other_factors if code not in reasons]
    return Outcome(
        kind=RiskDecision.Kind.FREEZE,
        target_limit=figures.credit_limit,
        target_status=CreditAccount.Status.FROZEN,
        reason_codes=reasons[:MAX_REASONS],
        needs_approval=True,
    )


def _cut_outcome(*, policy, figures, other_factors):
    """After a score fall: a cut (or a warning first, when the policy warns before cutting), or
    nothing when the cut rounds to no change."""
    cut = policy.combined_cut_percent if other_factors else policy.base_cut_percent
    target = _round_down(figures.credit_limit * (100 - cut) / 100, figures.limit_step)
    target = min(max(target, ZERO), figures.credit_limit)
    reasons = ["score_drop"] + other_factors
    if target == figures.credit_limit:
        return _unchanged(figures, None, [])
    if policy.warn_before_cut and not figures.recently_warned:
        return _unchanged(figures, RiskDecision.Kind.WATCH, reasons)
    return Outcome(
        kind=RiskDecision.Kind.REDUCTION,
        target_limit=target,
        target_status=figures.status,
        reason_codes=reasons[:MAX_REASONS],
        cut_percent=cut,
        needs_approval=cut > policy.approval_cut_percent,
    )


def _watch_outcome(*, policy, figures, drop, other_factors):
    """An early warning for a smaller fall or another factor, unless one was given lately."""
    watch_drop = drop >= policy.watch_score_drop_points
    if (watch_drop or other_factors) and not figures.recently_warned:
        return _unchanged(figures, RiskDecision.Kind.WATCH, (["score_drop"] if watch_drop else []) + other_factors)
    return _unchanged(figures, None, [])


def policy_decide(*, policy, figures):
    """What the policy does to an account with these figures. Never raises a limit, never goes
    below zero, and acts only on active lines."""
    if figures.status != CreditAccount.Status.ACTIVE or figures.credit_limit <= 0:
        return _unchanged(figures, None, [])
    drop = _score_drop(figures)
    score_factor = drop >= policy.score_drop_points
    other_factors = _other_factors(policy=policy, figures=figures)
    freeze = _freeze_outcome(policy=policy, figures=figures, score_factor=score_factor, other_factors=other_factors)
    if freeze is not None:
        return freeze
    if score_factor:
        return _cut_outcome(policy=policy, figures=figures, other_factors=other_factors)
    return _watch_outcome(policy=policy, figures=figures, drop=drop, other_factors=other_factors)


def policy_version_preview(*, policy, now=None):
    """What this policy would do to the active accounts today, before it is switched on:
    counts by kind and the total limit it would remove. Nothing is written."""
    now = now or timezone.now()
    summary = {"accounts": 0, "watch": 0, "reduction": 0, "freeze": 0, "needs_approval": 0, "limit_removed": ZERO}
    account_ids = list(CreditAccount.objects.filter(status=CreditAccount.Status.ACTIVE).values_list("pk", flat=True))
    rules = segment_rules(segment_set_active())
    for start in range(0, len(account_ids), PREVIEW_BATCH):
        batch = account_ids[start : start + PREVIEW_BATCH]
        segments = account_segments_many(account_ids=batch, rules=rules, now=now)
        for account_id, figures in account_figures_many(account_ids=batch, policy=policy, now=now).items():
            summary["accounts"] += 1
            # Preview the cut itself, as if any warning had already been given, with the
            # thresholds of the account's segment.
            outcome = policy_decide(
                policy=policy_for_segment(policy, segments.get(account_id, "")),
                figures=replace(figures, recently_warned=True),
            )
            if outcome.kind is None:
                continue
            summary[outcome.kind] += 1
            summary["needs_approval"] += int(outcome.needs_approval)
            summary["limit_removed"] += figures.credit_limit - outcome.target_limit
    return summary


def policy_version_activate(*, policy, actor, request=None, now=None):
    """Switch a draft policy on; the version in force until now is retired."""
    now = now or timezone.now()
    if not actor.has_perm("accounts.change_policyversion"):
        raise PortalError(_("You do not have permission to switch policies on."), code="forbidden")
    with transaction.atomic():
        policy = PolicyVersion.objects.select_for_update().get(pk=policy.pk)
        if policy.status != PolicyVersion.Status.DRAFT:
            raise PortalError(_("Only a draft can be switched on."), code="not_draft")
        previous = PolicyVersion.objects.select_for_update().filter(status=PolicyVersion.Status.ACTIVE).first()
        if previous:
            previous.status = PolicyVersion.Status.RETIRED
            previous.save(update_fields=["status"])
        policy.status = PolicyVersion.Status.ACTIVE
        policy.activated_at, policy.activated_by = now, actor
        policy.save(update_fields=["status", "activated_at", "activated_by"])
        audit_event_record(
            actor=actor,
            action="policy_version.activated",
            target=policy,
            before={"active": previous.label if previous else None},
            after={"active": policy.label},
            request=request,
        )
    return policy


POLICY_PARAMETERS = [
    "score_lookback_days",
    "score_drop_points",
    "watch_score_drop_points",
    "base_cut_percent",
    "combined_cut_percent",
    "overdue_days_threshold",
    "borrowing_frequency_threshold",
    "repayment_delay_threshold",
    "macro_tightening",
    "freeze_overdue_days",
    "freeze_factor_count",
    "approval_cut_percent",
    "warn_before_cut",
    "watch_valid_days",
]


def policy_version_copy(*, policy, actor, request=None):
    """Start a new draft from any version: the way to change rules that are in force."""
    if not actor.has_perm("accounts.add_policyversion"):
        raise PortalError(_("You do not have permission to write policies."), code="forbidden")
    with transaction.atomic():
        copy = PolicyVersion.objects.create(
            name=policy.name,
            notes="",
            created_by=actor,
            segment_overrides=dict(policy.segment_overrides or {}),
            **{name: getattr(policy, name) for name in POLICY_PARAMETERS},
        )
        audit_event_record(
            actor=actor, action="policy_version.copied", target=copy, before={"from": policy.label}, request=request
        )
    return copy


def _rule(code, figures, thresholds):
    return {"rule": code, "figures": figures, "thresholds": thresholds}


def _factor_rules(*, policy, figures, drop):
    """The factors that counted, each with the figures it read and the threshold it crossed."""
    rules = []
    if figures.score_high is not None and figures.score_now is not None and drop >= policy.watch_score_drop_points:
        rules.append(
            _rule(
                "score_drop",
                {"score_high": figures.score_high, "score_now": figures.score_now, "score_drop": drop},
                {
                    "score_drop_points": policy.score_drop_points,
                    "watch_score_drop_points": policy.watch_score_drop_points,
                },
            )
        )
    present = set(_other_factors(policy=policy, figures=figures))
    for code, figure, thresholds in (
        (
            "linked_overdue",
            {"overdue_days": str(figures.overdue_days)},
            {
                "overdue_days_threshold": policy.overdue_days_threshold,
                "freeze_overdue_days": policy.freeze_overdue_days,
            },
        ),
        (
            "high_borrowing_frequency",
            {"draws_30d": str(figures.draws_30d)},
            {"borrowing_frequency_threshold": policy.borrowing_frequency_threshold},
        ),
        (
            "slow_repayment",
            {"days_late": str(figures.days_late)},
            {"repayment_delay_threshold": str(policy.repayment_delay_threshold)},
        ),
        ("macro_tightening", {}, {"macro_tightening": True}),
    ):
        if code in present:
            rules.append(_rule(code, figure, thresholds))
    return rules


def _outcome_rule(*, policy, figures, outcome):
    """The rule that chose what happened to the line, with its figures."""
    limits = {"credit_limit": str(figures.credit_limit), "target_limit": str(outcome.target_limit)}
    if outcome.kind == RiskDecision.Kind.FREEZE:
        return _rule(
            "freeze",
            limits,
            {"freeze_overdue_days": policy.freeze_overdue_days, "freeze_factor_count": policy.freeze_factor_count},
        )
    if outcome.kind == RiskDecision.Kind.REDUCTION:
        return _rule(
            "cut",
            {**limits, "cut_percent": outcome.cut_percent, "limit_step": str(figures.limit_step)},
            {
                "base_cut_percent": policy.base_cut_percent,
                "combined_cut_percent": policy.combined_cut_percent,
                "approval_cut_percent": policy.approval_cut_percent,
            },
        )
    return _rule(
        "warn_first",
        {"recently_warned": figures.recently_warned},
        {"warn_before_cut": policy.warn_before_cut, "watch_valid_days": policy.watch_valid_days},
    )


def policy_explain(*, policy, figures, outcome, signals=()):
    """The decision record stored with a decision (RiskDecision.inputs): the figures the policy
    read (flat, as before), the version and its parameters, each rule that fired with the figures
    it used, the signals read and the outcome. Plain JSON; nothing is read from the database."""
    return {
        **figures.as_json(),
        "cut_percent": outcome.cut_percent,
        "policy": {
            "label": policy.label,
            "name": policy.name,
            "parameters": {name: _json_value(getattr(policy, name)) for name in POLICY_PARAMETERS},
        },
        "rules": [
            *_factor_rules(policy=policy, figures=figures, drop=_score_drop(figures)),
            _outcome_rule(policy=policy, figures=figures, outcome=outcome),
        ],
        "signals": list(signals),
        "outcome": {
            "kind": outcome.kind,
            "target_limit": str(outcome.target_limit),
            "target_status": outcome.target_status,
            "needs_approval": outcome.needs_approval,
            "reason_codes": list(outcome.reason_codes),
        },
    }


def _json_value(value):
    return value if isinstance(value, bool | int) or value is None else str(value)
