"""Why a score is high, in plain words: the two or three features that stand out against the
account's own history and its peers: the accounts of its customer segment the model was trained
on, or, when the model has no figures for that segment (no segment set was active at training,
another set is active now, or the segment had fewer than MIN_PEERS accounts), those of its
product, and failing that the whole training population.

An explanation is stored as data, ``[{"feature", "value", "usual", "peer", "peers"}]`` where
``peers`` names the group compared with (``{"kind": "segment", "segment_set", "segment"}``,
``{"kind": "product", "product"}`` or ``{"kind": "all"}``), and rendered in the reader's
language, so an analyst reading in English and one reading in Chinese see the same facts. The
rendered text says "similar customers", never a segment's key or label: segments are an
internal way of grouping borrowers and are not shown in words anywhere."""

from decimal import Decimal

import numpy as np
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.risk.anomaly.features import FEATURES, usual_weekly
from portal.formatting import money

# At most this many lines per review, most unusual first.
MAX_ITEMS = 3
# A feature stands out when it is this many spreads above its peers' median.
STANDOUT = 1.5
# A segment or product with fewer training accounts than this says little about its members:
# its accounts are compared with the next wider group instead.
MIN_PEERS = 30

# The fact each model feature is told through; two features may tell the same fact (the count
# of draws and its ratio to the usual week both read as "N draws in 7 days; usually M").
TOLD_AS = {
    "draw_count_ratio_7d": "draws_7d",
    "draw_amount_ratio_7d": "draw_amount_7d",
    "draw_count_ratio_30d": "draws_30d",
    "draw_amount_ratio_30d": "draw_amount_30d",
    "repaid_ratio_30d": "repaid_amount_30d",
    "utilisation": "utilisation",
    "utilisation_jump_30d": "utilisation",
    "repayment_delay": "repayment_delay",
    "repayment_delay_drift": "repayment_delay",
    "linked_overdue_days": "linked_overdue_days",
}
# Facts whose peers' median is in the fact's own unit (the others are ratios to the account's
# own usual, which the sentence already gives).
PEER_FACTS = {
    "utilisation": "utilisation",
    "repayment_delay": "repayment_delay",
    "linked_overdue_days": "linked_overdue_days",
}


def _describe(rows):
    median = np.median(rows, axis=0)
    spread = np.percentile(rows, 75, axis=0) - np.percentile(rows, 25, axis=0)
    spread = np.maximum(spread, np.maximum(np.abs(median) * 0.1, 0.05))
    return {"median": median.round(6).tolist(), "spread": spread.round(6).tolist(), "count": len(rows)}


def _groups(matrix, keys):
    keys = np.asarray(keys)
    result = {}
    for key in sorted(set(keys.tolist())):
        rows = matrix[keys == key]
        if key and len(rows) >= MIN_PEERS:
            result[key] = _describe(rows)
    return result


def peer_statistics(matrix, products, *, segments=None, segment_set_id=None):
    """Per feature, the median and a robust spread (interquartile range, at least a small
    floor) over all rows, per product code and, when ``segments`` (each row's segment key under
    the set ``segment_set_id``) is given, per segment: stored with the model version. Groups with
    fewer than MIN_PEERS rows are left out; their accounts are compared with a wider group."""
    result = {"all": _describe(matrix), "products": _groups(matrix, products)}
    if segments is not None and segment_set_id is not None:
        result["segments"] = {"set": segment_set_id, "groups": _groups(matrix, segments)}
    return result


def segment_set_trained(statistics):
    """The id of the segment set whose segments have figures in ``statistics`` (None: none)."""
    return (statistics.get("segments") or {}).get("set")


def peer_group(statistics, *, product, segment=None, segment_set_id=None):
    """The peers an account is compared with: (the group's name as data, its figures). Its
    segment's when the model has figures for that segment under the set in force, else its
    product's, else the whole training population's. Statistics stored before segments existed
    have no segment section and always take the product path."""
    section = statistics.get("segments") or {}
    if segment and segment_set_id is not None and section.get("set") == segment_set_id:
        figures = section.get("groups", {}).get(segment)
        if figures:
            return {"kind": "segment", "segment_set": segment_set_id, "segment": segment}, figures
    figures = statistics.get("products", {}).get(product)
    if figures:
        return {"kind": "product", "product": product}, figures
    return {"kind": "all"}, statistics["all"]


def _facts(arrays, at, peer_medians):
    """What each fact is for the account at row ``at``: (value, usual from its own history)."""
    usual_draws, usual_amount = usual_weekly(arrays)
    month = 30 / 7
    limit = arrays["credit_limit"][at]
    balance = arrays["balance"][at]
    before = max(balance - arrays["net_30d"][at], 0.0)
    recent, earlier = arrays["delay_recent"][at], arrays["delay_earlier"][at]
    delay = earlier if np.isnan(recent) else recent
    return {
        "draws_7d": (arrays["draws_7d"][at], usual_draws[at]),
        "draw_amount_7d": (arrays["draw_amount_7d"][at], usual_amount[at]),
        "draws_30d": (arrays["draws_30d"][at], usual_draws[at] * month),
        "draw_amount_30d": (arrays["draw_amount_30d"][at], usual_amount[at] * month),
        "repaid_amount_30d": (arrays["repaid_amount_30d"][at], usual_amount[at] * month),
        "utilisation": (balance / limit, before / limit),
        "repayment_delay": (delay, earlier if not np.isnan(earlier) else peer_medians["repayment_delay"]),
        "linked_overdue_days": (arrays["linked_overdue_days"][at], 0.0),
    }


