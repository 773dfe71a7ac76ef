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


# --- the staff review page: one form per action, each with its own field and confirmation -----

TEXT_LIMIT = 5000


def _staff_text(label, help_text=""):
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": TEXT_LIMIT}),
        error_messages={"required": _("Write the text first.")},
    )


def _confirm(label):
    return forms.BooleanField(label=label, error_messages={"required": _("Tick the box to confirm who will see this.")})


class StaffActionForm(forms.Form):
    """One staff action on the review page: its own prefix (so its fields have their own ids),
    the action it runs, who sees the text, and a confirmation that names them."""

    action = ""
    audience = "borrower"  # or "staff"
    title = ""
    audience_text = ""


class InformationRequestForm(StaffActionForm):
    prefix = action = "request_information"
    title = _("Request information")
    audience_text = _("The borrower will see this. The deadline clock stops until they answer.")
    body = _staff_text(_("What do you need from the borrower?"))
    confirm = _confirm(_("Send this request to the borrower"))


class BorrowerReplyForm(StaffActionForm):
    prefix = action = "reply"
    title = _("Reply to the borrower")
    audience_text = _("The borrower will see this.")
    body = _staff_text(_("Your reply to the borrower"))
    confirm = _confirm(_("Send this reply to the borrower"))


class InternalNoteForm(StaffActionForm):
    prefix = action = "note"
    audience = "staff"
    title = _("Add internal note")
    audience_text = _("Only staff see this.")
    body = _staff_text(_("Internal note"))
    confirm = _confirm(_("Keep this note for staff only"))


class DeadlineExtendForm(StaffActionForm):
    prefix = action = "extend"
    title = _("Extend the deadline (once)")
    audience_text = _("The borrower will see this: they are told the new date and this reason.")
    body = _staff_text(_("Why does the case need more time?"))
    confirm = _confirm(_("Extend the deadline and tell the borrower"))


class EscalateForm(StaffActionForm):
    prefix = action = "escalate"
    audience = "staff"
    title = _("Escalate to supervisors")
    audience_text = _("Only staff see this: the supervisors are told.")
    body = _staff_text(_("Why are you escalating?"))
    confirm = _confirm(_("Escalate and tell the supervisors"))


STAFF_ACTION_FORMS = [InformationRequestForm, BorrowerReplyForm, InternalNoteForm, DeadlineExtendForm, EscalateForm]


class DecisionForm(forms.Form):
    prefix = "decide"
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("", "—"), *Appeal.Outcome.choices],
        error_messages={"required": _("Choose the outcome of the appeal.")},
    )
    restored_limit = forms.DecimalField(
        label=_("Limit to restore (partial overturn only)"),
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
    )
    reason = _staff_text(_("Reason for the decision (the borrower will read it)"))
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)


class BulkAssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("Reviewer"), queryset=None, empty_label=None)

    def __init__(self, *args, reviewers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = reviewers
        self.fields["assignee"].label_from_instance = lambda user: user.get_username()


class ApprovalForm(forms.Form):
    note = forms.CharField(
        label=_("Note (required to send back)"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
