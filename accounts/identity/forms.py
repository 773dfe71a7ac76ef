from allauth.account.forms import ReauthenticateForm
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.identity import national_id


class IdentityBindingForm(forms.Form):
    legal_name = forms.CharField(
        label=_("Full legal name"),
        max_length=100,
        help_text=_("Exactly as on your resident ID card."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": _("Enter your full legal name.")},
    )
    national_id_number = forms.CharField(
        label=_("Resident ID number"),
        max_length=30,
        help_text=_("18 characters; the last one may be the letter X."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text", "spellcheck": "false"}),
        error_messages={"required": _("Enter your 18-character resident ID number.")},
    )

    def clean_legal_name(self):
        name = " ".join(self.cleaned_data["legal_name"].split())
        if not name:
            raise forms.ValidationError(_("Enter your full legal name."))
        return name

    def clean_national_id_number(self):
        return national_id.validate(self.cleaned_data["national_id_number"])


class PreferencesForm(forms.Form):
    preferred_language = forms.ChoiceField(
        label=_("Language for pages and emails"),
        choices=settings.LANGUAGES,
        widget=forms.RadioSelect,
    )


class SignOutEverywhereForm(ReauthenticateForm):
    """allauth's password confirmation (rate limited as a failed login is)."""
