"""Advice matched to the ledger: the article to read next because of what the lender did to a
line, and why, in words that name the real reason and the line's state. Only the newest row of
each line counts (a restored line needs no advice about the cut), and only a change the lender
made: a borrower lowering or closing their own line is never told it happened "to" them."""

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _

from accounts.credit.reasons import reason_catalogue
from accounts.models import CreditAccount, LimitChange
from accounts.models.credit import APPEALABLE_KINDS

APPEAL_ARTICLE = "how-to-appeal-a-decision"
# Worst first: a cleared line's advice comes before a frozen one's, before a cut's.
SEVERITY = {"cleared": 0, "frozen": 1}


def _why(change, reason):
    """Why this article, naming the reason and what happened to the line."""
    if change.new_status == "cleared":
        return _("It explains the reason we gave for clearing your account: %(reason)s.") % {"reason": reason}
    if change.new_status == "frozen":
        return _("It explains the reason we gave for freezing your line: %(reason)s.") % {"reason": reason}
    return _("It explains the reason we gave for lowering your limit: %(reason)s.") % {"reason": reason}


def _appeal_why(change):
    if change.new_status == "cleared":
        return _("Your account has been cleared. This explains how to appeal the decision.")
    return _("Your line is frozen. This explains how to appeal the decision.")


def newest_changes(*, user):
    """The newest ledger row of each of the borrower's lines: one query."""
    newest = LimitChange.objects.filter(account=OuterRef("pk")).order_by("-sequence").values("pk")[:1]
    of_each_line = CreditAccount.objects.for_user(user).annotate(newest=Subquery(newest)).values("newest")
    return list(LimitChange.objects.filter(pk__in=of_each_line))


def reasons_of(changes):
    """The catalogue entries of the rows' reason codes by code, from this process's copy of the
    reason catalogue (no query unless the copy is reloaded). Callers must not change them."""
    codes = {code for change in changes for code in change.reason_codes}
    if not codes:
        return {}
    catalogue = reason_catalogue()
    return {code: catalogue[code] for code in codes if code in catalogue}


def _lender_changes(changes):
    """The rows where the lender lowered, froze or cleared a line, worst first."""
    adverse = [change for change in changes if change.kind in APPEALABLE_KINDS and change.is_adverse]
    return sorted(adverse, key=lambda change: SEVERITY.get(change.new_status, 2))


def ledger_suggestion(*, user, unread, ledger=None):
    """``(article, why)`` from the lender's newest changes, or None. ``unread`` maps slug to
    article. ``ledger`` is ``{"changes": each line's newest row, "reasons": code -> ReasonCode}``
    when the caller has read them (the dashboard); else two queries read them here."""
    changes = ledger["changes"] if ledger is not None else newest_changes(user=user)
    changes = _lender_changes(changes)
    catalogue = ledger["reasons"] if ledger is not None else reasons_of(changes)
    for change in changes:
        for code in change.reason_codes:
            reason = catalogue.get(code)
            if reason is not None and reason.article_slug in unread:
                return unread[reason.article_slug], _why(change, reason.title)
    return _appeal_suggestion(changes, unread)


def _appeal_suggestion(changes, unread):
    """How to appeal, for a cleared or frozen line whose reasons' articles are read already (a cut
    line's other needs, such as a late repayment, come first)."""
    if changes and changes[0].new_status in SEVERITY and APPEAL_ARTICLE in unread:
        return unread[APPEAL_ARTICLE], _appeal_why(changes[0])
    return None
