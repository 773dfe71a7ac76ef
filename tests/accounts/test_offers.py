"""No limit goes up without the borrower's consent (issue 19, "Consent for increases")."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection, transaction
from django.db.utils import IntegrityError
from django.utils import timezone

from accounts.credit import offers
from accounts.credit.services import limit_change_apply
from accounts.models import CreditAccount, LimitChange, LimitOffer
from portal.exceptions import PortalError
from portal.models import AuditEvent, Notification
from tests.factories import credit_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(borrower):
    return credit_account(customer=borrower.customer, credit_limit="20000.00")


def make_offer(account, **overrides):
    arguments = {
        "account": account,
        "offered_limit": "30000.00",
        "reason_zh": "您按时还款已满一年。",
        "reason_en": "You have repaid on time for a year.",
        "source": LimitOffer.Source.POLICY,
    }
    return offers.limit_offer_make(**{**arguments, **overrides})


def test_the_ledger_refuses_an_increase_without_consent(account):
    with pytest.raises(PortalError) as refused:
        limit_change_apply(
            account=account,
            kind=LimitChange.Kind.CORE_SYNC,
            new_limit="30000.00",
            reason_codes=["score_drop"],
            decided_by=LimitChange.DecidedBy.CORE_SYSTEM,
        )
    assert refused.value.code == "consent_required"
    account.refresh_from_db()
    assert account.credit_limit == Decimal("20000.00")
    assert account.limit_changes.count() == 1


def test_a_decrease_needs_no_consent_and_a_borrower_request_counts_as_consent(account):
    limit_change_apply(
        account=account,
        kind=LimitChange.Kind.CORE_SYNC,
        new_limit="10000.00",
        reason_codes=["score_drop"],
        decided_by=LimitChange.DecidedBy.CORE_SYSTEM,
    )
    change = limit_change_apply(
        account=account,
        kind=LimitChange.Kind.RESTORATION,
        new_limit="20000.00",
        reason_codes=["appeal_outcome"],
        decided_by=LimitChange.DecidedBy.APPEAL,
        consent="appeal",
    )
    assert (change.new_limit, change.consent) == (Decimal("20000.00"), "appeal")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the database check is PostgreSQL's")
def test_the_database_refuses_an_increase_row_without_consent(account):
    insert = (
        "INSERT INTO accounts_limitchange (account_id, sequence, kind, previous_limit, new_limit, previous_status, "
        "new_status, reason_codes, decided_by, source_reference, effective_at, created_at, consent) VALUES "
        "(%s, 2, 'core_sync', 20000, 30000, 'active', 'active', '[]', 'core_system', '', now(), now(), %s)"
    )
    refused = pytest.raises(IntegrityError, match="limit_change_increase_consented")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(insert, [account.pk, ""])
    # With a consent basis the same row passes this check (the ledger's own check runs at commit).
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(insert, [account.pk, "offer:1"])
        cursor.execute("UPDATE accounts_creditaccount SET credit_limit = 30000 WHERE id = %s", [account.pk])


def test_an_offer_is_noticed_and_audited_and_changes_nothing_until_accepted(account, borrower):
    offer = make_offer(account)
    account.refresh_from_db()
    assert account.credit_limit == Decimal("20000.00")
    assert offer.status == LimitOffer.Status.OPEN
    assert offer.expires_at > timezone.now() + timedelta(days=13)
    notice = Notification.objects.get(recipient=borrower, kind="limit_offer")
    assert notice.link == f"/credit/{account.pk}/offers/{offer.pk}/"
    # Stored as data (template and parameters), rendered in each reader's language.
    assert notice.template == "limit_offer"
    assert notice.params["reason"]["$text"]["en"] == "You have repaid on time for a year."
    assert AuditEvent.objects.filter(action="limit_offer.made", target_id=str(account.pk)).exists()


def test_accepting_applies_the_increase_with_the_offer_as_consent(account, borrower):
    offer = make_offer(account)
    offers.limit_offer_accept(user=borrower, account_id=account.pk, offer_id=offer.pk, channel="web")
    account.refresh_from_db()
    offer.refresh_from_db()
    assert account.credit_limit == Decimal("30000.00")
    assert (offer.status, offer.answer_channel) == ("accepted", "web")
    change = offer.limit_change
    assert (change.kind, change.consent, change.decided_by) == ("offer_accepted", f"offer:{offer.pk}", "borrower")
    assert AuditEvent.objects.filter(action="limit_offer.accepted").exists()


def test_declining_changes_nothing_and_cannot_be_answered_again(account, borrower):
    offer = make_offer(account)
    offers.limit_offer_decline(user=borrower, account_id=account.pk, offer_id=offer.pk, channel="email")
    with pytest.raises(PortalError) as refused:
        offers.limit_offer_accept(user=borrower, account_id=account.pk, offer_id=offer.pk, channel="web")
    assert refused.value.code == "offer_closed"
    account.refresh_from_db()
    offer.refresh_from_db()
    assert account.credit_limit == Decimal("20000.00")
    assert (offer.status, offer.answer_channel) == ("declined", "email")
    assert AuditEvent.objects.filter(action="limit_offer.declined").exists()


def test_an_expired_offer_cannot_be_accepted(account, borrower):
    offer = make_offer(account, expires_at=timezone.now() + timedelta(minutes=1))
    later = timezone.now() + timedelta(minutes=2)
    with pytest.raises(PortalError):
        offers.limit_offer_accept(user=borrower, account_id=account.pk, offer_id=offer.pk, channel="web", now=later)
    assert offers.limit_offers_expire(now=later) == 1
    account.refresh_from_db()
    assert account.credit_limit == Decimal("20000.00")


def test_another_borrowers_offer_is_not_found(account, borrower, unbound_user):
    offer = make_offer(account)
    stranger_account = credit_account(credit_limit="1000.00")
    with pytest.raises(LimitOffer.DoesNotExist):
        offers.limit_offer_accept(user=borrower, account_id=stranger_account.pk, offer_id=offer.pk, channel="web")
    with pytest.raises(LimitOffer.DoesNotExist):
        offers.limit_offer_accept(user=unbound_user, account_id=account.pk, offer_id=offer.pk, channel="web")


def test_an_offer_must_be_an_increase(account):
    with pytest.raises(PortalError):
        make_offer(account, offered_limit="20000.00")


def test_opting_out_withdraws_open_offers_and_stops_new_ones_until_changed_back(account, borrower):
    offer = make_offer(account)
    offers.increase_offers_preference_set(user=borrower, opted_out=True)
    offer.refresh_from_db()
    assert offer.status == LimitOffer.Status.WITHDRAWN
    assert make_offer(account) is None
    assert LimitOffer.objects.count() == 1
    offers.increase_offers_preference_set(user=borrower, opted_out=False)
    assert make_offer(account) is not None
    actions = AuditEvent.objects.filter(action="limit_offer.preference").values_list("after", flat=True)
    assert [after["no_increase_offers"] for after in actions.order_by("pk")] == [True, False]


def test_a_new_offer_withdraws_the_older_open_one(account):
    first = make_offer(account)
    make_offer(account, offered_limit="25000.00")
    first.refresh_from_db()
    assert first.status == LimitOffer.Status.WITHDRAWN
    assert CreditAccount.objects.get(pk=account.pk).credit_limit == Decimal("20000.00")


def test_the_offer_email_links_to_the_page_with_accept_and_decline(
    account, borrower, django_capture_on_commit_callbacks
):
    borrower.preferred_language = "en"
    borrower.save(update_fields=["preferred_language"])
    with django_capture_on_commit_callbacks(execute=True):
        offer = make_offer(account)
    (message,) = mail.outbox
    html = message.alternatives[0][0] if message.alternatives else message.body
    assert f"/credit/{account.pk}/offers/{offer.pk}/" in html
    assert "Accept" in html and "Decline" in html
    assert "You have repaid on time for a year." in message.body


def test_the_hourly_beat_job_expires_offers_nobody_answered(account):
    from accounts.tasks import limit_offers_expire
    from config.celery import app

    offer = make_offer(account)
    LimitOffer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert "accounts.tasks.limit_offers_expire" in {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert limit_offers_expire.delay().get() == 1
    offer.refresh_from_db()
    assert offer.status == LimitOffer.Status.EXPIRED
