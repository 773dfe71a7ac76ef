"""Security headers on every kind of page: a Content-Security-Policy that allows only the portal's
own files (no inline script, no third-party origin), and ``Cache-Control: private, no-store`` on
everything a signed-in person is shown, while public pages and static files keep their caching."""

import re

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.closure import services as closure_services
from accounts.credit.services import limit_change_apply
from accounts.models import LimitChange
from appeals.services import appeal_submit
from portal.models import Notification
from tests.education.factories import ArticleFactory, HealthReportFactory
from tests.factories import BorrowerFactory, StaffFactory, credit_account

pytestmark = pytest.mark.django_db

CODE = "123456"
# Every source any directive may name: the portal itself, nothing, and data: images.
OWN_SOURCES = {"'self'", "'none'", "data:"}
# A <script> element that runs inline code: neither loaded from a file nor a JSON data block.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.IGNORECASE)


def directives(response):
    """The response's Content-Security-Policy as {directive: [sources]}."""
    policy = response["Content-Security-Policy"]
    return {name: sources for name, *sources in (part.split() for part in policy.split(";") if part.strip())}


@pytest.fixture(autouse=True)
def fixed_code(monkeypatch):
    monkeypatch.setattr(closure_services.secrets, "randbelow", lambda _limit: int(CODE))


@pytest.fixture
def borrower(db):
    return BorrowerFactory(preferred_language="en")


@pytest.fixture
def personal_pages(borrower):
    """One page of each kind that shows a borrower their own data, by name."""
    account = credit_account(customer=borrower.customer, credit_limit="50000.00", outstanding_balance="12000.00")
    change = limit_change_apply(
        account=account,
        kind=LimitChange.Kind.RISK_REDUCTION,
        new_limit="40000.00",
        reason_codes=["score_drop"],
        decided_by=LimitChange.DecidedBy.POLICY,
    )
    appeal = appeal_submit(
        user=borrower,
        limit_change=change,
        grounds="data_wrong",
        statement="My score fell because of a reporting error.",
        desired_outcome="restore",
    )
    closure_request = closure_services.closure_request_draft_create(user=borrower, account=account, kind="close")
    closure_services.closure_request_impact_acknowledge(closure_request=closure_request, user=borrower)
    closure_services.closure_request_reason_set(closure_request=closure_request, user=borrower, reason="other")
    closure_services.closure_verification_code_send(closure_request=closure_request, user=borrower)
    closure_services.closure_request_verify(closure_request=closure_request, user=borrower, code=CODE)
    closure_services.closure_request_submit(closure_request=closure_request, user=borrower)
    report = HealthReportFactory(user=borrower)
    # A second line, with no request under way, opens the wizard's first step.
    second_account = credit_account(customer=borrower.customer, credit_limit="30000.00")
    notice = Notification.objects.filter(recipient=borrower).earliest("pk")
    receipt_ids = {"account_id": account.pk, "request_id": closure_request.pk}
    return {
        "dashboard": reverse("dashboard"),
        "notices": reverse("notification_list"),
        "notice": reverse("notification_detail", args=[notice.pk]),
        "appeals": reverse("appeals:list"),
        "appeal": reverse("appeals:detail", args=[appeal.pk]),
        "reports": reverse("health_report_list"),
        "report": reverse("health_report_detail", args=[report.pk]),
        "receipt": reverse("closure_receipt", kwargs=receipt_ids),
        "closure wizard": reverse("closure_start", args=[second_account.pk]),
        "api": reverse("api-v1:me"),
    }


PERSONAL_PAGES = [
    "dashboard",
    "notices",
    "notice",
    "appeals",
    "appeal",
    "reports",
    "report",
    "receipt",
    "closure wizard",
    "api",
]


# --- Content-Security-Policy ---------------------------------------------------------------------


@pytest.mark.parametrize("name", PERSONAL_PAGES)
def test_every_signed_in_page_sends_a_policy_without_inline_script(client, borrower, personal_pages, name):
    client.force_login(borrower)

    response = client.get(personal_pages[name])

    assert response.status_code == 200
    policy = directives(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert {source for sources in policy.values() for source in sources} <= OWN_SOURCES
    assert INLINE_SCRIPT.findall(response.content.decode()) == []


PUBLIC_PAGES = ["/", "/accounts/login/", "/accounts/signup/", "/learn/", "/api/docs/", "/api/schema/"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_and_the_api_docs_send_the_same_policy(client, path):
    response = client.get(path)

    assert response.status_code == 200
    policy = directives(response)
    assert policy["script-src"] == ["'self'"]
    assert {source for sources in policy.values() for source in sources} <= OWN_SOURCES
    assert INLINE_SCRIPT.findall(response.content.decode()) == []


def test_the_policy_allows_only_the_portal_itself(client):
    policy = directives(client.get("/"))

    assert policy == {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }


def test_the_admin_sends_the_policy(client):
    client.force_login(StaffFactory(is_superuser=True))

    response = client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert directives(response)["script-src"] == ["'self'"]


def test_swagger_ui_loads_its_start_up_script_from_its_own_url(client):
    page = client.get("/api/docs/").content.decode()
    script = client.get("/api/docs/?script=")

    assert '<script src="/api/docs/?script="></script>' in page
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()


def test_an_article_shows_the_portals_own_images_and_drops_remote_ones(client):
    article = ArticleFactory(
        slug="images",
        body=(
            "![chart](https://tracker.example/pixel.png)\n\n"
            '<img src="//cdn.example/banner.png" alt="banner">\n\n'
            "![logo](/static/portal/favicon.svg) ![photo](/media/articles/photo.png)"
        ),
    )

    page = client.get(reverse("education:article_detail", args=[article.slug])).content.decode()

    assert "tracker.example" not in page
    assert "cdn.example" not in page
    assert '<img alt="chart">' in page
    assert '<img alt="logo" src="/static/portal/favicon.svg">' in page
    assert '<img alt="photo" src="/media/articles/photo.png">' in page


# --- Cache-Control -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PERSONAL_PAGES)
def test_every_page_with_personal_data_is_kept_out_of_caches(client, borrower, personal_pages, name):
    client.force_login(borrower)

    response = client.get(personal_pages[name])

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


def test_an_api_answer_to_a_token_is_kept_out_of_caches(borrower):
    token = Token.objects.create(user=borrower)
    api = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = api.get(reverse("api-v1:me"))

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


def test_the_admin_is_kept_out_of_caches(client):
    client.force_login(StaffFactory(is_superuser=True))

    response = client.get(reverse("admin:accounts_user_changelist"))

    assert response.status_code == 200
    assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}


@pytest.mark.parametrize("path", ["/", "/learn/"])
def test_public_pages_for_a_visitor_are_not_marked_private(client, path):
    response = client.get(path)

    assert response.status_code == 200
    assert "private" not in response.get("Cache-Control", "")
    assert "no-store" not in response.get("Cache-Control", "")


def test_static_files_keep_their_caching_for_a_signed_in_borrower(client, borrower, settings):
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    client.force_login(borrower)

    response = client.get("/static/portal/portal.css")

    assert response.status_code == 200
    assert "no-store" not in response["Cache-Control"]
    assert "public" in response["Cache-Control"]
