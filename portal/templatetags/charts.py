"""Small charts drawn on the server as SVG, each with a text table for screen readers."""

from django import template

register = template.Library()


@register.inclusion_tag("includes/score_trend.html")
def score_trend_chart(points, chart_id="score-trend", width=300, height=80):
    """``points`` is a list of (label, value). Values are scaled into the box with a margin."""
    padding = 8
    values = [value for _label, value in points]
    if not values:
        return {"points": [], "chart_id": chart_id}
    low, high = min(values) - 10, max(values) + 10
    step = (width - 2 * padding) / max(len(values) - 1, 1)
    coordinates = [
        (
            round(padding + index * step, 1),
            round(height - padding - (value - low) / (high - low) * (height - 2 * padding), 1),
        )
        for index, value in enumerate(values)
    ]
    return {
        "chart_id": chart_id,
        "points": points,
        "width": width,
        "height": height,
        "polyline": " ".join(f"{x},{y}" for x, y in coordinates),
        "last": coordinates[-1],
        "first_value": values[0],
        "last_value": values[-1],
    }