def explanation_build(*, matrix_row, arrays, at, product, statistics, segment=None, segment_set_id=None):
    """The facts that stand out for one scored account, most unusual first (at most MAX_ITEMS):
    features above their peers' median (see peer_group) by STANDOUT spreads or more, told once
    each. When none does by that much, the single most unusual one is given, so no review is
    without a reason. Each item names the peer group it was compared with."""
    group, peers = peer_group(statistics, product=product, segment=segment, segment_set_id=segment_set_id)
    median, spread = np.asarray(peers["median"]), np.asarray(peers["spread"])
    distance = (np.asarray(matrix_row) - median) / spread
    peer_medians = dict(zip(FEATURES, median.tolist(), strict=True))
    facts = _facts(arrays, at, peer_medians)
    order = np.argsort(-distance)
    items, told = [], set()
    for position in order:
        fact = TOLD_AS[FEATURES[position]]
        if fact in told:
            continue
        if items and distance[position] < STANDOUT:
            break
        value, usual = facts[fact]
        items.append(
            {
                "feature": fact,
                "value": round(float(value), 2),
                "usual": None if np.isnan(usual) else round(float(usual), 2),
                "peer": round(peer_medians[PEER_FACTS[fact]], 2) if fact in PEER_FACTS else None,
                "peers": group,
            }
        )
        told.add(fact)
        if len(items) == MAX_ITEMS:
            break
    return items


def _count(value):
    return f"{value:.0f}" if value is not None else "—"


def _days(value):
    return f"{value:.1f}".rstrip("0").rstrip(".") if value is not None else "—"


def _percent(value):
    return f"{value * 100:.0f}%" if value is not None else "—"


def _amount(value, currency):
    return money(Decimal(str(value)).quantize(Decimal("0.01")), currency) if value is not None else "—"


# How the peers' median of a fact is written, for the facts that carry one (PEER_FACTS).
_PEER_FORMAT = {"utilisation": _percent, "repayment_delay": _days, "linked_overdue_days": _count}


def explanation_line(item, *, currency="CNY"):
    """One fact as a sentence, in the active language, with the peers' usual figure when the
    fact has one ("usually N for similar customers"). A linked account's overdue is told only
    when it is usual among the peers: "usually 0" would repeat "usually none"."""
    line = _fact_line(item, currency=currency)
    peer, fact = item.get("peer"), item["feature"]
    if peer is None or fact not in _PEER_FORMAT or (fact == "linked_overdue_days" and not peer):
        return line
    figures = {"fact": line, "peer": _PEER_FORMAT[fact](peer)}
    if fact == "utilisation":
        return _("%(fact)s; usually %(peer)s for similar customers") % figures
    return _("%(fact)s; usually %(peer)s days for similar customers") % figures


def _fact_line(item, *, currency):
    value, usual = item["value"], item["usual"]
    fact = item["feature"]
    if fact == "draws_7d":
        return _("%(value)s draws in 7 days; usually %(usual)s") % {"value": _count(value), "usual": _count(usual)}
    if fact == "draws_30d":
        return _("%(value)s draws in 30 days; usually %(usual)s") % {"value": _count(value), "usual": _count(usual)}
    if fact == "draw_amount_7d":
        return _("%(value)s drawn in 7 days; usually %(usual)s") % {
            "value": _amount(value, currency),
            "usual": _amount(usual, currency),
        }
    if fact == "draw_amount_30d":
        return _("%(value)s drawn in 30 days; usually %(usual)s") % {
            "value": _amount(value, currency),
            "usual": _amount(usual, currency),
        }
    if fact == "repaid_amount_30d":
        return _("%(value)s repaid in 30 days; usually %(usual)s") % {
            "value": _amount(value, currency),
            "usual": _amount(usual, currency),
        }
    if fact == "utilisation":
        return _("%(value)s of the limit in use; %(usual)s 30 days ago") % {
            "value": _percent(value),
            "usual": _percent(usual),
        }
    if fact == "repayment_delay":
        return _("Repaid %(value)s days after the due date on average; usually %(usual)s") % {
            "value": _days(value),
            "usual": _days(usual),
        }
    if fact == "linked_overdue_days":
        return _("A linked account is %(value)s days overdue; usually none") % {"value": _count(value)}
    return fact


def explanation_text(items, *, currency="CNY", language=None):
    """The explanation in ``language`` (default: the active one), one fact after another."""
    with translation.override(language or translation.get_language()):
        return " · ".join(explanation_line(item, currency=currency) for item in items)


def explanation_reason(items, *, currency="CNY"):
    """The one-line reason a list shows: the most unusual fact."""
    return explanation_line(items[0], currency=currency) if items else "—"
