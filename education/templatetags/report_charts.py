"""Server-drawn SVG charts for the health report, each with a text table beside it.

The score trend reuses the portal's ``score_trend_chart``; these add utilisation and punctuality."""

from django import template

register = template.Library()


@register.inclusion_tag("education/reports/_utilisation_chart.html")
def utilisation_chart(percent, balance, limit, currency, chart_id="utilisation", width=300, height=36):
    """One horizontal bar: the share of the limit in use (capped at the box), a 30 % guide line."""
    shown = min(max(percent or 0, 0), 100)
    return {
        "chart_id": chart_id,
        "percent": percent,
        "balance": balance,
        "limit": limit,
        "currency": currency,
        "width": width,
        "height": height,
        "bar_width": round(width * shown / 100, 1),
        "guide_x": round(width * 0.3, 1),
    }


@register.inclusion_tag("education/reports/_punctuality_chart.html")
def punctuality_chart(rows, chart_id="punctuality", width=300, height=90):
    """A bar per month: the share of repayments due that month made on time (none due: no bar)."""
    padding = 4
    slot = (width - 2 * padding) / max(len(rows), 1)
    bars = []
    for index, row in enumerate(rows):
        percent = row["percent"]
        bar_height = round((height - 2 * padding) * (percent or 0) / 100, 1)
        bars.append(
            {
                **row,
                "x": round(padding + index * slot + slot * 0.15, 1),
                "y": round(height - padding - bar_height, 1),
                "width": round(slot * 0.7, 1),
                "height": bar_height,
                "late": row["due"] and row["on_time"] < row["due"],
            }
        )
    return {
        "chart_id": chart_id,
        "rows": bars,
        "width": width,
        "height": height,
        "any_due": any(r["due"] for r in rows),
    }
