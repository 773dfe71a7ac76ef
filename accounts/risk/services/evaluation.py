"""Deciding a chunk of a policy run's accounts: the policy's outcome for each, as decisions, and
what each decision does at once (a warning notice, a wait for approval, or a limit change)."""

import hashlib

from accounts.credit.services import NoticeTexts, PlannedChange, limit_changes_apply_locked, notice_recipients
from accounts.models import CreditAccount, LimitChange, ReasonCode, RiskDecision, RiskSignal
from accounts.risk.segments.selectors import (
    account_segments_many,
    policy_for_segment,
    segment_rules,
    segment_set_active,
)
from accounts.risk.services.figures import account_figures_many
from accounts.risk.services.policy import policy_decide, policy_explain
from portal.db import ids_among, rows_insert
from portal.services import audit_events_record_many, notifications_send_many


def decision_planned_change(decision, *, approver=None, now):
    """The ledger change a cut or freeze decision makes (its account locked by the caller)."""
    freeze = decision.kind == RiskDecision.Kind.FREEZE
    return PlannedChange(
        account=decision.account,
        kind=LimitChange.Kind.RISK_FREEZE if freeze else LimitChange.Kind.RISK_REDUCTION,
        new_limit=decision.proposed_limit,
        new_status=CreditAccount.Status.FROZEN if freeze else decision.account.status,
        reason_codes=decision.reason_codes,
        decided_by=LimitChange.DecidedBy.POLICY,
        decided_by_user=approver,
        policy_version=decision.policy_version,
        source_reference=f"risk-decision:{decision.trigger_key[:16]}",
        effective_at=now,
    )


def _signals_by_account(*, run, account_ids):
    """The run's signals for these accounts (as the decision record keeps them), by account, in
    id order."""
    signals = {}
    for signal_id, account_id, kind, value, observed_at in (
        RiskSignal.objects.filter(
            account_id__in=ids_among(account_ids), pk__gt=run.after_signal_id, pk__lte=run.through_signal_id
        )
        .order_by("pk")
        .values_list("pk", "account_id", "kind", "value", "observed_at")
    ):
        signals.setdefault(account_id, []).append(
            {"id": signal_id, "kind": kind, "value": str(value), "observed_at": observed_at.isoformat()}
        )
    return signals


def _decision_status(outcome):
    if outcome.kind == RiskDecision.Kind.WATCH:
        return RiskDecision.Status.WARNED
    if outcome.needs_approval:
        return RiskDecision.Status.PENDING_APPROVAL
    return RiskDecision.Status.APPLIED


def _decisions_propose(*, policy, accounts, figures, signals, segments):
    """The policy's decision for each account it acts on (not saved yet), keyed by the set of
    signals that triggered it, under the thresholds of the account's segment."""
    decisions = []
    for account in accounts:
        segment = segments.get(account.pk, "")
        effective = policy_for_segment(policy, segment)
        outcome = policy_decide(policy=effective, figures=figures[account.pk])
        if outcome.kind is None:
            continue
        signal_ids = ",".join(str(signal["id"]) for signal in signals[account.pk])
        key = hashlib.sha256(f"{policy.pk}:{signal_ids}".encode()).hexdigest()
        decisions.append(
            RiskDecision(
                account=account,
                policy_version=policy,
                kind=outcome.kind,
                status=_decision_status(outcome),
                previous_limit=account.credit_limit,
                proposed_limit=outcome.target_limit,
                reason_codes=outcome.reason_codes,
                inputs=policy_explain(
                    policy=effective, figures=figures[account.pk], outcome=outcome, signals=signals[account.pk]
                ),
                trigger_key=key,
                segment=segment,
            )
        )
    return decisions


def _decisions_unseen(decisions):
    """The decisions not already made on the same signals (by a chunk decided before)."""
    seen = set(
        RiskDecision.objects.filter(
            account_id__in=ids_among(d.account.pk for d in decisions),
            trigger_key__in=[d.trigger_key for d in decisions],
        ).values_list("account_id", "trigger_key")
    )
    return [d for d in decisions if (d.account.pk, d.trigger_key) not in seen]


def _watch_notice_items(*, decisions, recipients):
    texts = NoticeTexts(ReasonCode.objects.in_bulk({code for decision in decisions for code in decision.reason_codes}))
    items, owners = [], []
    for decision in decisions:
        recipient = recipients.get(decision.account.customer_id)
        if recipient is None:
            continue
        owners.append(decision)
        items.append(
            {
                "recipient": recipient,
                "kind": "risk_watch",
                "template": "risk_watch",
                "context": {
                    "account": {"external_id": decision.account.external_id},
                    "reasons": texts.reasons(decision.reason_codes),
                },
                "link": "/",
            }
        )
    return items, owners


def _warnings_send(decisions):
    if not decisions:
        return
    recipients = notice_recipients(customer_ids={d.account.customer_id for d in decisions})
    items, owners = _watch_notice_items(decisions=decisions, recipients=recipients)
    for decision, notice in zip(owners, notifications_send_many(items=items), strict=True):
        decision.notice = notice


def _decisions_carry_out(*, decisions, now):
    """Warn, wait for approval, or change the limit, as each decision's status says."""
    by_status = {status: [d for d in decisions if d.status == status] for status in RiskDecision.Status.values}
    _warnings_send(by_status[RiskDecision.Status.WARNED])
    pending = by_status[RiskDecision.Status.PENDING_APPROVAL]
    if pending:
        # A newer proposal replaces one still waiting: the approver sees current figures.
        RiskDecision.objects.awaiting_approval().filter(account_id__in=ids_among(d.account.pk for d in pending)).update(
            status=RiskDecision.Status.SUPERSEDED
        )
    applied = by_status[RiskDecision.Status.APPLIED]
    changes = limit_changes_apply_locked(planned=[decision_planned_change(d, now=now) for d in applied])
    for decision, change in zip(applied, changes, strict=True):
        decision.limit_change = change


def _decisions_record(*, policy, decisions):
    rows_insert(RiskDecision, decisions)
    audit_events_record_many(
        events=[
            {
                "actor": None,
                "actor_label": f"policy {policy.label}",
                "action": f"risk_decision.{d.status}",
                "target": d.account,
                "after": {"kind": d.kind, "proposed_limit": str(d.proposed_limit), "reasons": d.reason_codes},
            }
            for d in decisions
        ]
    )


def accounts_evaluate(*, run, account_ids, now):
    """Decide these accounts on their signals in ``run`` under the run's policy, in a fixed
    number of queries; returns the decisions made. The caller holds a transaction.

    A decision is unique per account and set of signals, so deciding the same signals again
    (a redone chunk) changes nothing."""
    policy = run.policy_version
    signals = _signals_by_account(run=run, account_ids=account_ids)
    if not signals:
        return []
    # The run picked these accounts as ones the policy may act on: lock them (in primary-key
    # order, so overlapping chunks cannot deadlock), then read their figures once.
    accounts = list(
        CreditAccount.objects.select_for_update()
        .prefetch_related("product")  # the few products once, not one copy per account
        .filter(pk__in=ids_among(signals))
        .order_by("pk")
    )
    figures = account_figures_many(account_ids=list(signals), policy=policy, now=now)
    segments = account_segments_many(account_ids=list(signals), rules=segment_rules(segment_set_active()), now=now)
    decisions = _decisions_unseen(
        _decisions_propose(policy=policy, accounts=accounts, figures=figures, signals=signals, segments=segments)
    )
    if not decisions:
        return []
    _decisions_carry_out(decisions=decisions, now=now)
    _decisions_record(policy=policy, decisions=decisions)
    return decisions
