"""Customer segments: which segment an account is in, the thresholds a policy version sets per
segment, the segment each decision records (and no notice shows), and who may edit and switch
sets on."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import CreditAccount, PolicyVersion, RiskDecision, SegmentRule, SegmentSet
from accounts.risk import services as risk
from accounts.risk.segments import selectors as segments
from accounts.risk.segments import services as segment_services
from portal.exceptions import PortalError
from portal.models import AuditEvent, Notification
from tests.factories import (
    BorrowerFactory,
    CreditProductFactory,
    RepaymentInstallmentFactory,
    RiskSignalFactory,
    SegmentRuleFactory,
    SegmentSetFactory,
    StaffFactory,
    credit_account,
    score_history,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English; the catalogue's default language is Chinese."""
    with translation.override("en"):
        yield


# Recognisable in any text a borrower might read.
SECRET_LABEL = "Thin-file youngsters 薄档青年"


def active_set(*rules):
    """An active set of these rules (keyword dicts), in order, ending with a catch-all."""
    segment_set = SegmentSetFactory(status=SegmentSet.Status.ACTIVE)
    for position, conditions in enumerate([*rules, {"key": "everyone-else"}], start=1):
        SegmentRuleFactory(segment_set=segment_set, position=position, **conditions)
    return segment_set


def placed(*accounts):
    """Each account's segment under the active set, read in one query."""
    rules = segments.segment_rules(segments.segment_set_active())
    found = segments.account_segments_many(account_ids=[a.pk for a in accounts], rules=rules)
    return [found[a.pk] for a in accounts]


# --- membership ------------------------------------------------------------------------------


def test_an_account_is_placed_by_tenure():
    active_set({"key": "new", "max_tenure_days": 90}, {"key": "seasoned", "min_tenure_days": 365})
    now = timezone.now()
    new = credit_account(opened_at=now - timedelta(days=10))
    middle = credit_account(opened_at=now - timedelta(days=200))
    old = credit_account(opened_at=now - timedelta(days=400))
    assert placed(new, middle, old) == ["new", "everyone-else", "seasoned"]


def test_an_account_is_placed_by_utilisation_band_and_a_line_without_limit_counts_as_full():
    active_set(
        {"key": "low-use", "max_utilisation_percent": 30},
        {"key": "mid-use", "min_utilisation_percent": 30, "max_utilisation_percent": 80},
    )
    low = credit_account(credit_limit="10000.00", outstanding_balance="2999.00")
    mid = credit_account(credit_limit="10000.00", outstanding_balance="3000.00")
    high = credit_account(credit_limit="10000.00", outstanding_balance="8000.00")
    empty_line = credit_account(credit_limit="0.00", outstanding_balance="100.00")
    assert placed(low, mid, high, empty_line) == ["low-use", "mid-use", "everyone-else", "everyone-else"]


def test_an_account_is_placed_by_product():
    student = CreditProductFactory(code="student", name_zh="校园", name_en="Campus")
    active_set({"key": "campus", "product": student})
    assert placed(credit_account(product=student), credit_account()) == ["campus", "everyone-else"]


def test_an_account_is_placed_by_its_repayment_record_of_the_last_year():
    active_set({"key": "late-payers", "min_late_installments": 2})
    today = timezone.localdate()
    late, punctual, long_ago = credit_account(), credit_account(), credit_account()
    RepaymentInstallmentFactory(account=late, due_date=today - timedelta(days=40), status="overdue")
    RepaymentInstallmentFactory(
        account=late,
        due_date=today - timedelta(days=70),
        status="paid",
        amount_paid="1200.00",
        paid_at=timezone.now() - timedelta(days=60),
    )
    RepaymentInstallmentFactory(
        account=punctual,
        due_date=today - timedelta(days=40),
        status="paid",
        amount_paid="1200.00",
        paid_at=timezone.now() - timedelta(days=42),
    )
    for days in (400, 500):  # late, but more than a year ago
        RepaymentInstallmentFactory(account=long_ago, due_date=today - timedelta(days=days), status="overdue")
    assert placed(late, punctual, long_ago) == ["late-payers", "everyone-else", "everyone-else"]


