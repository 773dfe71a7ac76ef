"""Under the Content-Security-Policy the portal's own scripts still run and the browser reports no
violation: the dashboard, the closure wizard's first step (its amount preview), a receipt (its
Print button) and Swagger UI at /api/docs/, which loads its start-up script as a file."""

import pytest

from accounts.closure import services as closure_services
from tests.e2e.helpers import ENGLISH, expect
from tests.factories import PASSWORD, BorrowerFactory, credit_account

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CODE = "246810"


def _submitted_closure(borrower, account):
    closure_request = closure_services.closure_request_draft_create(user=borrower, account=account, kind="close")
    closure_services.closure_request_impact_acknowledge(closure_request=closure_request, user=borrower)
    closure_services.closure_request_reason_set(closure_request=closure_request, user=borrower, reason="other")
    closure_services.closure_verification_code_send(closure_request=closure_request, user=borrower)
    closure_services.closure_request_verify(closure_request=closure_request, user=borrower, code=CODE)
    return closure_services.closure_request_submit(closure_request=closure_request, user=borrower)


@pytest.fixture
def api_docs_tab(browser, live_server):
    contexts = []

    def open_tab():
        context = browser.new_context(base_url=live_server.url, locale="en-US")
        contexts.append(context)
        return context.new_page()

    yield open_tab
    for context in contexts:
        context.close()


def _policy(response):
    return [part.strip() for part in response.headers["content-security-policy"].split(";")]


def test_pages_with_scripts_work_and_report_no_policy_violation(open_visitor, api_docs_tab, monkeypatch):
    monkeypatch.setattr(closure_services.secrets, "randbelow", lambda _limit: int(CODE))
    borrower = BorrowerFactory(preferred_language=ENGLISH)
    account = credit_account(customer=borrower.customer, credit_limit="50000.00")
    closed = _submitted_closure(borrower, credit_account(customer=borrower.customer, credit_limit="8000.00"))
    visitor = open_visitor(ENGLISH)
    console = []
    visitor.page.on("console", lambda message: console.append(message.text))

    visitor.sign_in(borrower.email, PASSWORD)
    visitor.expect_path("/")
    dashboard = visitor.goto("/")
    assert "script-src 'self'" in _policy(dashboard)
    expect(visitor.page.locator(f"section[aria-labelledby='account-{account.pk}-heading']")).to_be_visible()

    wizard = visitor.goto(f"/credit/{account.pk}/manage/")
    assert "script-src 'self'" in _policy(wizard)
    visitor.page.get_by_label("Lower the limit").check()
    visitor.page.locator("#id_target_limit").fill("20000")
    expect(visitor.page.locator("#lower-preview")).to_have_text("This amount is allowed.")
    visitor.page.locator("#id_target_limit").fill("20050")
    expect(visitor.page.locator("#lower-preview")).to_have_text("Choose an amount in the range above, in whole steps.")

    visitor.goto(f"/credit/{closed.account_id}/manage/requests/{closed.pk}/")
    expect(visitor.page.locator("#print-receipt")).to_be_visible()

    # Swagger UI is the vendor's page, not the portal's: it is opened outside the axe checks
    # (its own markup nests buttons), in a tab of its own whose console is read the same way.
    docs_page = api_docs_tab()
    docs_page.on("console", lambda message: console.append(message.text))
    docs = docs_page.goto("/api/docs/")
    assert "script-src 'self'" in _policy(docs)
    expect(docs_page.locator(".opblock").first).to_be_visible()
    expect(docs_page.get_by_text("/api/v1/me", exact=True)).to_be_visible()

    assert [text for text in console if "Content Security Policy" in text] == []
