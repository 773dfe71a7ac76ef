"""The arithmetic of a stress test: a shock applied to an account's figures, and the tally of
what a policy would decide. Pure functions over plain figures; reading and writing live in
services.py."""

import copy
from dataclasses import dataclass
from decimal import Decimal

from accounts.risk.segments.selectors import policy_for_segment
from accounts.risk.services.figures import ZERO, AccountFigures
from accounts.risk.services.policy import policy_decide

SCORE_FLOOR = 300  # the lowest score the core system reports (CreditScore's range)
# Multiplier for the share of accounts given a linked overdue: a fixed hash of the account id,
# so the same accounts are picked in every run and for both versions compared. 2654435761 is
# prime to 10,000, so every 10,000 consecutive ids hit every residue once: the share is exact.
_SPREAD = 2654435761
# Each sends the borrower a notice; a cut after a warning is a second decision, and notice, later.
NOTICE_KINDS = ("watch", "reduction", "freeze", "cut_after_warning")
# Distinct (segment, figures) outcomes kept at most; the memo starts again when full.
DECIDED_CACHE_SIZE = 200_000


@dataclass(frozen=True)
class Shock:
    score_points: int
    overdue_share_percent: Decimal
    overdue_days: int
    macro_tightening: bool

    @property
    def overdue_per_ten_thousand(self):
        return int(self.overdue_share_percent * 100)


def in_overdue_share(account_id, shock):
    return (account_id * _SPREAD) % 10_000 < shock.overdue_per_ten_thousand


def figures_shocked(figures, *, account_id, shock):
    """The figures as the shock leaves them (warnings already given stay as they are)."""
    score_now = figures.score_now
    if score_now is not None:
        score_now = max(SCORE_FLOOR, score_now - shock.score_points)
    overdue_days = figures.overdue_days
    if in_overdue_share(account_id, shock):
        overdue_days = max(overdue_days, Decimal(shock.overdue_days))
    # Built directly, not with dataclasses.replace: this runs once per account of the book.
    return AccountFigures(
        figures.credit_limit,
        figures.status,
        figures.limit_step,
        score_now,
        figures.score_high,
        overdue_days,
        figures.draws_30d,
        figures.days_late,
        figures.recently_warned,
    )


def _warned(figures):
    return AccountFigures(
        figures.credit_limit,
        figures.status,
        figures.limit_step,
        figures.score_now,
        figures.score_high,
        figures.overdue_days,
        figures.draws_30d,
        figures.days_late,
        True,
    )


def _counts():
    return {
        "accounts": 0,
        "watch": 0,
        "reduction": 0,
        "freeze": 0,
        "cut_after_warning": 0,
        "needs_approval": 0,
        "limit_removed": ZERO,
        "limit_frozen": ZERO,
    }


class Tally:
    """What one policy version decides over the shocked book, by segment."""

    def __init__(self, policy, *, shock):
        base = policy
        if shock.macro_tightening and not policy.macro_tightening:
            base = replace_policy(policy, macro_tightening=True)
        self.policy = policy
        self._base = base
        self._variants = {}
        self._decided = {}
        self.decided = 0  # how many times policy_decide ran (the rest were figures seen before)
        self.by_segment = {}

    def _variant(self, segment):
        variant = self._variants.get(segment)
        if variant is None:
            variant = self._variants[segment] = policy_for_segment(self._base, segment)
        return variant

    def _decide(self, segment, shocked):
        """(kind, cut after a warning, needs approval, target limit) for these figures: the kind
        None when the policy does nothing."""
        policy = self._variant(segment)
        outcome = policy_decide(policy=policy, figures=shocked)
        if outcome.kind == "watch" and policy.warn_before_cut and not shocked.recently_warned:
            # The policy warns first: if the shock persists, the next evaluation cuts.
            later = policy_decide(policy=policy, figures=_warned(shocked))
            if later.kind == "reduction":
                return "watch", True, later.needs_approval, later.target_limit
        return outcome.kind, False, outcome.needs_approval, outcome.target_limit

    def add(self, *, segment, figures, shocked):
        counts = self.by_segment.get(segment)
        if counts is None:
            counts = self.by_segment[segment] = _counts()
        counts["accounts"] += 1
        # policy_decide is a pure function of the policy and the figures: accounts with the same
        # figures (common in a book: round limits, whole scores, few signals) are decided once.
        key = (segment, shocked)
        decided = self._decided.get(key)
        if decided is None:
            if len(self._decided) >= DECIDED_CACHE_SIZE:
                self._decided.clear()
            decided = self._decided[key] = self._decide(segment, shocked)
            self.decided += 1
        kind, later_cut, needs_approval, target_limit = decided
        if kind is None:
            return
        counts[kind] += 1
        counts["cut_after_warning"] += later_cut
        counts["needs_approval"] += needs_approval
        counts["limit_removed"] += figures.credit_limit - target_limit
        if kind == "freeze":
            counts["limit_frozen"] += figures.credit_limit

    def as_json(self, *, appeal_rate):
        """Counts by segment and in total, with the notices the decisions send (every decision
        sends one) and the appeals expected at ``appeal_rate`` of cuts and freezes."""
        total = _counts()
        for counts in self.by_segment.values():
            for name, value in counts.items():
                total[name] += value
        return {
            "label": self.policy.label,
            "by_segment": {key: _counts_json(counts, appeal_rate) for key, counts in self.by_segment.items()},
            "total": _counts_json(total, appeal_rate),
        }


def _counts_json(counts, appeal_rate):
    notices = sum(counts[kind] for kind in NOTICE_KINDS)
    appealable = counts["reduction"] + counts["freeze"] + counts["cut_after_warning"]
    appeals = (Decimal(appealable) * appeal_rate).quantize(Decimal("0.1"))
    return {
        **counts,
        "limit_removed": str(counts["limit_removed"]),
        "limit_frozen": str(counts["limit_frozen"]),
        "notices": notices,
        "expected_appeals": str(appeals),
    }


def replace_policy(policy, **changes):
    """An unsaved copy of the policy with ``changes``."""
    changed = copy.copy(policy)
    for name, value in changes.items():
        setattr(changed, name, value)
    return changed
