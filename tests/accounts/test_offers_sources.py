"""Where offers of a higher limit come from: staff in the admin (a second person above the
setting), the core system through the integration API, and the daily rule."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.credit import offer_rules, offers
from accounts.credit.services import limit_change_apply
from accounts.models import CreditAccount, IncreaseOffersOptOut, LimitChange, LimitOffer
from portal import switches
from portal.models import AuditEvent, Notification
from tests.factories import (
    BorrowerFactory,
    RepaymentInstallmentFactory,
    StaffFactory,
    UserFactory,
    credit_account,
    score_history,
)

pytestmark = pytest.mark.django_db

OFFERS_URL = "/api/integration/v1/limit-offers/"


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, whatever the catalogue's default language."""
    with translation.override("en"):
        yield


@pytest.fixture
def account(borrower):
    return credit_account(customer=borrower.customer, credit_limit="20000.00", external_id="ACC-OFFER")


@pytest.fixture
def analyst(db):
    return StaffFactory(group="Risk analyst", preferred_language="en")


@pytest.fixture
def supervisor(db):
    return StaffFactory(group="Supervisor", preferred_language="en")


def later(days=14):
    return (timezone.localtime() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def make_form(account_external_id="ACC-OFFER", **overrides):
    return {
        "account": account_external_id,
        "offered_limit": "25000.00",
        "reason_zh": "您的还款记录良好。",
        "reason_en": "Your repayment record is good.",
        "expires_at": later(),
        **overrides,
    }


ADD_URL = "/admin/accounts/limitoffer/add/"
LIST_URL = "/admin/accounts/limitoffer/"


# --- staff ------------------------------------------------------------------------------------


def test_an_analyst_offers_a_higher_limit_from_the_admin_and_the_borrower_is_told(
    client, analyst, account, borrower, django_capture_on_commit_callbacks
):
    client.force_login(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ADD_URL, make_form())
    assert response.status_code == 302
    offer = LimitOffer.objects.get(account=account)
    assert (offer.source, offer.status, offer.offered_by) == ("staff", "open", analyst)
    assert offer.offered_limit == Decimal("25000.00")
    assert CreditAccount.objects.get(pk=account.pk).credit_limit == Decimal("20000.00")
    assert Notification.objects.filter(recipient=borrower, kind="limit_offer").count() == 1
    assert len(mail.outbox) == 1
    event = AuditEvent.objects.get(action="limit_offer.made")
    assert event.actor_id == analyst.pk and event.after["source"] == "staff"


def test_the_admin_offer_page_has_a_label_for_every_field(client, analyst, account):
    client.force_login(analyst)
    page = client.get(ADD_URL).content.decode()
    for name in ["account", "offered_limit", "reason_zh", "reason_en", "expires_at"]:
        assert f'for="id_{name}"' in page


def test_staff_without_the_permission_cannot_offer(client, account):
    editor = StaffFactory(group="Content editor")
    client.force_login(editor)
    assert client.post(ADD_URL, make_form()).status_code == 403
    assert not LimitOffer.objects.exists()
    assert AuditEvent.objects.filter(action="limit_offer.refused", actor=editor).exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"offered_limit": "20000.00"}, "offered_limit", "An offer must be higher than the current limit"),
        ({"offered_limit": "-5"}, "offered_limit", "greater than or equal to 0.01"),
        ({"account": "ACC-NOPE"}, "account", "No credit line has this external id."),
        ({"expires_at": later(-1)}, "expires_at", "Choose an expiry in the future"),
        ({"expires_at": later(91)}, "expires_at", "at most 90 days ahead"),
        ({"reason_en": ""}, "reason_en", "Explain the offer in English."),
    ],
)
def test_bad_input_on_the_admin_offer_form_is_refused_and_changes_nothing(
    client, analyst, account, overrides, field, message
):
    client.force_login(analyst)
    response = client.post(ADD_URL, make_form(**overrides))
    assert response.status_code in (400, 409)
    assert message in str(response.context["form"].errors.get(field, ""))
    assert not LimitOffer.objects.exists()


