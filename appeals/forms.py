"""Web forms for appeals. They parse input; the rules live in appeals.services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from appeals.models import Appeal

ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": "multiple", "accept": ACCEPT}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


def _files_field():
    return MultipleFileField(
        label=_("Evidence files (optional)"),
        help_text=_("Up to 5 files in total, PDF, JPEG or PNG, at most 10 MB each."),
    )


class AppealForm(forms.Form):
    grounds = forms.ChoiceField(
        label=_("Why are you appealing?"), choices=Appeal.Grounds.choices, widget=forms.RadioSelect
    )
    statement = forms.CharField(
        label=_("Tell us what happened"),
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": 5000}),
        help_text=_("We already hold the reasons and the data behind the decision; tell us why you disagree."),
    )
    desired_outcome = forms.ChoiceField(
        label=_("What outcome do you want?"), choices=Appeal.DesiredOutcome.choices, widget=forms.RadioSelect
    )
    files = _files_field()

    def __init__(self, *args, outcomes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if outcomes is not None:
            self.fields["desired_outcome"].choices = [
                (outcome, Appeal.DesiredOutcome(outcome).label) for outcome in outcomes
            ]


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 4, "maxlength": 5000}))
    files = _files_field()


class SecondReviewForm(forms.Form):
    reason = forms.CharField(
        label=_("Why should a supervisor look at it again?"),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 5000}),
    )


class StaffMessageForm(forms.Form):
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[("", "—"), *Appeal.Outcome.choices], required=False)
    restored_limit = forms.DecimalField(
        label=_("Limit to restore (partial overturn only)"), max_digits=12, decimal_places=2, required=False
    )
    reason = forms.CharField(
        label=_("Reason for the decision"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )


class ApprovalForm(forms.Form):
    note = forms.CharField(
        label=_("Note (required to send back)"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
