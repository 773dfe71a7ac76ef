"""Forms of the closure-request wizard. The rules themselves live in accounts.closure.services;
the forms call them so that the web and the API refuse the same input with the same words."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.closure.services import target_limit_validate
from accounts.models import ClosureRequest
from portal.exceptions import PortalError


class ChoiceForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What would you like to do?"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose what you would like to do."),
            "invalid_choice": _("Choose one of the options."),
        },
    )
    target_limit = forms.CharField(
        label=_("New limit (only when lowering)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )

    def __init__(self, *args, account, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account
        self.fields["kind"].choices = [(kind, ClosureRequest.Kind(kind).label) for kind in kinds]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == ClosureRequest.Kind.LOWER:
            if not (cleaned.get("target_limit") or "").strip():
                self.add_error("target_limit", _("Enter the new limit you would like."))
            else:
                try:
                    cleaned["target_limit"] = target_limit_validate(
                        account=self.account, target_limit=cleaned["target_limit"]
                    )
                except PortalError as error:
                    self.add_error("target_limit", error.message)
        else:
            cleaned["target_limit"] = None
        return cleaned


class ImpactForm(forms.Form):
    understood = forms.BooleanField(
        label=_("I have read what changes and what does not."),
        error_messages={"required": _("Tick the box to confirm you have read what changes.")},
    )


class ReasonForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why are you making this request?"),
        choices=ClosureRequest.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the reason that fits best.")},
    )
    reason_text = forms.CharField(
        label=_("Anything you would like to add (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
        error_messages={"max_length": _("Keep it under 500 characters.")},
    )


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=_("6-digit code"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9 ]*", "spellcheck": "false"}
        ),
        error_messages={"required": _("Enter the 6-digit code.")},
    )
