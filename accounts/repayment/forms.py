"""Input for the repayment pages. The rules (ranges, once a year, validity) live in the services;
these forms only read what was typed."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.repayment import schedule
from accounts.repayment.services import HARDSHIP_MAX_MONTHS


class EarlyRepaymentForm(forms.Form):
    how_much = forms.ChoiceField(
        label=_("How much do you want to repay?"),
        choices=[("full", _("Everything I owe")), ("partial", _("Part of it"))],
        widget=forms.RadioSelect,
        initial="full",
    )
    amount = forms.DecimalField(
        label=_("Amount (for part of it)"), required=False, max_digits=12, decimal_places=2, min_value=0
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("how_much") == "partial" and cleaned.get("amount") is None and "amount" not in self.errors:
            self.add_error("amount", _("Enter the amount you want to repay."))
        return cleaned


class DueDayForm(forms.Form):
    due_day = forms.CharField(
        label=_("New due day (1–28)"), max_length=4, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )


class AutopayForm(forms.Form):
    enabled = forms.TypedChoiceField(
        choices=[("1", _("on")), ("0", _("off"))], coerce=lambda value: value == "1", widget=forms.HiddenInput
    )


class HardshipForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("What would help"),
        choices=[
            (schedule.LOWER_PAYMENTS, _("Lower payments for a while (the plan ends when your schedule does)")),
            (schedule.LONGER_TERM, _("A longer term (the plan ends later)")),
        ],
        widget=forms.RadioSelect,
    )
    months = forms.TypedChoiceField(
        label=_("For how many months"),
        choices=[(str(n), str(n)) for n in range(1, HARDSHIP_MAX_MONTHS + 1)],
        coerce=int,
        initial="3",
    )
    reason = forms.CharField(
        label=_("Why repaying is hard right now"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    evidence = forms.FileField(
        label=_("Evidence (optional)"),
        required=False,
        help_text=_("A PDF, JPEG or PNG file, for example a letter from your employer or a hospital."),
    )
