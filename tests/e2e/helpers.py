"""Steps shared by the browser tests. Each step that lands on a new page checks it with axe."""

from urllib.parse import urlsplit

import pytest
from django.utils import translation
from django.utils.translation import gettext, ngettext

from tests.e2e.environment import MISSING_PLAYWRIGHT, in_ci

try:
    from playwright.sync_api import expect
except ImportError:
    if in_ci():
        raise
    pytest.skip(f"browser tests skipped: {MISSING_PLAYWRIGHT} (they run in CI)", allow_module_level=True)

ENGLISH = "en"
CHINESE = "zh-hans"
# What the browser sends as Accept-Language to be served each language before choosing one.
BROWSER_LOCALE = {ENGLISH: "en-US", CHINESE: "zh-CN"}


def t(language, message):
    """``message`` as the portal shows it in ``language``, from the same catalogues it uses."""
    with translation.override(language):
        return gettext(message)


def nt(language, singular, plural, count, **values):
    with translation.override(language):
        return ngettext(singular, plural, count) % {"counter": count, **values}


def html_lang(language):
    """The <html lang> value the portal writes for a Django language code."""
    return "zh-Hans" if language == CHINESE else language


def path_of(page):
    return urlsplit(page.url).path


class Visitor:
    """One person in one browser tab. Every page reached through these methods is checked by axe."""

    def __init__(self, page, accessibility, base_url, language=CHINESE):
        self.page = page
        self.base_url = base_url
        self.accessibility = accessibility
        self.language = language

    def t(self, message):
        return t(self.language, message)

    def check(self):
        self.accessibility.check(self.page)

    def goto(self, path):
        response = self.page.goto(path)
        self.check()
        return response

    def click_to_navigate(self, locator):
        """Click something that loads a new page (a link or a form's submit button)."""
        with self.page.expect_navigation():
            locator.click()
        self.check()

    def expect_path(self, path):
        expect(self.page).to_have_url(self.base_url + path)

    def expect_language(self, language):
        expect(self.page.locator("html")).to_have_attribute("lang", html_lang(language))

    def heading(self):
        return self.page.get_by_role("heading", level=1)

    def switch_language(self, language):
        """Choose ``language`` with the switcher in the page header."""
        select = self.page.locator("#language-select")
        select.select_option(language)
        self.click_to_navigate(self.page.locator("form:has(#language-select) button[type=submit]"))
        self.language = language
        self.expect_language(language)
        expect(self.page.locator("#language-select")).to_have_value(language)

    def sign_in(self, email, password):
        """Sign in through allauth's form, starting from the sign-in page."""
        if path_of(self.page) != "/accounts/login/":
            self.goto("/accounts/login/")
        expect(self.heading()).to_have_text(self.t("Sign In"))
        self.page.locator("#id_login").fill(email)
        self.page.locator("#id_password").fill(password)
        self.click_to_navigate(self.page.get_by_role("button", name=self.t("Sign In"), exact=True))
        expect(self.page.locator("#id_password")).to_have_count(0)

    def submit_identity(self, legal_name, national_id_number):
        self.page.locator("#id_legal_name").fill(legal_name)
        self.page.locator("#id_national_id_number").fill(national_id_number)
        self.click_to_navigate(self.page.get_by_role("button", name=self.t("Verify and link")))
