"""Web forms of the education app, one module per subject."""

from education.forms.content import ArticleSearchForm, QuizForm

__all__ = ["ArticleSearchForm", "QuizForm"]
