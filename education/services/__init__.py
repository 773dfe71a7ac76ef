"""Every write of the education app, one module per subject."""

from education.services.content import (
    article_publish,
    article_read_record,
    article_render,
    article_save,
    article_unpublish,
    quiz_attempt_submit,
)

__all__ = [
    "article_publish",
    "article_read_record",
    "article_render",
    "article_save",
    "article_unpublish",
    "quiz_attempt_submit",
]
