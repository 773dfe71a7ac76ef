"""Article Markdown becomes safe HTML: whatever an editor pastes, no script reaches a borrower."""

import pytest

from education.models import Article
from education.rendering import markdown_to_safe_html, reading_minutes
from education.services import article_save
from tests.education.factories import TopicFactory
from tests.factories import StaffFactory

HOSTILE = """## Hello

<script>alert("stolen")</script>

<img src="/static/x.png" onerror="alert('img')">

[Click me](javascript:alert('link')) and <a href="JaVaScRiPt:alert(1)">this</a>

<div style="background:url(x)" onclick="alert(2)">Boxed</div>

[Safe link](https://example.com/help) and [mail](mailto:help@example.com)
"""


def test_script_event_handlers_and_javascript_links_are_removed():
    html = markdown_to_safe_html(HOSTILE)

    assert "<script" not in html and 'alert("stolen")' not in html
    assert "onerror" not in html and "onclick" not in html and "style=" not in html
    assert "javascript:" not in html.lower()
    assert '<a href="https://example.com/help"' in html
    assert 'href="mailto:help@example.com"' in html
    assert "<h2>Hello</h2>" in html


def test_a_level_one_heading_in_the_body_becomes_a_section_heading():
    assert markdown_to_safe_html("# Title\n\ntext") == "<h2>Title</h2>\n<p>text</p>"


def test_reading_time_counts_chinese_characters_and_english_words():
    assert reading_minutes("字" * 400, "zh-hans") == 1
    assert reading_minutes("字" * 401, "zh-hans") == 2
    assert reading_minutes("word " * 200, "en") == 1
    assert reading_minutes("word " * 201, "en") == 2
    assert reading_minutes("", "en") == 1


@pytest.mark.django_db
def test_hostile_markdown_saved_by_an_editor_never_reaches_the_article_page(client):
    editor = StaffFactory(group="Content editor")
    article = Article(
        slug="hostile-test",
        language="en",
        title="Hostile",
        summary="Testing the sanitiser.",
        body=HOSTILE,
        topic=TopicFactory(),
        is_published=True,
    )
    article_save(article=article, actor=editor)

    page = client.get("/learn/hostile-test/").content.decode()

    assert "Safe link" in page
    assert 'alert("stolen")' not in page and "onerror" not in page and "javascript:" not in page.lower()
    assert article.reading_minutes == 1 and article.author == editor
