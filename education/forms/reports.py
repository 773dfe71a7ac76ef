"""Input for the communication preferences page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.time_zones import time_zone_choices


class CommunicationPreferenceForm(forms.Form):
    report_emails = forms.BooleanField(
        label=_("Email me my monthly financial health report"),
        required=False,
        help_text=_("The report is always on this site, whatever you choose here."),
    )
    reminder_emails = forms.BooleanField(
        label=_("Email me reminders (repayment due, appeal waiting for my answer)"),
        required=False,
        help_text=_("Reminders always appear in your notices; this only controls the email."),
    )
    time_zone = forms.ChoiceField(
        label=_("My time zone"),
        choices=time_zone_choices,
        help_text=_("We do not send reminders between 22:00 and 08:00 in this time zone."),
    )
