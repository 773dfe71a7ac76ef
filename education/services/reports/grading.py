"""The one rule for how good a grade may be: the figures' grade (``report_metrics.health_grade``)
capped by what the score trend and the ledger allow. The report, its email and the dashboard
all grade through here, so no page praises a line the ledger says is in trouble.

Caps, worst first (a grade is never better than any cap that applies):

* a **cleared** line is graded E (its limit is zero and new borrowing has stopped);
* a **frozen** line is graded D at best;
* a limit **cut by the lender** in the month (a risk review, not the borrower's own request)
  caps the grade at C;
* a **score fall** of 60 points or more caps it at D, of 30 or more at C, of 15 or more at B.

A borrower lowering, pausing or closing their own line is never graded down for it."""

from django.utils.translation import gettext_lazy as _

from accounts.models.credit import APPEALABLE_KINDS

GRADES = "ABCDE"
# (a fall of at least this many points, the best grade it allows), largest fall first.
SCORE_FALL_CAPS = ((60, "D"), (30, "C"), (15, "B"))
LINE_STATE_CAPS = {"cleared": "E", "frozen": "D"}
LENDER_CUT_CAP = "C"
LENDER_KINDS = frozenset(str(kind) for kind in APPEALABLE_KINDS)

# Why a cap set the grade, in words (reports store the code; figures translate it when shown).
CAP_REASONS = {
    "line_cleared": _(
        "Your line has been cleared: its limit is zero and new borrowing has stopped. You can still sign in, "
        "repay and appeal the decision."
    ),
    "line_frozen": _(
        "Your line is frozen after a risk review, so new borrowing is paused. Your limit history gives the "
        "reasons and what would lift the freeze."
    ),
    "limit_cut": _(
        "We lowered your limit this month after a risk review. Your limit history gives the reasons and what "
        "would restore it."
    ),
    "score_falling": _(
        "Your credit score fell noticeably over the past year. The tips below explain what moves a score."
    ),
}
STATE_REASONS = {"cleared": "line_cleared", "frozen": "line_frozen"}


def worse(first, second):
    """The worse of two grades."""
    return max(first, second, key=GRADES.index)


def is_lender_cut(*, kind, previous_limit, new_limit, previous_status="active", new_status="active"):
    """A ledger row the borrower did not ask for that lowered, froze or cleared the line."""
    worsened = new_limit < previous_limit or (new_status in LINE_STATE_CAPS and new_status != previous_status)
    return str(kind) in LENDER_KINDS and bool(worsened)


def grade_caps(*, score_change, line_state, lender_cut):
    """Every cap that applies, as ``[(grade, reason code)]``, worst first."""
    caps = []
    if line_state in LINE_STATE_CAPS:
        caps.append((LINE_STATE_CAPS[line_state], STATE_REASONS[line_state]))
    if lender_cut:
        caps.append((LENDER_CUT_CAP, "limit_cut"))
    if score_change is not None:
        fall = -score_change
        cap = next((grade for points, grade in SCORE_FALL_CAPS if fall >= points), None)
        if cap:
            caps.append((cap, "score_falling"))
    return sorted(caps, key=lambda cap: -GRADES.index(cap[0]))


def grade_capped(*, grade, reason, score_change, line_state, lender_cut):
    """``(grade, reason)`` after the caps: the worse of the figures' grade and every cap. The
    reason is the line's state when it is cleared or frozen, else the cap's when a cap lowered the
    grade, else the figures' own reason."""
    caps = grade_caps(score_change=score_change, line_state=line_state, lender_cut=lender_cut)
    if not caps:
        return grade, reason
    worst, cap_reason = caps[0]
    capped = worse(grade, worst)
    if line_state in STATE_REASONS:
        return capped, STATE_REASONS[line_state]
    if capped != grade:
        return capped, cap_reason
    return grade, reason


def line_state_of(statuses):
    """The state that grades a borrower's lines together: cleared before frozen before the rest."""
    statuses = set(statuses)
    return next((state for state in ("cleared", "frozen") if state in statuses), "active")


def tips_for_line(tips, *, line_state, lender_cut, reason_articles=(), count=3):
    """The tips with the line's own first: the articles behind the ledger's reasons, then how to
    appeal, for a cleared, frozen or cut line. Others follow, no repeats."""
    first = []
    if line_state in LINE_STATE_CAPS or lender_cut:
        first = [*reason_articles, "how-to-appeal-a-decision"]
    chosen = []
    for slug in [*first, *tips]:
        if slug and slug not in chosen:
            chosen.append(slug)
    return chosen[:count]
