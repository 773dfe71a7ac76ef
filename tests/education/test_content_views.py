"""The learning pages: catalogue, topics, search and articles, in Chinese and English."""

import pytest

from education.models import Article, ArticleRead
from tests.education.factories import ArticleFactory, TopicFactory

pytestmark = pytest.mark.django_db


def _as(client, language):
    client.cookies["portal_language"] = language
    return client


def test_the_catalogue_lists_seeded_articles_in_the_visitors_language(client):
    chinese = _as(client, "zh-hans").get("/learn/").content.decode()
    assert "信用分是怎么变动的" in chinese and "What moves a credit score" not in chinese
    english = _as(client, "en").get("/learn/").content.decode()
    assert "What moves a credit score" in english and "信用分是怎么变动的" not in english


def test_an_article_missing_in_one_language_falls_back_to_the_other_with_a_note(client):
    ArticleFactory(slug="english-only", language="en", title="Only in English")

    page = _as(client, "zh-hans").get("/learn/").content.decode()

    assert "Only in English" in page
    assert "/learn/english-only/?language=en" in page
    detail = client.get("/learn/english-only/").content.decode()
    assert 'lang="en"' in detail and "Only in English" in detail


def test_the_catalogue_query_count_does_not_grow_with_articles(client, django_assert_max_num_queries):
    topic = TopicFactory()
    ArticleFactory.create_batch(20, topic=topic)
    with django_assert_max_num_queries(6):
        response = client.get("/learn/")
    assert response.status_code == 200


def test_a_topic_page_lists_only_its_articles(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        page = _as(client, "en").get("/learn/topic/rights-and-safety/").content.decode()
    assert "Spotting loan fraud" in page and "Budgeting basics" not in page
    assert client.get("/learn/topic/no-such-topic/").status_code == 404


def test_an_article_page_links_to_its_other_language_version_and_its_quiz(client):
    page = _as(client, "en").get("/learn/repaying-on-time/").content.decode()

    assert "<h1" in page and page.count("<h1") == 1
    assert "Repaying on time, made simple" in page
    assert "/learn/repaying-on-time/?language=zh-hans" in page
    assert "minute read" in page
    quiz = Article.objects.get(slug="repaying-on-time", language="en").quiz
    assert f"/learn/quiz/{quiz.pk}/" in page

    other = client.get("/learn/repaying-on-time/?language=zh-hans").content.decode()
    assert "按时还款的实用方法" in other and 'lang="zh-Hans"' in other


def test_opening_an_article_records_a_signed_in_borrowers_progress_once(borrower_client, borrower):
    borrower_client.get("/learn/budgeting-basics/")
    borrower_client.get("/learn/budgeting-basics/?language=en")

    assert list(ArticleRead.objects.filter(user=borrower).values_list("article_slug", flat=True)) == [
        "budgeting-basics"
    ]


def test_an_anonymous_visitor_can_read_without_progress_being_recorded(client):
    assert client.get("/learn/budgeting-basics/").status_code == 200
    assert not ArticleRead.objects.exists()


def test_an_unpublished_article_is_not_found_by_borrowers(borrower_client):
    ArticleFactory(slug="draft-piece", language="en", is_published=False, title="Secret draft")
    ArticleFactory(slug="draft-piece", language="zh-hans", is_published=False, title="秘密草稿")

    assert borrower_client.get("/learn/draft-piece/").status_code == 404
    assert "Secret draft" not in borrower_client.get("/learn/").content.decode()
    assert "Secret draft" not in borrower_client.get("/learn/search/?q=Secret").content.decode()


def test_searching_in_chinese_finds_chinese_articles(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        page = _as(client, "zh-hans").get("/learn/search/", {"q": "验证码"}).content.decode()
    assert "识别借贷诈骗" in page and "保护你的账户安全" in page
    assert "预算入门" not in page


def test_searching_in_english_is_case_insensitive(client):
    page = _as(client, "en").get("/learn/search/", {"q": "EMERGENCY FUND"}).content.decode()
    assert "Building an emergency fund" in page
    assert "Protecting your account" not in page


def test_a_search_for_text_only_in_the_other_language_shows_that_version(client):
    page = _as(client, "en").get("/learn/search/", {"q": "应急金"}).content.decode()
    assert "建立应急金" in page and "/learn/building-an-emergency-fund/?language=zh-hans" in page


def test_an_overlong_search_is_refused_with_a_message(client):
    response = _as(client, "en").get("/learn/search/", {"q": "x" * 101})
    assert response.status_code == 200
    assert "Use at most 100 characters in a search." in response.content.decode()


def test_an_empty_search_shows_the_form_without_results(client):
    page = _as(client, "en").get("/learn/search/").content.decode()
    assert 'name="q"' in page and "found for" not in page