def test_an_account_is_in_exactly_one_segment_the_first_rule_it_meets():
    active_set({"key": "new", "max_tenure_days": 90}, {"key": "heavy-use", "min_utilisation_percent": 80})
    both = credit_account(credit_limit="1000.00", outstanding_balance="900.00")
    assert placed(both) == ["new"]
    SegmentRule.objects.filter(key="everyone-else").update(position=4)
    SegmentRule.objects.filter(key="new").update(position=3)
    assert placed(both) == ["heavy-use"]


def test_accounts_are_placed_in_a_fixed_number_of_queries(django_assert_max_num_queries):
    active_set({"key": "new", "max_tenure_days": 90}, {"key": "late-payers", "min_late_installments": 1})
    accounts = [credit_account() for _ in range(12)]
    rules = segments.segment_rules(segments.segment_set_active())
    with django_assert_max_num_queries(1):
        found = segments.account_segments_many(account_ids=[a.pk for a in accounts], rules=rules)
    assert set(found.values()) == {"new"}


# --- policy overrides ------------------------------------------------------------------------


def test_a_segment_override_changes_only_that_segments_thresholds():
    active_set({"key": "new", "max_tenure_days": 90})
    policy = PolicyVersion(name="p", warn_before_cut=False, segment_overrides={"new": {"base_cut_percent": 60}})
    for_new = segments.policy_for_segment(policy, "new")
    assert (for_new.base_cut_percent, segments.policy_for_segment(policy, "everyone-else").base_cut_percent) == (60, 30)
    assert policy.base_cut_percent == 30  # the version itself is untouched
    figures = risk.AccountFigures(credit_limit=Decimal("10000"), status="active", score_now=690, score_high=750)
    assert risk.policy_decide(policy=for_new, figures=figures).target_limit == Decimal("4000")
    assert risk.policy_decide(policy=policy, figures=figures).target_limit == Decimal("7000")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"nobody": {"base_cut_percent": 40}}, "No segment has the key"),
        ({"new": {"macro_tightening": True}}, "cannot be set per segment"),
        ({"new": {"base_cut_percent": 140}}, "must be a number from 0 to 100"),
        ({"new": {"score_drop_points": "many"}}, "must be a number"),
        ({"new": {"score_drop_points": 12.5}}, "must be a number"),
        ({"new": {}}, "Give the parameters"),
        (["new"], "Write the overrides"),
    ],
)
def test_overrides_that_make_no_sense_are_refused(overrides, message):
    active_set({"key": "new", "max_tenure_days": 90})
    policy = PolicyVersion(name="p", segment_overrides=overrides)
    with pytest.raises(ValidationError) as refused:
        policy.full_clean()
    assert message in str(refused.value.message_dict["segment_overrides"])


def test_an_analyst_cannot_save_bad_overrides_in_admin(client):
    active_set({"key": "new", "max_tenure_days": 90})
    analyst = StaffFactory(group="Risk analyst", preferred_language="en")
    client.force_login(analyst)
    draft = PolicyVersion.objects.create(name="Draft", created_by=analyst)
    form = {
        name: getattr(draft, name)
        for name in risk.POLICY_PARAMETERS
        if not isinstance(getattr(draft, name), bool) or getattr(draft, name)
    }
    response = client.post(
        reverse("admin:accounts_policyversion_change", args=[draft.pk]),
        {**form, "name": "Draft", "segment_overrides": '{"new": {"base_cut_percent": 140}}'},
    )
    assert response.status_code == 200
    assert "must be a number from 0 to 100" in response.content.decode()
    draft.refresh_from_db()
    assert draft.segment_overrides == {}


@pytest.fixture
def policy():
    """The active baseline, cutting at once (no warning first)."""
    PolicyVersion.objects.active().update(warn_before_cut=False)
    return PolicyVersion.objects.active().get()


def fall(account, *, to=690):
    score_history(account, [750, to], days_apart=10)
    RiskSignalFactory(account=account, kind="score_update", value=str(to))


