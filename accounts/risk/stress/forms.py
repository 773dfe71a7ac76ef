"""The shock an analyst asks a stress test for."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.risk.stress.services import OVERDUE_DAYS_MAX, SCORE_SHOCK_MAX


class StressTestForm(forms.Form):
    score_shock_points = forms.IntegerField(
        label=_("Scores down by (points)"), min_value=0, max_value=SCORE_SHOCK_MAX, initial=40
    )
    overdue_share_percent = forms.DecimalField(
        label=_("Share of accounts given a linked overdue (%)"),
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        initial=0,
    )
    overdue_days = forms.IntegerField(
        label=_("Days overdue given to that share"), min_value=1, max_value=OVERDUE_DAYS_MAX, initial=30
    )
    macro_tightening = forms.BooleanField(label=_("Macro-economic tightening on"), required=False)
