"""Staff forms for clearance cases. The rules (required evidence, one open case, who may decide)
live in accounts.clearance.services; these forms only parse the input."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import ClearanceCase, CreditAccount


def _evidence_choices():
    return [
        (ClearanceCase.Grounds(grounds).label, [(key, label) for key, label, _mandatory in items])
        for grounds, items in ClearanceCase.EVIDENCE_CHECKLIST.items()
    ]


class ClearanceProposeForm(forms.Form):
    account = forms.CharField(
        label=_("Credit line (external id)"),
        max_length=64,
        error_messages={"required": _("Enter the external id of the credit line to clear.")},
    )
    grounds = forms.ChoiceField(
        label=_("Grounds for clearance"),
        choices=ClearanceCase.Grounds.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the grounds for clearance."),
            "invalid_choice": _("Choose one of the grounds."),
        },
    )
    evidence = forms.MultipleChoiceField(
        label=_("Evidence checklist (tick what is confirmed; items of the chosen grounds only)"),
        choices=_evidence_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    evidence_reference = forms.CharField(label=_("Evidence references"), max_length=200, required=False)
    statement = forms.CharField(
        label=_("Proposer's statement"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        error_messages={"required": _("Describe what happened and why clearance is needed.")},
    )

    def clean_account(self):
        external_id = self.cleaned_data["account"].strip()
        account = CreditAccount.objects.select_related("customer").filter(external_id=external_id).first()
        if account is None:
            raise forms.ValidationError(_("There is no credit line %(id)s.") % {"id": external_id})
        return account


class ClearanceDecisionForm(forms.Form):
    note = forms.CharField(
        label=_("Legal-review note (required to approve or reject; the reason when withdrawing)"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        required=False,
    )