def test_a_decision_uses_its_segments_cut_and_records_the_segment(policy):
    active_set({"key": "new", "max_tenure_days": 90})
    PolicyVersion.objects.filter(pk=policy.pk).update(segment_overrides={"new": {"base_cut_percent": 60}})
    new = credit_account(credit_limit="10000.00")
    seasoned = credit_account(credit_limit="10000.00", opened_at=timezone.now() - timedelta(days=400))
    fall(new)
    fall(seasoned)

    decisions = {d.account_id: d for d in risk.risk_evaluation_run()}

    assert (decisions[new.pk].segment, decisions[new.pk].proposed_limit) == ("new", Decimal("4000.00"))
    assert (decisions[seasoned.pk].segment, decisions[seasoned.pk].proposed_limit) == (
        "everyone-else",
        Decimal("7000.00"),
    )
    assert decisions[new.pk].status == RiskDecision.Status.PENDING_APPROVAL  # 60 % is above the 50 % approval line
    assert decisions[new.pk].inputs["policy"]["parameters"]["base_cut_percent"] == 60  # the record names what applied


def test_the_preview_uses_each_segments_thresholds():
    active_set({"key": "new", "max_tenure_days": 90})
    score_history(credit_account(credit_limit="10000.00"), [750, 690], days_apart=10)
    draft = PolicyVersion.objects.create(name="Draft", segment_overrides={"new": {"base_cut_percent": 60}})
    assert risk.policy_version_preview(policy=draft)["limit_removed"] == Decimal("6000.00")


def test_a_copy_of_a_version_keeps_its_segment_overrides(policy):
    PolicyVersion.objects.filter(pk=policy.pk).update(segment_overrides={"new": {"base_cut_percent": 60}})
    policy.refresh_from_db()
    copy = risk.policy_version_copy(policy=policy, actor=StaffFactory(group="Risk analyst"))
    assert copy.segment_overrides == {"new": {"base_cut_percent": 60}}


def test_a_decision_without_an_active_segment_set_records_no_segment(policy):
    account = credit_account()
    fall(account)
    (decision,) = risk.risk_evaluation_run()
    assert decision.segment == ""
    assert decision.kind == RiskDecision.Kind.REDUCTION


def test_a_run_acts_on_an_account_only_its_segments_lower_threshold_catches(policy):
    active_set({"key": "new", "max_tenure_days": 90})
    PolicyVersion.objects.filter(pk=policy.pk).update(
        segment_overrides={"new": {"score_drop_points": 15, "watch_score_drop_points": 10}}
    )
    new = credit_account(credit_limit="10000.00")
    seasoned = credit_account(credit_limit="10000.00", opened_at=timezone.now() - timedelta(days=400))
    fall(new, to=730)  # 20 points: under the baseline's 30-point warning, over the segment's cut
    fall(seasoned, to=730)

    (decision,) = risk.risk_evaluation_run()

    assert (decision.account_id, decision.kind, decision.segment) == (new.pk, RiskDecision.Kind.REDUCTION, "new")
    assert CreditAccount.objects.get(pk=seasoned.pk).credit_limit == Decimal("10000.00")


def test_notices_give_the_reasons_never_the_segment(policy):
    borrower_zh = BorrowerFactory(preferred_language="zh-hans")
    borrower_en = BorrowerFactory(preferred_language="en")
    active_set({"key": "thin-file", "label": SECRET_LABEL, "max_tenure_days": 90})
    PolicyVersion.objects.filter(pk=policy.pk).update(segment_overrides={"thin-file": {"base_cut_percent": 40}})
    for borrower in (borrower_zh, borrower_en):
        fall(credit_account(customer=borrower.customer, credit_limit="10000.00"))

    decisions = risk.risk_evaluation_run()

    assert {d.segment for d in decisions} == {"thin-file"}
    notices = list(Notification.objects.filter(recipient__in=[borrower_zh, borrower_en]))
    assert len(notices) == 2
    for notice in notices:
        stored = " ".join(
            [notice.title, notice.body, str(notice.params), notice.email_subject, notice.email_text, notice.email_html]
        )
        assert SECRET_LABEL not in stored
        assert "thin-file" not in stored
        assert "score" in str(notice.params)  # the reason is there


