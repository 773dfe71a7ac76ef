"""Issue 16 (5): the staff admin speaks Chinese throughout. A superuser signed in with two factors
walks every admin changelist and one change page per model (the demo data gives each an object)
in Chinese; any column header, filter title, action or field label still in English fails."""

import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import NoReverseMatch, reverse

from accounts.models import ClearanceCase, LimitChange, User
from appeals.services import appeal_submit
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

# Labels that are the same in both languages: codes, units and names.
SAME_IN_BOTH = re.compile(r"^(ID|URL|API|CSV|SLA|TOTP|[A-Z]{2,5}|v\d+|[\W\d_]*)$")
LATIN = re.compile(r"[A-Za-z]")
HAN = re.compile(r"[\u4e00-\u9fff]")


class LabelParser(HTMLParser):
    """Collects the texts staff read as labels: column headers, filter titles, actions and
    field labels (the body of a table, the data, is left alone)."""

    def __init__(self):
        super().__init__()
        self.labels, self._stack, self._depth = [], [], {"thead": 0, "filter": 0, "action": 0}
        self._current = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "thead":
            self._depth["thead"] += 1
        if attrs.get("id") == "changelist-filter":
            self._depth["filter"] += 1
            self._stack.append("filter")
        elif tag in ("div", "nav"):
            self._stack.append(None)
        if tag == "select" and attrs.get("name") == "action":
            self._depth["action"] += 1
        if (
            (tag == "th" and self._depth["thead"])
            or (tag in ("h3", "summary") and self._depth["filter"])
            or (tag == "option" and self._depth["action"] and attrs.get("value"))
            or tag == "label"
        ):
            self._current = [tag, ""]

    def handle_endtag(self, tag):
        if self._current and tag == self._current[0]:
            text = " ".join(self._current[1].split()).rstrip(":：")
            if text:
                self.labels.append(text)
            self._current = None
        if tag == "thead":
            self._depth["thead"] -= 1
        if tag == "select":
            self._depth["action"] = 0
        if tag in ("div", "nav") and self._stack and self._stack.pop() == "filter":
            self._depth["filter"] -= 1

    def handle_data(self, data):
        if self._current is not None:
            self._current[1] += data


def untranslated(html):
    parser = LabelParser()
    parser.feed(html)
    return sorted(
        {label for label in parser.labels if LATIN.search(label) and not HAN.search(label)}
        - {label for label in parser.labels if SAME_IN_BOTH.match(label)}
    )


def admin_pages():
    """(name, changelist url, change url of one object or None) for every registered model."""
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        try:
            changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        except NoReverseMatch:
            continue
        first = model_admin.get_queryset(_request()).order_by("pk").first()
        change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk]) if first else None
        yield f"{opts.app_label}.{opts.model_name}", changelist, change


def _request():
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = StaffFactory.build(is_superuser=True)
    return request


@pytest.fixture
def chinese_superuser(client):
    call_command("seed_demo")
    # An appeal against the demo's cut, so the appeals admin has an object to open too.
    borrower = User.objects.get(email="zhang.wei@example.com")
    appeal_submit(
        user=borrower,
        limit_change=LimitChange.objects.get(kind=LimitChange.Kind.RISK_REDUCTION),
        grounds="data_wrong",
        statement="我的评分因报送错误而下降。",
        desired_outcome="restore",
    )
    superuser = StaffFactory(is_superuser=True, preferred_language="zh-hans")
    client.force_login(superuser)
    client.cookies["django_language"] = "zh-hans"
    return client


def test_every_admin_page_is_in_chinese(chinese_superuser):
    client = chinese_superuser
    failures = {}
    for _name, changelist, change in admin_pages():
        for url in filter(None, (changelist, change)):
            response = client.get(url, follow=True)
            assert response.status_code == 200, url
            missing = untranslated(response.content.decode())
            if missing:
                failures[url] = missing
    labels = sorted({label for missing in failures.values() for label in missing})
    assert failures == {}, f"untranslated labels: {labels}"


def test_a_clearance_case_reads_as_a_clearance_in_chinese(chinese_superuser):
    case = ClearanceCase.objects.get(account__external_id="ACC-0002")
    page = chinese_superuser.get(reverse("admin:accounts_clearancecase_decide", args=[case.pk])).content.decode()
    assert "清退理由" in page and "发起人陈述" in page
    assert "申诉陈述" not in page  # "appeal statement" has no place on a clearance
    assert "欺诈报告 FR-2026-0042" in page  # the demo's statement, written in Chinese
