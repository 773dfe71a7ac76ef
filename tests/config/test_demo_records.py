"""Issue 16: the demo's limit changes carry full decision records, and its clearance case reads in
the language of the staff who wrote it (Chinese on the Chinese admin)."""

import pytest
from django.core.management import call_command

from accounts.models import ClearanceCase, LimitChange
from accounts.risk.records import limit_change_record

pytestmark = pytest.mark.django_db


def test_the_demo_cut_has_a_full_decision_record():
    call_command("seed_demo")
    cut = LimitChange.objects.get(kind=LimitChange.Kind.RISK_REDUCTION)
    record = limit_change_record(cut)
    assert record["policy_version"]
    assert [rule["rule"] for rule in record["rules"]] == ["score_drop", "cut"]
    assert record["rules"][0]["figures"]["score_now"] == 684
    assert [signal["kind"] for signal in record["signals"]] == ["score_update"]
    assert cut.new_limit == 35000


def test_the_demo_clearance_statement_is_in_the_proposers_language():
    call_command("seed_demo")
    case = ClearanceCase.objects.get(account__external_id="ACC-0002")
    assert case.proposer.preferred_language == "zh-hans"
    assert "欺诈报告" in case.statement