def test_the_notice_page_shows_the_reason_not_the_segment(client, policy):
    borrower = BorrowerFactory(preferred_language="en")
    active_set({"key": "thin-file", "label": SECRET_LABEL, "max_tenure_days": 90})
    fall(credit_account(customer=borrower.customer, credit_limit="10000.00"))
    risk.risk_evaluation_run()
    notice = Notification.objects.get(recipient=borrower)
    client.force_login(borrower)
    for language in ("en", "zh-hans"):
        page = client.get(reverse("notification_detail", args=[notice.pk]), HTTP_ACCEPT_LANGUAGE=language)
        assert page.status_code == 200
        assert SECRET_LABEL not in page.content.decode()
        assert "thin-file" not in page.content.decode()


# --- editing and switching sets on -----------------------------------------------------------


def draft_set(*rules):
    segment_set = SegmentSetFactory()
    for position, conditions in enumerate(rules, start=1):
        SegmentRuleFactory(segment_set=segment_set, position=position, **conditions)
    return segment_set


def test_an_analyst_switches_a_complete_draft_on_and_the_old_set_is_retired():
    old = active_set()
    draft = draft_set({"key": "new", "max_tenure_days": 90}, {"key": "rest"})
    analyst = StaffFactory(group="Risk analyst")

    segment_services.segment_set_activate(segment_set=draft, actor=analyst)

    draft.refresh_from_db()
    old.refresh_from_db()
    assert (draft.status, old.status, draft.activated_by) == ("active", "retired", analyst)
    event = AuditEvent.objects.get(action="segment_set.activated")
    assert (event.actor, event.after["active"], event.before["active"]) == (analyst, draft.label, old.label)
    assert [rule["key"] for rule in event.after["rules"]] == ["new", "rest"]


def test_a_set_without_a_catch_all_is_refused_and_nothing_changes():
    old = active_set()
    draft = draft_set({"key": "new", "max_tenure_days": 90})
    with pytest.raises(PortalError, match="end with a rule without any"):
        segment_services.segment_set_activate(segment_set=draft, actor=StaffFactory(group="Risk analyst"))
    assert SegmentSet.objects.get(pk=old.pk).status == "active"
    assert SegmentSet.objects.get(pk=draft.pk).status == "draft"
    assert not AuditEvent.objects.filter(action="segment_set.activated").exists()


def test_an_empty_set_is_refused():
    with pytest.raises(PortalError, match="no rules"):
        segment_services.segment_set_activate(segment_set=draft_set(), actor=StaffFactory(group="Risk analyst"))


def test_staff_without_permission_cannot_switch_a_set_on():
    draft = draft_set({"key": "rest"})
    with pytest.raises(PortalError) as refused:
        segment_services.segment_set_activate(segment_set=draft, actor=StaffFactory(group="Support agent"))
    assert refused.value.code == "forbidden"
    assert SegmentSet.objects.get(pk=draft.pk).status == "draft"


def test_an_active_set_cannot_be_switched_on_again():
    with pytest.raises(PortalError, match="Only a draft"):
        segment_services.segment_set_activate(segment_set=active_set(), actor=StaffFactory(group="Risk analyst"))


def test_copying_a_set_makes_a_draft_with_the_same_rules_and_is_audited():
    source = active_set({"key": "new", "max_tenure_days": 90})
    analyst = StaffFactory(group="Risk analyst")
    draft = segment_services.segment_set_copy(segment_set=source, actor=analyst)
    assert draft.status == "draft"
    assert list(draft.rules.order_by("position").values_list("key", "max_tenure_days")) == [
        ("new", 90),
        ("everyone-else", None),
    ]
    assert AuditEvent.objects.get(action="segment_set.copied").before == {"from": source.label}


