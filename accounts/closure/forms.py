"""Forms of the closure-request wizard. The rules themselves live in accounts.closure.services;
the forms call them so that the web and the API refuse the same input with the same words."""

from allauth.account.adapter import get_adapter
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


class ImpactReasonForm(forms.Form):
    """The second screen: what changes has been read, and why (steps 2 and 3 of the services)."""

    understood = forms.BooleanField(
        label=_("I have read what changes and what does not."),
        error_messages={"required": _("Tick the box to confirm you have read what changes.")},
    )
    reason = forms.ChoiceField(
        label=_("Why are you making this request?"),
        choices=ClosureRequest.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the reason that fits best."),
            "invalid_choice": _("Choose the reason that fits best."),
        },
    )
    reason_text = forms.CharField(
        label=_("Anything you would like to add (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
        error_messages={"max_length": _("Keep it under 500 characters.")},
    )


class VerifyForm(forms.Form):
    """The step-up on one screen: the password again (checked by allauth, which also counts
    failed tries) and the one-time code (checked by the services). ``needs_password`` is False
    when the borrower confirmed it in this session a moment ago and only the code was wrong."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your password.")},
    )
    code = forms.CharField(
        label=_("6-digit code"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9 ]*", "spellcheck": "false"}
        ),
        error_messages={"required": _("Enter the 6-digit code."), "max_length": _("Enter the 6-digit code.")},
    )

    def __init__(self, *args, user, needs_password, code_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not needs_password:
            del self.fields["password"]
        if code_label:
            self.fields["code"].label = code_label

    def clean_password(self):
        password = self.cleaned_data["password"]
        # allauth's own check, with its rate limit on failed tries.
        if not get_adapter().reauthenticate(self.user, password):
            raise forms.ValidationError(_("That password is not right. Please try again."), code="incorrect_password")
        return password
