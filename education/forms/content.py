"""Web forms for learning pages. They parse input; the rules live in education.services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from education.selectors.content import SEARCH_QUERY_MAX_LENGTH


class ArticleSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search articles"),
        max_length=SEARCH_QUERY_MAX_LENGTH,
        required=False,
        error_messages={"max_length": _("Use at most %(limit_value)d characters in a search.")},
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


def question_field_name(question):
    return f"question_{question.pk}"


class QuizForm(forms.Form):
    """One radio group per question of ``quiz`` (questions and choices already loaded)."""

    def __init__(self, *args, quiz, **kwargs):
        super().__init__(*args, **kwargs)
        self.quiz = quiz
        for number, question in enumerate(quiz.questions.all(), start=1):
            self.fields[question_field_name(question)] = forms.TypedChoiceField(
                label=_("%(number)s. %(question)s") % {"number": number, "question": question.text},
                choices=[(choice.pk, choice.text) for choice in question.choices.all()],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Choose an answer to this question."),
                    "invalid_choice": _("Choose one of the answers listed for this question."),
                },
            )

    def answers(self):
        """Question id → chosen choice id, for quiz_attempt_submit."""
        return {question.pk: self.cleaned_data[question_field_name(question)] for question in self.quiz.questions.all()}
