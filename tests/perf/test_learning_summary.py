"""The dashboard's learning summary reads the shared catalogue from this process's copy (issue 17)
and the borrower's own figures afresh: it must stay exactly as correct as reading everything
every time. A borrower never sees another's progress, a staff change to the catalogue shows on
the next read, and a borrower's own reading shows at once."""

from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from education.models import Article, ArticleRead
from education.selectors import content, learning_summary_get
from portal import process_cache
from tests.education.factories import ArticleFactory, TopicFactory, quiz_for
from tests.factories import BorrowerFactory, credit_account

pytestmark = pytest.mark.django_db


def _borrower():
    borrower = BorrowerFactory(preferred_language="en")
    credit_account(customer=borrower.customer)
    return borrower


def _summary(user, language="en"):
    return learning_summary_get(user=user, language=language)


def _article_queries(queries):
    return [query["sql"] for query in queries if '"education_article"' in query["sql"].split("WHERE")[0]]


def test_a_warm_summary_reads_no_catalogue_and_only_the_borrowers_own_rows():
    borrower = _borrower()
    _summary(borrower)  # loads this process's copy of the catalogue
    with CaptureQueriesContext(connection) as queries:
        summary = _summary(borrower)
    assert summary["articles_total"] == len(set(Article.objects.published().values_list("slug", flat=True)))
    # Only the borrower's progress (which joins quiz attempts to articles) and their situation.
    assert not [sql for sql in _article_queries(queries) if "education_quizattempt" not in sql]
    assert len(queries) <= 4


def test_one_borrowers_reading_never_shows_in_anothers_summary():
    first, second = _borrower(), _borrower()
    slugs = sorted(set(Article.objects.published().values_list("slug", flat=True)))[:3]
    for slug in slugs:
        ArticleRead.objects.create(user=first, article_slug=slug, first_read_at=timezone.now())
    assert _summary(first)["articles_read"] == 3
    assert _summary(second)["articles_read"] == 0
    assert _summary(first)["articles_read"] == 3


def test_reading_the_suggested_article_changes_the_summary_at_once():
    borrower = _borrower()
    before = _summary(borrower)
    ArticleRead.objects.create(user=borrower, article_slug=before["suggestion"].slug, first_read_at=timezone.now())
    after = _summary(borrower)
    assert after["articles_read"] == before["articles_read"] + 1
    assert after["suggestion"].slug != before["suggestion"].slug


def test_publishing_unpublishing_and_a_new_quiz_show_on_the_next_read():
    borrower = _borrower()
    before = _summary(borrower)
    article = ArticleFactory(slug="a-new-guide", language="en", topic=TopicFactory(), is_published=True)
    published = _summary(borrower)
    assert published["articles_total"] == before["articles_total"] + 1

    quiz_for(article)
    assert _summary(borrower)["quizzes_total"] == before["quizzes_total"] + 1

    article.is_published = False
    article.save()
    assert _summary(borrower)["articles_total"] == before["articles_total"]


def test_a_save_bumps_the_version_again_when_it_commits(django_capture_on_commit_callbacks):
    """A process that read the catalogue between the save and its commit (under the version the
    save set at once) must not keep that copy: the commit gives the catalogue a new version."""
    borrower = _borrower()
    with django_capture_on_commit_callbacks(execute=True):
        ArticleFactory(slug="another-guide", language="en", topic=TopicFactory(), is_published=True)
        during = content.CATALOGUE.version()
        _summary(borrower)
    assert content.CATALOGUE.version() != during


def test_a_change_that_bypassed_the_signals_shows_within_the_maximum_age():
    borrower = _borrower()
    before = _summary(borrower)["articles_total"]
    slug = Article.objects.published().values_list("slug", flat=True).first()
    Article.objects.filter(slug=slug).update(is_published=False)  # no signal: raw update
    assert _summary(borrower)["articles_total"] == before  # the process's copy, for now
    later = process_cache.time.monotonic() + content.CATALOGUE_MAX_AGE + 1
    with mock.patch.object(process_cache.time, "monotonic", return_value=later):
        assert _summary(borrower)["articles_total"] == before - 1


def test_the_suggestion_is_the_callers_own_copy():
    """A page marking up its suggestion must not change what the next borrower is shown."""
    first, second = _borrower(), _borrower()
    suggestion = _summary(first)["suggestion"]
    suggestion.title = "changed by a page"
    suggestion.is_fallback = "changed"
    again = _summary(second)["suggestion"]
    assert again.slug == suggestion.slug
    assert again.title != "changed by a page"
    assert again.is_fallback is False


def test_each_language_keeps_its_own_versions_and_fallback_marks():
    borrower = _borrower()
    english = {article.slug: article.language for article in content._catalogue_get("en")[0]}
    chinese = content._catalogue_get("zh-hans")[0]
    assert all(article.language == "zh-hans" or article.is_fallback for article in chinese)
    assert {article.slug for article in chinese} == set(english)
    assert _summary(borrower, "zh-hans")["suggestion"].language == "zh-hans"
    assert _summary(borrower, "en")["suggestion"].language == "en"


def test_the_learn_list_follows_the_catalogue_at_once_and_hands_out_copies():
    topic = TopicFactory()
    ArticleFactory(slug="brand-new-guide", language="en", topic=topic, is_published=True)
    listed = content.article_list(language="en")
    assert "brand-new-guide" in [article.slug for article in listed]
    assert [article.slug for article in content.article_list(language="en", topic=topic)] == ["brand-new-guide"]

    listed[0].title = "changed by a page"
    assert content.article_list(language="en")[0].title != "changed by a page"

    Article.objects.get(slug="brand-new-guide").delete()
    assert "brand-new-guide" not in [article.slug for article in content.article_list(language="en")]
    assert content.article_list(language="en", topic=topic) == []
