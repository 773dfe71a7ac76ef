"""Content editors write, preview and publish articles in the admin; every step is audited."""

import pytest

from education.models import Article
from portal.models import AuditEvent
from tests.education.factories import ArticleFactory, TopicFactory
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client):
    client.force_login(StaffFactory(group="Content editor", preferred_language="en"))
    return client


@pytest.fixture
def draft():
    return ArticleFactory(slug="admin-draft", is_published=False, published_at=None, title="Draft for preview")


def test_an_editor_previews_a_draft_as_borrowers_will_see_it(editor_client, draft):
    response = editor_client.get(f"/admin/education/article/{draft.pk}/preview/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Draft for preview" in page and "Preview of a draft" in page
    assert page.count("<h1") == 1


def test_staff_without_the_content_permission_cannot_preview(client, draft):
    client.force_login(StaffFactory())
    assert client.get(f"/admin/education/article/{draft.pk}/preview/").status_code == 403


def test_a_borrower_is_sent_away_from_the_preview(borrower_client, draft):
    response = borrower_client.get(f"/admin/education/article/{draft.pk}/preview/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert "Draft for preview" not in response.content.decode()


def test_publishing_from_the_list_is_audited_and_makes_the_article_visible(editor_client, client, draft):
    response = editor_client.post(
        "/admin/education/article/", {"action": "publish", "_selected_action": [draft.pk]}, follow=True
    )

    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.is_published and draft.published_at is not None
    assert AuditEvent.objects.filter(action="education.article_publish", target_id=str(draft.pk)).count() == 1
    client.logout()
    assert client.get("/learn/admin-draft/").status_code == 200


def test_unpublishing_is_audited_and_hides_the_article(editor_client, client):
    article = ArticleFactory(slug="to-hide")

    editor_client.post("/admin/education/article/", {"action": "unpublish", "_selected_action": [article.pk]})

    article.refresh_from_db()
    assert not article.is_published
    assert AuditEvent.objects.filter(action="education.article_unpublish", target_id=str(article.pk)).exists()
    client.logout()
    assert client.get("/learn/to-hide/").status_code == 404


def test_saving_in_the_admin_renders_and_sanitises_the_body(editor_client):
    topic = TopicFactory()
    response = editor_client.post(
        "/admin/education/article/add/",
        {
            "slug": "from-admin",
            "language": "en",
            "topic": topic.pk,
            "level": "beginner",
            "title": "Written in the admin",
            "summary": "Summary.",
            "body": "Hello <script>alert(1)</script> **world**",
        },
    )

    assert response.status_code == 302
    article = Article.objects.get(slug="from-admin")
    assert article.body_html == "<p>Hello  <strong>world</strong></p>"
    assert not article.is_published
    assert AuditEvent.objects.filter(action="education.article_create", target_id=str(article.pk)).exists()


def test_the_article_list_in_the_admin_has_a_bounded_query_count(editor_client, django_assert_max_num_queries):
    ArticleFactory.create_batch(10)
    with django_assert_max_num_queries(14):
        response = editor_client.get("/admin/education/article/?language=en&is_published__exact=1&q=a")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/admin/education/topic/",
        "/admin/education/quiz/",
        "/admin/education/question/",
        "/admin/education/article/add/",
        "/admin/education/quiz/add/",
    ],
)
def test_the_content_pages_open_for_an_editor(editor_client, path, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        assert editor_client.get(path).status_code == 200


def test_a_published_article_cannot_be_deleted_but_a_draft_can(editor_client, draft):
    published = ArticleFactory(slug="published-keep")
    assert editor_client.get(f"/admin/education/article/{published.pk}/delete/").status_code == 403
    assert editor_client.post(f"/admin/education/article/{draft.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not Article.objects.filter(pk=draft.pk).exists()
