"""Reads of the education app, one module per subject."""

from education.selectors.content import (
    article_detail_get,
    article_get_for_slug,
    article_list,
    article_preview_get,
    article_read_slugs,
    article_search,
    article_url,
    learning_summary_get,
    quiz_attempt_get,
    quiz_attempt_result,
    quiz_for_article,
    quiz_get,
    topic_get,
    topic_list,
)

__all__ = [
    "article_detail_get",
    "article_get_for_slug",
    "article_list",
    "article_preview_get",
    "article_read_slugs",
    "article_search",
    "article_url",
    "learning_summary_get",
    "quiz_attempt_get",
    "quiz_attempt_result",
    "quiz_for_article",
    "quiz_get",
    "topic_get",
    "topic_list",
]
