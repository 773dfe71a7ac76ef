"""Staff forms for emergency switches and service notices. They parse input; the rules are in
``portal.switches``, whose refusals come back as form errors."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.exceptions import PortalError
from portal.models import Notification
from portal.switch_models import EmergencySwitch
from portal.switches import NOTICE_TEXT_MAX_LENGTH, service_notice_check


def email_kind_choices():
    """The kinds the outbox holds (the notifications admin's kind filter reads the same)."""
    kinds = Notification.objects.order_by("kind").values_list("kind", flat=True).distinct()
    return [("", "—"), *((kind, kind) for kind in kinds)]


class SwitchTurnOnForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Emergency switch"), choices=EmergencySwitch.Kind.choices, widget=forms.RadioSelect
    )
    email_kind = forms.ChoiceField(
        label=_("Email kind to pause"),
        required=False,
        help_text=_("Only for “Pause an email kind”: emails of this kind wait in the outbox until resumed."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why now, and what must be true before it is turned off. Staff and auditors read it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email_kind"].choices = email_kind_choices()


class SwitchOffRequestForm(forms.Form):
    off_reason = forms.CharField(
        label=_("Why it can be turned off"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class ServiceNoticeForm(forms.Form):
    text_zh = forms.CharField(
        label=_("Text in Chinese"), max_length=NOTICE_TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )
    text_en = forms.CharField(
        label=_("Text in English"), max_length=NOTICE_TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )
    starts_at = forms.DateTimeField(
        label=_("Shown from"),
        widget=DateTimeLocalInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )
    ends_at = forms.DateTimeField(
        label=_("Shown until"),
        widget=DateTimeLocalInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            service_notice_check(
                text_zh=cleaned["text_zh"],
                text_en=cleaned["text_en"],
                starts_at=cleaned["starts_at"],
                ends_at=cleaned["ends_at"],
            )
        except PortalError as error:
            error.add_to_form(self)
        return cleaned