def test_staff_cannot_offer_to_a_borrower_who_opted_out(client, analyst, account, borrower):
    offers.increase_offers_preference_set(user=borrower, opted_out=True)
    client.force_login(analyst)
    response = client.post(ADD_URL, make_form())
    assert "asked not to be offered limit increases" in response.content.decode()
    assert not LimitOffer.objects.exists()


def test_a_large_offer_waits_for_a_second_person_before_the_borrower_sees_it(
    client, analyst, supervisor, account, borrower, settings, django_capture_on_commit_callbacks
):
    settings.LIMIT_OFFER_SECOND_APPROVAL_ABOVE = Decimal("24000")
    client.force_login(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(ADD_URL, make_form())
    offer = LimitOffer.objects.get()
    assert offer.status == LimitOffer.Status.PENDING_APPROVAL
    assert not Notification.objects.filter(recipient=borrower).exists()
    assert not LimitOffer.objects.for_user(borrower).exists()
    # The one who made it cannot approve it, even with the permission.
    analyst.groups.add(Group.objects.get(name="Supervisor"))
    with pytest.raises(offers.PortalError, match="Someone other than the person"):
        offers.limit_offer_approve(actor=analyst, offer_id=offer.pk)
    client.force_login(supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(LIST_URL, {"action": "approve_selected", "_selected_action": [offer.pk]})
    offer.refresh_from_db()
    assert (offer.status, offer.approved_by) == (LimitOffer.Status.OPEN, supervisor)
    assert Notification.objects.filter(recipient=borrower, kind="limit_offer").count() == 1
    assert AuditEvent.objects.filter(action="limit_offer.approved", actor=supervisor).exists()


def test_an_analyst_cannot_approve_a_large_offer(analyst, account, settings):
    settings.LIMIT_OFFER_SECOND_APPROVAL_ABOVE = Decimal("24000")
    maker = StaffFactory(group="Risk analyst")
    offer = offers.limit_offer_staff_make(
        actor=maker,
        account=account,
        offered_limit="25000.00",
        reason_zh="原因",
        reason_en="Reason",
        expires_at=timezone.now() + timedelta(days=3),
    )
    with pytest.raises(offers.PortalError, match="permission"):
        offers.limit_offer_approve(actor=analyst, offer_id=offer.pk)
    offer.refresh_from_db()
    assert offer.status == LimitOffer.Status.PENDING_APPROVAL


def test_approving_after_the_borrower_opted_out_withdraws_the_offer(supervisor, analyst, account, borrower, settings):
    settings.LIMIT_OFFER_SECOND_APPROVAL_ABOVE = Decimal("24000")
    offer = offers.limit_offer_staff_make(
        actor=analyst,
        account=account,
        offered_limit="25000.00",
        reason_zh="原因",
        reason_en="Reason",
        expires_at=timezone.now() + timedelta(days=3),
    )
    IncreaseOffersOptOut.objects.create(customer=borrower.customer)
    offers.limit_offer_approve(actor=supervisor, offer_id=offer.pk)
    offer.refresh_from_db()
    assert offer.status == LimitOffer.Status.WITHDRAWN
    assert not Notification.objects.filter(recipient=borrower).exists()


def test_staff_withdraw_an_open_offer_and_its_links_stop_working(client, analyst, account, borrower):
    offer = offers.limit_offer_staff_make(
        actor=analyst,
        account=account,
        offered_limit="25000.00",
        reason_zh="原因",
        reason_en="Reason",
        expires_at=timezone.now() + timedelta(days=3),
    )
    client.force_login(analyst)
    client.post(LIST_URL, {"action": "withdraw_selected", "_selected_action": [offer.pk]})
    offer.refresh_from_db()
    assert offer.status == LimitOffer.Status.WITHDRAWN
    assert AuditEvent.objects.filter(action="limit_offer.withdrawn", actor=analyst).exists()
    client.logout()
    token = offers.offer_answer_token(offer, recipient=borrower, answer="accept")
    assert client.post(reverse("offer_answer_link", args=[token])).status_code == 409
    assert CreditAccount.objects.get(pk=account.pk).credit_limit == Decimal("20000.00")


def test_an_answered_offer_cannot_be_withdrawn(analyst, account, borrower):
    offer = offers.limit_offer_staff_make(
        actor=analyst,
        account=account,
        offered_limit="25000.00",
        reason_zh="原因",
        reason_en="Reason",
        expires_at=timezone.now() + timedelta(days=3),
    )
    offers.limit_offer_decline(user=borrower, account_id=account.pk, offer_id=offer.pk, channel="web")
    with pytest.raises(offers.PortalError, match="Only an open offer"):
        offers.limit_offer_withdraw(actor=analyst, offer_id=offer.pk)


def test_the_admin_offer_list_filters_and_searches_within_a_bounded_number_of_queries(
    client, analyst, django_assert_max_num_queries
):
    for number in range(12):
        line = credit_account(credit_limit="10000.00", external_id=f"ACC-LIST-{number:02d}")
        offers.limit_offer_make(
            account=line,
            offered_limit="12000.00",
            reason_zh="原因",
            reason_en="Reason",
            source=LimitOffer.Source.CORE_SYSTEM if number % 2 else LimitOffer.Source.POLICY,
        )
    client.force_login(analyst)
    with django_assert_max_num_queries(20):
        page = client.get(LIST_URL)
    assert page.status_code == 200 and page.context["cl"].result_count == 12
    filtered = client.get(LIST_URL, {"source__exact": "core_system", "status__exact": "open"})
    assert {offer.source for offer in filtered.context["cl"].result_list} == {"core_system"}
    assert filtered.context["cl"].result_count == 6
    found = client.get(LIST_URL, {"q": "ACC-LIST-03"})
    assert [str(offer.account) for offer in found.context["cl"].result_list] == ["ACC-LIST-03"]


def freeze(line):
    limit_change_apply(
        account=line,
        kind=LimitChange.Kind.VOLUNTARY_PAUSE,
        new_status=CreditAccount.Status.FROZEN,
        decided_by=LimitChange.DecidedBy.BORROWER,
    )


# --- core system ------------------------------------------------------------------------------


@pytest.fixture
def core_client(db):
    user = UserFactory(email="core-system@lender.example")
    user.groups.add(Group.objects.get(name="Core system integration"))
    token = Token.objects.create(user=user)
    return APIClient(HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_ACCEPT_LANGUAGE="en")


def offer_body(**overrides):
    return {
        "account_external_id": "ACC-OFFER",
        "offered_limit": "26000.00",
        "reason_zh": "您的评分提高了。",
        "reason_en": "Your score went up.",
        **overrides,
    }


def test_the_core_system_makes_an_offer_and_the_limit_does_not_change(
    core_client, account, borrower, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = core_client.post(OFFERS_URL, offer_body(reference="CORE-77"), format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["offered"] is True and body["offer"]["offered_limit"] == "26000.00"
    offer = LimitOffer.objects.get(pk=body["offer"]["id"])
    assert (offer.source, offer.source_reference, offer.status) == ("core_system", "CORE-77", "open")
    assert CreditAccount.objects.get(pk=account.pk).credit_limit == Decimal("20000.00")
    assert len(mail.outbox) == 1


def test_an_opted_out_borrower_is_answered_offered_false_and_nothing_is_made(core_client, account, borrower):
    offers.increase_offers_preference_set(user=borrower, opted_out=True)
    response = core_client.post(OFFERS_URL, offer_body(), format="json")
    assert response.status_code == 200
    assert response.json() == {"offered": False, "reason": "opted_out", "offer": None}
    assert not LimitOffer.objects.exists()
    assert not Notification.objects.filter(recipient=borrower).exists()


def test_the_same_idempotency_key_answers_again_without_a_second_offer(core_client, account):
    first = core_client.post(OFFERS_URL, offer_body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = core_client.post(OFFERS_URL, offer_body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    other = core_client.post(OFFERS_URL, offer_body(offered_limit="27000"), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, again.status_code, other.status_code) == (201, 201, 409)
    assert first.json() == again.json()
    assert other.json()["code"] == "idempotency_key"
    assert LimitOffer.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (offer_body(account_external_id="ACC-NOPE"), "account_external_id", "No credit account has this external id"),
        (offer_body(offered_limit="20000.00"), "offered_limit", "An offer must be higher than the current limit"),
        (offer_body(offered_limit="-1"), "offered_limit", "cannot be negative"),
        (offer_body(offered_limit="1e3"), "offered_limit", "Expected a number"),
        (offer_body(reason_en=""), "reason_en", "This field is required."),
        (offer_body(colour="red"), "colour", "Unknown field"),
        (offer_body(expires_at="2020-01-01T00:00:00+08:00"), "expires_at", "Choose an expiry in the future"),
        (offer_body(expires_at="2099-01-01T00:00:00+08:00"), "expires_at", "at most 90 days ahead"),
        ([offer_body()], "non_field_errors", "Each row must be an object"),
    ],
)
def test_bad_input_from_the_core_system_is_refused_with_its_field_and_nothing_is_made(
    core_client, account, body, field, message
):
    response = core_client.post(OFFERS_URL, body, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert errors["code"] == "invalid" and message in " ".join(errors["field_errors"][field])
    assert not LimitOffer.objects.exists()


def test_an_offer_on_a_frozen_line_is_refused_with_409(core_client, account):
    freeze(account)
    response = core_client.post(OFFERS_URL, offer_body(), format="json")
    assert response.status_code == 409 and response.json()["code"] == "not_active"
    assert not LimitOffer.objects.exists()


def test_only_the_integration_service_account_may_make_offers(account, borrower):
    token = Token.objects.create(user=borrower)
    response = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}").post(OFFERS_URL, offer_body(), format="json")
    assert response.status_code == 403
    assert APIClient().post(OFFERS_URL, offer_body(), format="json").status_code == 401
    assert not LimitOffer.objects.exists()


def test_an_increase_pushed_as_an_account_row_names_the_offers_endpoint(core_client, account):
    row = {
        "external_id": "ACC-OFFER",
        "customer_external_id": account.customer.external_id,
        "product_code": account.product.code,
        "credit_limit": "30000.00",
        "reason_codes": ["score_drop"],
        "opened_at": account.opened_at.isoformat(),
    }
    response = core_client.post("/api/integration/v1/accounts/", {"rows": [row]}, format="json")
    assert response.status_code == 409
    assert OFFERS_URL in response.json()["errors"][0]["message"]


# --- the daily rule ---------------------------------------------------------------------------


def rising_line(**kwargs):
    line = credit_account(credit_limit="20000.00", outstanding_balance="2000.00", **kwargs)
    score_history(line, [640, 700], days_apart=60)
    return line


def test_the_rule_offers_a_line_whose_score_rose_in_the_products_steps(django_capture_on_commit_callbacks):
    borrower = BorrowerFactory(preferred_language="en")
    line = rising_line(customer=borrower.customer)
    with django_capture_on_commit_callbacks(execute=True):
        assert offer_rules.limit_offers_by_rule() == 1
    offer = LimitOffer.objects.get(account=line)
    assert (offer.source, offer.offered_limit, offer.reason_code) == ("policy", Decimal("24000.00"), "score_improved")
    assert "from 640 to 700" in offer.reason_en and "640" in offer.reason_zh and "升至" in offer.reason_zh
    assert len(mail.outbox) == 1


def test_the_rule_offers_nothing_while_automated_decisions_are_paused():
    line = rising_line()
    supervisor = StaffFactory(group="Supervisor")
    switch = switches.emergency_switch_turn_on(
        actor=supervisor, kind="decisions", reason="Scores from the core system are wrong today."
    )

    assert offer_rules.limit_offers_by_rule() == 0
    assert not LimitOffer.objects.filter(account=line).exists()

    switches.emergency_switch_off_request(switch=switch, actor=supervisor)
    switches.emergency_switch_off_approve(switch=switch, actor=StaffFactory(group="Supervisor"))
    assert offer_rules.limit_offers_by_rule() == 1


def test_running_the_rule_twice_makes_one_offer():
    rising_line()
    assert offer_rules.limit_offers_by_rule() == 1
    assert offer_rules.limit_offers_by_rule() == 0
    assert LimitOffer.objects.count() == 1


def test_the_rule_leaves_alone_the_lines_it_must_not_offer_more():
    opted_out = rising_line()
    IncreaseOffersOptOut.objects.create(customer=opted_out.customer)
    declined_lately = rising_line()
    LimitOffer.objects.create(
        account=declined_lately,
        offered_limit="22000.00",
        previous_limit="20000.00",
        reason_zh="原因",
        reason_en="Reason",
        source="staff",
        status="declined",
        expires_at=timezone.now() + timedelta(days=3),
        created_at=timezone.now() - timedelta(days=10),
    )
    paid_late = rising_line()
    RepaymentInstallmentFactory(
        account=paid_late,
        due_date=timezone.localdate() - timedelta(days=40),
        paid_at=timezone.now() - timedelta(days=30),
        amount_paid="1200.00",
        status="paid",
    )
    overdue = rising_line()
    RepaymentInstallmentFactory(account=overdue, due_date=timezone.localdate() - timedelta(days=5), status="overdue")
    busy = credit_account(credit_limit="20000.00", outstanding_balance="15000.00")
    score_history(busy, [640, 700], days_apart=60)
    small_rise = credit_account(credit_limit="20000.00")
    score_history(small_rise, [680, 700], days_apart=60)
    frozen = rising_line()
    freeze(frozen)
    qualifies = rising_line()
    assert [candidate.account_id for candidate in offer_rules.offer_rule_candidates()] == [qualifies.pk]
    assert offer_rules.limit_offers_by_rule() == 1


def test_the_offered_limit_is_rounded_down_to_the_products_step():
    assert offer_rules.offered_limit_for(
        credit_limit=Decimal("12345.00"), limit_step=Decimal("500.00"), increase_percent=20
    ) == Decimal("14500.00")


def test_the_daily_beat_job_is_scheduled_and_makes_the_offers():
    from accounts.tasks import limit_offers_by_rule
    from config.celery import app

    rising_line()
    assert "accounts.tasks.limit_offers_by_rule" in {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert limit_offers_by_rule.delay().get() == 1


def test_the_rule_selects_its_candidates_in_one_query_however_many_lines(django_assert_num_queries):
    for _number in range(6):
        rising_line()
    with django_assert_num_queries(1):
        candidates = offer_rules.offer_rule_candidates()
    assert len(candidates) == 6


def test_an_offer_awaiting_approval_is_not_shown_to_the_borrower(client, analyst, account, borrower, settings):
    settings.LIMIT_OFFER_SECOND_APPROVAL_ABOVE = Decimal("24000")
    offer = offers.limit_offer_staff_make(
        actor=analyst,
        account=account,
        offered_limit="25000.00",
        reason_zh="原因",
        reason_en="Reason",
        expires_at=timezone.now() + timedelta(days=3),
    )
    client.force_login(borrower)
    page = client.get(reverse("credit_history", args=[account.pk])).content.decode()
    assert f'data-offer="{offer.pk}"' not in page
    assert client.get(f"/credit/{account.pk}/offers/{offer.pk}/").status_code == 404