def rule_formset(rules, *, initial=0):
    data = {
        "rules-TOTAL_FORMS": str(len(rules)),
        "rules-INITIAL_FORMS": str(initial),
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "1000",
    }
    for index, rule in enumerate(rules):
        for name, value in rule.items():
            data[f"rules-{index}-{name}"] = value
    return data


def test_an_analyst_writes_a_set_in_admin_and_the_edit_is_audited(client):
    analyst = StaffFactory(group="Risk analyst")
    client.force_login(analyst)
    response = client.post(
        reverse("admin:accounts_segmentset_add"),
        {
            "name": "Tenure",
            "notes": "",
            **rule_formset(
                [
                    {"position": "1", "key": "new", "label": "New customers", "max_tenure_days": "90"},
                    {"position": "2", "key": "rest", "label": "Everyone else"},
                ]
            ),
        },
    )
    assert response.status_code == 302
    segment_set = SegmentSet.objects.get(name="Tenure")
    assert segment_set.created_by == analyst
    event = AuditEvent.objects.get(action="segment_set.created")
    assert event.actor == analyst
    assert [rule["key"] for rule in event.after["rules"]] == ["new", "rest"]


def test_a_rule_with_its_bounds_the_wrong_way_round_is_refused_in_admin(client):
    client.force_login(StaffFactory(group="Risk analyst", preferred_language="en"))
    response = client.post(
        reverse("admin:accounts_segmentset_add"),
        {
            "name": "Backwards",
            "notes": "",
            **rule_formset(
                [{"position": "1", "key": "odd", "label": "Odd", "min_tenure_days": "90", "max_tenure_days": "30"}]
            ),
        },
    )
    assert response.status_code == 200
    assert "must not be below the lower bound" in response.content.decode()
    assert not SegmentSet.objects.filter(name="Backwards").exists()
    assert not AuditEvent.objects.filter(action__startswith="segment_set.").exists()


def test_an_active_set_is_read_only_in_admin(client):
    segment_set = active_set({"key": "new", "max_tenure_days": 90})
    client.force_login(StaffFactory(group="Risk analyst"))
    response = client.post(
        reverse("admin:accounts_segmentset_change", args=[segment_set.pk]), {"name": "Changed", "notes": ""}
    )
    assert response.status_code == 403
    assert SegmentSet.objects.get(pk=segment_set.pk).name == "Segments"


def test_staff_outside_risk_cannot_open_the_segment_pages(client):
    client.force_login(StaffFactory(group="Support agent"))
    assert client.get(reverse("admin:accounts_segmentset_changelist")).status_code == 403


def test_the_segment_set_list_has_a_bounded_query_count(client, django_assert_max_num_queries):
    for _ in range(5):
        draft_set({"key": "new", "max_tenure_days": 90}, {"key": "rest"})
    client.force_login(StaffFactory(group="Risk analyst"))
    with django_assert_max_num_queries(15):
        response = client.get(reverse("admin:accounts_segmentset_changelist"))
    assert response.status_code == 200


def test_one_accounts_segment_is_read_under_the_active_set():
    account = credit_account()
    assert segments.account_segment_get(account=account) == ""  # no set in force yet
    active_set({"key": "new", "max_tenure_days": 90})
    assert segments.account_segment_get(account=account) == "new"


def test_an_analyst_deletes_a_draft_in_admin_and_the_deletion_is_audited(client):
    draft = draft_set({"key": "rest"})
    analyst = StaffFactory(group="Risk analyst")
    client.force_login(analyst)
    response = client.post(reverse("admin:accounts_segmentset_delete", args=[draft.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not SegmentSet.objects.filter(pk=draft.pk).exists()
    event = AuditEvent.objects.get(action="segment_set.deleted")
    assert (event.actor, event.target_id, event.before["rules"][0]["key"]) == (analyst, str(draft.pk), "rest")


def test_a_set_that_was_in_force_cannot_be_deleted():
    segment_set = active_set()
    with pytest.raises(PortalError, match="Only a draft"):
        segment_services.segment_set_delete(segment_set=segment_set, actor=StaffFactory(group="Risk analyst"))
    assert SegmentSet.objects.filter(pk=segment_set.pk).exists()
