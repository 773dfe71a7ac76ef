"""Browser tests: the system Chromium, driven by Playwright, against pytest-django's live server.

Without Chromium or the playwright package these tests are skipped, except in CI (the ``CI``
environment variable is set), where they must run and therefore fail instead.

Every test gets a fresh browser context (no cookies, no session). When a test fails, a
screenshot of each of its pages is saved under ``test-artifacts/``. Every page a test visits
is checked with axe; see ``tests/e2e/a11y.py``. One Chromium serves every test of the
process; it is stopped after the last browser test (see ``_Chromium``).
"""

import contextlib
import os
import re
from pathlib import Path

import pytest

from tests.e2e.a11y import Accessibility
from tests.e2e.environment import MISSING_PLAYWRIGHT
from tests.e2e.environment import unavailable as _unavailable

HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE.parent.parent / "test-artifacts"
CHROMIUM = Path(os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Generous for a loaded two-core CI runner, short enough that a broken page fails quickly.
TIMEOUT_MS = 15_000

_reports = pytest.StashKey[dict]()
_accessibility = pytest.StashKey[Accessibility]()


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    item.stash.setdefault(_reports, {})[report.when] = report
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After the test body: fail with the accessibility problems axe found on its pages."""
    result = yield
    accessibility = item.stash.get(_accessibility, None)
    if accessibility is not None:
        problems = accessibility.report()
        if problems:
            pytest.fail(problems, pytrace=False)
    return result


class _Chromium:
    """One Chromium for the whole test session, started by the first browser test.

    Playwright's sync API keeps an asyncio event loop running in the test thread for as long as
    it is started. Django then refuses ORM calls from that thread (factories, assertions) as
    "async unsafe" unless DJANGO_ALLOW_ASYNC_UNSAFE is set. So both exist only while browser
    tests run: the browser is stopped, and the variable removed again, after the last browser
    test of this process (see pytest_runtest_teardown). Otherwise the variable would leak into
    the tests that follow, and into the processes they start (``manage.py check --deploy``
    rejects it), and their ORM calls would run inside Playwright's loop."""

    def __init__(self):
        self._playwright = None
        self._browser = None
        self._failure = None
        self._saved_env = None

    def get(self):
        if self._browser is not None:
            return self._browser
        if self._failure:
            _unavailable(self._failure)
        try:
            from playwright.sync_api import Error as PlaywrightError
            from playwright.sync_api import sync_playwright
        except ImportError:
            self._failure = MISSING_PLAYWRIGHT
            _unavailable(self._failure)
        if not CHROMIUM.is_file():
            self._failure = f"no Chromium at {CHROMIUM} (install it, or set E2E_CHROMIUM to its path)"
            _unavailable(self._failure)
        self._saved_env = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        # Once Playwright's loop runs in this thread, Django hands the thread new connection
        # objects, which lack the copy of the migrations' data that serialized_rollback restores
        # (reason codes, staff groups, the baseline policy). Carry the copy across.
        from django.db import connections

        serialized = {
            alias: connections[alias]._test_serialized_contents
            for alias in connections
            if hasattr(connections[alias], "_test_serialized_contents")
        }
        self._playwright = sync_playwright().start()
        for alias, contents in serialized.items():
            connections[alias]._test_serialized_contents = contents
        try:
            self._browser = self._playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        except PlaywrightError as error:
            self.stop()
            self._failure = f"Chromium at {CHROMIUM} did not start: {error.message.splitlines()[0]}"
            _unavailable(self._failure)
        return self._browser

    def stop(self):
        if self._browser is not None:
            self._browser.close()
            self._browser = None
        if self._playwright is not None:
            self._playwright.stop()
            self._playwright = None
            if self._saved_env is None:
                os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
            else:
                os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = self._saved_env


_chromium = _Chromium()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    result = yield
    if nextitem is None or HERE not in Path(nextitem.path).resolve().parents:
        _chromium.stop()
    return result


def pytest_sessionfinish(session):
    _chromium.stop()


@pytest.fixture
def browser():
    """The session's Chromium (started on first use; see _Chromium)."""
    return _chromium.get()


@pytest.fixture
def accessibility(request):
    checker = Accessibility()
    request.node.stash[_accessibility] = checker
    return checker


@pytest.fixture
def new_page(browser, live_server, accessibility, request):
    """Open a page in a fresh browser context: ``new_page(locale="en-US")``.

    ``locale`` sets the browser's language (its Accept-Language header). Relative URLs go to the
    live server."""
    contexts = []

    def open_page(locale="zh-CN"):
        context = browser.new_context(base_url=live_server.url, locale=locale, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        accessibility.watch(page)
        return page

    yield open_page

    reports = request.node.stash.get(_reports, {})
    if any(report.failed for report in reports.values()):
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        for number, context in enumerate(contexts):
            for tab, page in enumerate(context.pages):
                # A screenshot that cannot be taken must never hide the real failure.
                with contextlib.suppress(Exception):
                    page.screenshot(path=ARTIFACTS / f"{name}-{number}-{tab}.png", full_page=True)
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A page whose browser asks for Simplified Chinese, the portal's default language."""
    return new_page()


@pytest.fixture
def open_visitor(new_page, accessibility, live_server):
    """``open_visitor(language)``: a fresh browser tab whose browser asks for ``language``."""
    from tests.e2e.helpers import BROWSER_LOCALE, CHINESE, Visitor

    def open_(language=CHINESE, locale=None):
        return Visitor(new_page(locale or BROWSER_LOCALE[language]), accessibility, live_server.url, language)

    return open_
