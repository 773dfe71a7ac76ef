"""The score chart shows its scale and what the bands mean, with the report's own cut-offs."""

import re

import pytest
from django.template import Context, Template
from django.utils import translation

from education.services.report_metrics import _score_points, grade_reason
from portal.templatetags.charts import SCORE_BANDS, score_band

POINTS = [("2025-12", 712), ("2026-03", 701), ("2026-06", 668), ("2026-11", 648)]


def render(points, language):
    template = Template("{% load charts %}{% score_trend_chart points chart_id='t' %}")
    with translation.override(language):
        return template.render(Context({"points": points}))


def test_the_bands_are_the_health_reports_score_points():
    # Band 0 (poor) … 4 (very good) is exactly the points the report's grade gives a score.
    mismatched = [score for score in range(300, 951) if SCORE_BANDS.index(score_band(score)) != _score_points(score)]
    assert mismatched == []


def test_below_the_fair_band_is_what_the_report_calls_a_low_score():
    for score in (599, 649, 650):
        low = grade_reason(score=score, score_change=0, utilisation=None, on_time_rate=None, overdue_count=0)
        assert (low == "low_score") == (score_band(score)[0] < 650)


def test_the_chart_has_a_value_axis_bands_and_months():
    svg = render(POINTS, "en")
    ticks = [
        int(value)
        for value in re.findall(r'class="axis-label"[^>]*text-anchor="end" dominant-baseline="middle">(\d+)<', svg)
    ]
    assert ticks == [600, 650, 700, 750, 800]
    for css in ("low", "fair", "good", "very-good"):
        assert f'class="score-band-{css}"' in svg
    assert ">Dec 2025<" in svg and ">Nov 2026<" in svg


@pytest.mark.parametrize(
    ("language", "latest", "legend", "row"),
    [
        (
            "en",
            "Latest score: 648 (Low)",
            ["Very good: 750 and above", "Good: 700–749", "Fair: 650–699", "Low: 600–649", "Poor: 300–599"],
            "<td>Nov 2026</td><td>648</td><td>Low</td>",
        ),
        (
            "zh-hans",
            "最新评分：648（偏低）",
            ["很好：750 及以上", "良好：700–749", "一般：650–699", "偏低：600–649", "较差：300–599"],
            "<td>2026年11月</td><td>648</td><td>偏低</td>",
        ),
    ],
)
def test_the_chart_says_what_the_bands_mean_in_words_and_as_a_table(language, latest, legend, row):
    html = render(POINTS, language)
    assert latest in html
    for item in legend:
        assert item in html
    assert row in html  # the text alternative: every month, its score and band
    assert 'role="img"' in html and "<desc" in html


def test_a_score_outside_the_default_scale_widens_it():
    svg = render([("2026-10", 540), ("2026-11", 830)], "en")
    ticks = [int(v) for v in re.findall(r'dominant-baseline="middle">(\d+)<', svg)]
    assert ticks[0] == 500 and ticks[-1] == 850
    assert 'class="score-band-poor"' in svg
