"""The seed migration: twelve articles in both languages, every reason code's article, quizzes."""

import pytest
from django.contrib.auth.models import Group

from accounts.models import ReasonCode
from education.models import Article, Quiz

pytestmark = pytest.mark.django_db

REQUIRED_SLUGS = {
    "what-moves-a-credit-score",
    "repaying-on-time",
    "the-cost-of-borrowing-often",
    "how-limits-are-set",
    "how-closing-or-lowering-works",
    "how-to-appeal-a-decision",
    "spotting-loan-fraud",
    "building-an-emergency-fund",
    "understanding-utilisation",
    "budgeting-basics",
    "handling-financial-hardship",
    "protecting-your-account",
}


def test_every_seeded_slug_exists_published_in_both_languages():
    rows = set(Article.objects.published().values_list("slug", "language"))
    assert {(slug, language) for slug in REQUIRED_SLUGS for language in ("zh-hans", "en")} <= rows
    assert len({slug for slug, _language in rows}) >= 12


def test_every_reason_codes_article_exists():
    linked = set(ReasonCode.objects.exclude(article_slug="").values_list("article_slug", flat=True))
    assert linked and linked <= set(Article.objects.published().values_list("slug", flat=True))


def test_seeded_bodies_are_rendered_and_have_a_reading_time():
    for article in Article.objects.all():
        assert article.body_html.startswith("<") and "<script" not in article.body_html
        assert article.reading_minutes >= 1


def test_at_least_six_articles_have_a_three_question_quiz_in_both_languages():
    quizzed = {}
    for quiz in Quiz.objects.select_related("article").prefetch_related("questions__choices"):
        questions = list(quiz.questions.all())
        assert len(questions) == 3
        assert all(sum(choice.is_correct for choice in question.choices.all()) == 1 for question in questions)
        quizzed.setdefault(quiz.article.slug, set()).add(quiz.article.language)
    assert len([slug for slug, languages in quizzed.items() if languages == {"zh-hans", "en"}]) >= 6


def test_content_editors_may_author_learning_content():
    codenames = set(Group.objects.get(name="Content editor").permissions.values_list("codename", flat=True))
    assert {"add_article", "change_article", "view_article", "add_quiz", "change_question", "view_topic"} <= codenames
