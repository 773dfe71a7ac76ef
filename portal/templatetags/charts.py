"""Small charts drawn on the server as SVG, each with a text table for screen readers."""

import datetime

from django import template
from django.utils.formats import date_format
from django.utils.translation import pgettext_lazy

register = template.Library()

# What a credit score means, lowest band first: (lowest score of the band, css name, label).
# The same cut-offs as the health report's score points (education.services.report_metrics:
# 750+ scores 4, 700 3, 650 2, 600 1, below 0; below 650 is "low_score"), so the chart and the
# grade never disagree; tests/portal/test_look_chart.py pins that. Scores run from 300 to 950.
SCORE_BANDS = (
    (300, "poor", pgettext_lazy("score band", "Poor")),
    (600, "low", pgettext_lazy("score band", "Low")),
    (650, "fair", pgettext_lazy("score band", "Fair")),
    (700, "good", pgettext_lazy("score band", "Good")),
    (750, "very-good", pgettext_lazy("score band", "Very good")),
)
SCORE_MIN, SCORE_MAX = 300, 950


def score_band(score):
    """The band ``score`` falls in: ``(lowest, css name, label)``."""
    return [band for band in SCORE_BANDS if score >= band[0]][-1] if score >= SCORE_MIN else SCORE_BANDS[0]


def _month_label(label):
    """ "2026-11" as the reader's month style (2026年11月, Nov 2026); anything else unchanged."""
    try:
        return date_format(datetime.date.fromisoformat(f"{label}-01"), "YEAR_MONTH_FORMAT")
    except (TypeError, ValueError):
        return label


def _scale(values):
    """The score range the chart shows: the data plus 600–800, widened to whole 50s."""
    low = max(SCORE_MIN, min([*values, 600]) // 50 * 50)
    high = min(SCORE_MAX, -(-max([*values, 800]) // 50) * 50)
    return low, high


@register.inclusion_tag("includes/score_trend.html")
def score_trend_chart(points, chart_id="score-trend", width=320, height=170):
    """``points`` is a list of (label "YYYY-MM", value). Draws the score bands behind the line,
    a value axis every 50 points and the first and last month under it."""
    values = [value for _label, value in points]
    if not values:
        return {"points": [], "chart_id": chart_id}
    left, right, top, bottom = 34, 8, 8, 22
    low, high = _scale(values)
    plot_w, plot_h = width - left - right, height - top - bottom

    def y_of(value):
        return round(top + (high - value) / (high - low) * plot_h, 1)

    step = plot_w / max(len(values) - 1, 1)
    coordinates = [(round(left + index * step, 1), y_of(value)) for index, value in enumerate(values)]
    bands = []
    for index, (floor, css, _label) in enumerate(SCORE_BANDS):
        ceiling = SCORE_BANDS[index + 1][0] if index + 1 < len(SCORE_BANDS) else SCORE_MAX
        if ceiling > low and floor < high:
            band_top, band_bottom = y_of(min(ceiling, high)), y_of(max(floor, low))
            bands.append({"css": css, "y": band_top, "height": round(band_bottom - band_top, 1)})
    legend = [
        {
            "css": css,
            "label": label,
            "floor": floor,
            "ceiling": (SCORE_BANDS[i + 1][0] - 1) if i + 1 < len(SCORE_BANDS) else None,
        }
        for i, (floor, css, label) in reversed(list(enumerate(SCORE_BANDS)))
    ]
    months = [_month_label(label) for label, _value in points]
    return {
        "chart_id": chart_id,
        "points": [(month, value, score_band(value)[2]) for month, value in zip(months, values, strict=True)],
        "width": width,
        "height": height,
        "plot_left": left,
        "plot_right": width - right,
        "plot_width": plot_w,
        "plot_bottom": height - bottom,
        "month_y": height - 6,
        "ticks": [{"value": v, "y": y_of(v)} for v in range(low, high + 1, 50)],
        "bands": bands,
        "legend": legend,
        "polyline": " ".join(f"{x},{y}" for x, y in coordinates),
        "coordinates": coordinates,
        "last": coordinates[-1],
        "first_month": months[0],
        "last_month": months[-1],
        "first_value": values[0],
        "last_value": values[-1],
        "last_band": score_band(values[-1])[2],
    }
