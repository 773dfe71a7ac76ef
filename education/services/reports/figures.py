"""Presenting a report: its stored snapshot turned into the figures the page, the email and the
API show (numbers, dates, words in the active language). Nothing comes from today's data."""

from datetime import datetime, timedelta
from decimal import Decimal

from accounts.models import LimitChange
from education.services import report_metrics as metrics
from education.services.report_texts import GRADE_REASONS, GRADE_SUMMARIES, TIPS, article_url
from education.services.reports import grading
from education.services.reports.grading import CAP_REASONS

REASONS = {**GRADE_REASONS, **CAP_REASONS}


def _decimal(value):
    return Decimal(value) if value is not None else None


def _percent(value):
    return int((Decimal(value) * 100).quantize(Decimal(1))) if value is not None else None


def _date(text):
    return datetime.fromisoformat(text).date()


def _dues(items):
    return [{"due_date": _date(item["due_date"]), "amount": Decimal(item["amount"])} for item in items]


def _score_figures(data):
    return {
        "score": data["score"],
        "score_change": data["score_change"],
        "score_points": [tuple(point) for point in data["score_points"]],
        # For email clients without SVG: the score as a bar across 300–950 (strings: rendered as is).
        "score_rows": [
            {"month": label, "score": str(value), "bar": str(max(round((value - 300) * 100 / 650), 1))}
            for label, value in data["score_points"]
        ],
    }


def _money_figures(data):
    utilisation = _decimal(data["utilisation"])
    return {
        "credit_limit": Decimal(data["credit_limit"]),
        "balance": Decimal(data["balance"]),
        "utilisation": utilisation,
        "utilisation_percent": _percent(utilisation),
        "utilisation_bar": min(_percent(utilisation), 100) if utilisation is not None else 0,
    }


def _repayment_figures(data):
    on_time_rate = _decimal(data["on_time_rate"])
    return {
        "on_time_rate": on_time_rate,
        "on_time_percent": _percent(on_time_rate),
        "due_count": data["due_count"],
        "on_time_count": data["on_time_count"],
        "punctuality": [
            {"month": label, "due": due, "on_time": on_time, "percent": round(100 * on_time / due) if due else None}
            for label, due, on_time in data["punctuality"]
        ],
        "overdue": _dues(data["overdue"]),
        "upcoming": _dues(data["upcoming"]),
        "upcoming_total": Decimal(data["upcoming_total"]),
    }


def _limit_change_figures(changes):
    kinds = dict(LimitChange.Kind.choices)
    return [
        {
            "date": _date(change["date"]),
            "kind": kinds.get(change["kind"], change["kind"]),
            "previous": Decimal(change["previous"]),
            "new": Decimal(change["new"]),
            "new_status": change.get("new_status", ""),
            "adverse": change["adverse"],
        }
        for change in changes
    ]


def health_report_figures(report):
    """The report's snapshot turned into what a page or an email shows (numbers, dates, words in
    the active language). Everything comes from the snapshot, nothing from today's data."""
    data = report.snapshot
    return {
        "month": data["month"],
        "month_date": report.month,
        "month_last": metrics.month_add(report.month, 1) - timedelta(days=1),
        "as_of": _date(data["as_of"]),
        "currency": data["currency"],
        "grade": data["grade"],
        "grade_summary": GRADE_SUMMARIES[data["grade"]],
        "grade_reason": REASONS[data["reason"]],
        "line_state": data.get("line_state", "active"),
        **_score_figures(data),
        **_money_figures(data),
        **_repayment_figures(data),
        "limit_changes": _limit_change_figures(data["limit_changes"]),
        "appeals": data["appeals"],
        "tips": [
            {"slug": slug, "title": TIPS[slug][0], "text": TIPS[slug][1], "url": article_url(slug)}
            for slug in data["tips"]
        ],
    }


def health_report_card(*, report, line_statuses, lender_cut_since_report):
    """The latest report's grade as the dashboard shows it today: never better than the lines
    allow now (a cut, a freeze or a clearance may have come after the report's month), by the
    same rule the report was graded with. None without a report."""
    if report is None:
        return None
    grade, reason = grading.grade_capped(
        grade=report.grade,
        reason=report.snapshot.get("reason", "steady"),
        score_change=report.score_change,
        line_state=grading.line_state_of(line_statuses),
        lender_cut=lender_cut_since_report,
    )
    return {
        "report": report,
        "grade": grade,
        "summary": GRADE_SUMMARIES[grade],
        "lowered": grade != report.grade,
        "reason": REASONS.get(reason, ""),
    }
