"""Issue 16 (3): every limit change carries a complete decision record: the policy version, each
rule that fired with the figures it used, the signals read and the reasons; staff changes say who
and why. Stored with the decision, kept by an appeal, shown in admin and (trimmed) to the borrower."""

from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from rest_framework.test import APIClient

from accounts.models import LimitChange, PolicyVersion, RiskDecision
from accounts.risk import services as risk
from accounts.risk.records import decision_record_for_borrower, decision_record_present, limit_change_record
from appeals.services import appeal_submit
from tests.factories import RiskSignalFactory, StaffFactory, credit_account, score_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy():
    active = PolicyVersion.objects.active().get()
    PolicyVersion.objects.filter(pk=active.pk).update(warn_before_cut=False)
    active.refresh_from_db()
    return active


@pytest.fixture
def cut(policy, borrower):
    """A policy cut after a score fall and a linked account five days overdue."""
    account = credit_account(customer=borrower.customer, credit_limit="50000.00")
    score_history(account, [750, 752, 748, 745, 690])
    RiskSignalFactory(account=account, kind="score_update", value="690")
    RiskSignalFactory(account=account, kind="linked_overdue", value="5")
    (decision,) = risk.risk_evaluation_run()
    return decision


def test_the_decision_stores_rules_with_their_figures_signals_and_policy(cut, policy):
    inputs = RiskDecision.objects.get(pk=cut.pk).inputs
    assert inputs["policy"]["label"] == policy.label
    assert inputs["policy"]["parameters"]["score_drop_points"] == policy.score_drop_points
    rules = {rule["rule"]: rule for rule in inputs["rules"]}
    assert rules["score_drop"]["figures"] == {"score_high": 752, "score_now": 690, "score_drop": 62}
    assert Decimal(rules["linked_overdue"]["figures"]["overdue_days"]) == 5
    assert rules["cut"]["figures"]["cut_percent"] == policy.combined_cut_percent
    assert rules["cut"]["figures"]["target_limit"] == "25000.00"
    assert sorted(signal["kind"] for signal in inputs["signals"]) == ["linked_overdue", "score_update"]
    assert inputs["outcome"]["reason_codes"] == ["score_drop", "linked_overdue"]


def test_the_record_of_a_policy_change_names_rules_signals_and_reasons(cut, policy):
    record = limit_change_record(cut.limit_change)
    assert record["policy_version"] == policy.label
    assert record["reason_codes"] == ["score_drop", "linked_overdue"]
    assert [rule["rule"] for rule in record["rules"]] == ["score_drop", "linked_overdue", "cut"]
    assert len(record["signals"]) == 2
    assert record["figures"]["score_high"] == 752
    assert record["staff"] is None


def test_an_appeal_keeps_the_full_record_as_filed(cut, borrower):
    appeal = appeal_submit(
        user=borrower,
        limit_change=cut.limit_change,
        grounds="data_wrong",
        statement="The overdue was a bank error.",
        desired_outcome="restore",
    )
    assert appeal.decision_snapshot["record"]["rules"][0]["figures"]["score_now"] == 690
    assert appeal.decision_snapshot["inputs"]["rules"]
    assert len(appeal.decision_snapshot["record"]["signals"]) == 2


def test_an_approved_freeze_records_who_approved_and_why(policy, borrower):
    account = credit_account(customer=borrower.customer, credit_limit="30000.00")
    RiskSignalFactory(account=account, kind="linked_overdue", value="75")
    (decision,) = risk.risk_evaluation_run()
    approver = StaffFactory(group="Supervisor")
    decision = risk.risk_decision_approve(
        decision=decision, reviewer=approver, note="75 days overdue, confirmed by phone"
    )
    record = limit_change_record(decision.limit_change)
    assert record["staff"] == {"who": approver.email, "why": "75 days overdue, confirmed by phone", "approved": True}
    assert [rule["rule"] for rule in record["rules"]] == ["linked_overdue", "freeze"]


def test_the_borrower_sees_rules_and_signals_but_no_staff_thresholds_or_ids(cut):
    record = decision_record_for_borrower(limit_change_record(cut.limit_change))
    assert "staff" not in record
    assert all(set(rule) == {"rule", "figures"} for rule in record["rules"])
    assert all("id" not in signal for signal in record["signals"])
    assert record["reason_codes"] == ["score_drop", "linked_overdue"]


def test_the_admin_include_shows_the_record_in_chinese_with_money_formatted(cut):
    with translation.override("zh-hans"):
        html = render_to_string(
            "admin/includes/decision_record.html",
            {"record": decision_record_present(limit_change_record(cut.limit_change))},
        )
    assert "¥50,000.00" in html and "¥25,000.00" in html
    assert "决策记录" in html
    assert "Credit score fell" not in html
    assert LimitChange.objects.get(pk=cut.limit_change.pk).new_limit == Decimal("25000.00")


def test_the_api_shows_the_borrower_the_rules_and_signals_in_a_fixed_number_of_queries(
    cut, borrower, django_assert_max_num_queries
):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(borrower)
    with django_assert_max_num_queries(12):
        rows = client.get(f"/api/v1/accounts/{cut.account.pk}/limit-changes/").json()["results"]
    record = rows[0]["record"]
    assert [rule["rule"] for rule in record["rules"]] == ["score_drop", "linked_overdue", "cut"]
    assert all(set(rule) == {"rule", "figures"} for rule in record["rules"])  # no thresholds
    assert sorted(signal["kind"] for signal in record["signals"]) == ["linked_overdue", "score_update"]
    assert "staff" not in record and all("id" not in signal for signal in record["signals"])
    assert rows[1]["record"] == {"policy_version": "", "rules": [], "signals": []}  # the opening
