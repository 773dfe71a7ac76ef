"""The daily risk report counts what happened on its day, reading only accounts' own tables."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from accounts.credit.services import limit_change_apply
from accounts.models import LimitChange, PolicyVersion
from accounts.risk.selectors import risk_report_get
from appeals import services as appeals
from tests.factories import StaffFactory, credit_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def reduction(borrower):
    return limit_change_apply(
        account=credit_account(customer=borrower.customer),
        kind=LimitChange.Kind.RISK_REDUCTION,
        new_limit="30000.00",
        reason_codes=["score_drop"],
        decided_by=LimitChange.DecidedBy.POLICY,
        policy_version=PolicyVersion.objects.active().get(),
    )


def test_an_appeal_filed_today_counts_in_todays_report_only(borrower, reduction):
    appeals.appeal_submit(
        user=borrower,
        limit_change=reduction,
        grounds="data_wrong",
        statement="My score fell because of a reporting error.",
        desired_outcome="restore",
    )
    today = timezone.localdate()
    assert risk_report_get(day=today)["appeals_opened"] == 1
    assert risk_report_get(day=today - timedelta(days=1))["appeals_opened"] == 0


def test_staff_find_the_changes_a_policy_version_made_by_its_label(client, reduction):
    client.force_login(StaffFactory(is_superuser=True))
    policy = PolicyVersion.objects.active().get()
    found = client.get(reverse("admin:accounts_limitchange_changelist"), {"q": policy.label})
    assert list(found.context["cl"].result_list) == [reduction]
    missing = client.get(reverse("admin:accounts_limitchange_changelist"), {"q": f"v{policy.pk + 1}"})
    assert list(missing.context["cl"].result_list) == []


@given(st.integers(min_value=1, max_value=10**12))
def test_a_policy_label_names_its_version(pk):
    assert PolicyVersion.pk_from_label(PolicyVersion(pk=pk).label) == pk


@given(st.text().filter(lambda text: not text.strip().startswith("v")))
def test_text_without_the_v_names_no_version(text):
    assert PolicyVersion.pk_from_label(text) is None


@given(st.text(min_size=1).filter(lambda text: not (text.rstrip().isascii() and text.rstrip().isdigit())))
def test_a_v_followed_by_anything_but_digits_names_no_version(text):
    assert PolicyVersion.pk_from_label(f"v{text}") is None


@pytest.mark.parametrize(("language", "day"), [("zh-hans", "年"), ("en", " ")])
def test_the_report_names_reasons_and_writes_money_and_dates_in_the_readers_language(reduction, language, day):
    """Analysts read labels and formatted amounts, never the codes or "20000.00"."""
    from django.template.loader import render_to_string
    from django.utils import translation

    from accounts.models import ReasonCode

    with translation.override(language):
        title = ReasonCode.objects.get(code="score_drop").title
        html = render_to_string(
            "accounts/risk_report_body.html",
            {"report": risk_report_get(day=timezone.localdate())},
        )
    assert "¥20,000.00" in html and "20000.00" not in html
    assert f"<td>{title}</td>" in html and ">score_drop<" not in html
    assert day in html.split("</h2>")[0] and f"{timezone.localdate():%Y-%m-%d}" not in html
