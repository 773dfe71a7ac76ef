from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone, translation

from accounts.identity import national_id
from accounts.identity.services import identity_binding_submit
from accounts.models import IdentityBindingAttempt
from portal.exceptions import PortalError
from portal.models import AuditEvent, Notification
from tests.factories import BorrowerFactory, CustomerRecordFactory, UserFactory, valid_national_id

pytestmark = pytest.mark.django_db

# From a region the factories never use (theirs start 110105), so no record a factory makes for
# another fixture can hold the same number, however far its sequence has run.
CUSTOMER_NUMBER = "32010619800303038" + national_id.check_character("32010619800303038")
LINKED_NUMBER = "32010619800303055" + national_id.check_character("32010619800303055")


@pytest.fixture
def customer():
    return CustomerRecordFactory(legal_name="王芳", national_id_number=CUSTOMER_NUMBER)


def test_matching_name_and_number_link_the_login(unbound_user, customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        identity_binding_submit(user=unbound_user, legal_name="王 芳", national_id_number=CUSTOMER_NUMBER)

    unbound_user.refresh_from_db()
    assert unbound_user.customer == customer
    assert unbound_user.identity_bound_at is not None
    assert AuditEvent.objects.filter(action="identity.bound", target_id=str(unbound_user.pk)).exists()
    notice = Notification.objects.get(recipient=unbound_user, kind="identity_bound")
    assert notice.email_status == Notification.EmailStatus.SENT
    assert mail.outbox[0].to == [unbound_user.email]
    assert customer.masked_national_id in mail.outbox[0].body
    assert CUSTOMER_NUMBER not in mail.outbox[0].body


def test_lowercase_x_matches_the_stored_number(unbound_user):
    record = CustomerRecordFactory(national_id_number="11010519491231002X")
    identity_binding_submit(user=unbound_user, legal_name=record.legal_name, national_id_number="11010519491231002x")
    unbound_user.refresh_from_db()
    assert unbound_user.customer == record


@pytest.mark.parametrize(
    ("legal_name", "number"),
    [
        ("王芳", valid_national_id(99)),  # no such customer
        ("李四", CUSTOMER_NUMBER),  # customer exists, name differs
    ],
)
def test_unknown_customer_and_wrong_name_get_the_same_message(unbound_user, customer, legal_name, number):
    with translation.override("en"), pytest.raises(PortalError) as error:
        identity_binding_submit(user=unbound_user, legal_name=legal_name, national_id_number=number)

    assert error.value.code == "no_match"
    assert "Attempts left before a 24-hour pause: 4" in error.value.message
    unbound_user.refresh_from_db()
    assert unbound_user.customer is None
    assert IdentityBindingAttempt.objects.filter(user=unbound_user, succeeded=False).count() == 1
    assert AuditEvent.objects.filter(action="identity.binding_failed").count() == 1


def test_a_customer_linked_to_another_login_is_refused_like_an_unknown_one(unbound_user):
    BorrowerFactory(customer=CustomerRecordFactory(legal_name="赵六", national_id_number=LINKED_NUMBER))
    with pytest.raises(PortalError) as error:
        identity_binding_submit(user=unbound_user, legal_name="赵六", national_id_number=LINKED_NUMBER)
    assert error.value.code == "no_match"
    unbound_user.refresh_from_db()
    assert unbound_user.customer is None


def test_fifth_failure_locks_for_24_hours_and_tells_the_borrower(unbound_user, customer):
    for _attempt in range(4):
        with pytest.raises(PortalError):
            identity_binding_submit(user=unbound_user, legal_name="王芳", national_id_number=valid_national_id(1))

    with pytest.raises(PortalError) as fifth:
        identity_binding_submit(user=unbound_user, legal_name="王芳", national_id_number=valid_national_id(1))
    assert fifth.value.code == "locked"
    assert Notification.objects.filter(recipient=unbound_user, kind="identity_binding_locked").count() == 1

    # Even the right details are refused while locked, and the attempt is not counted.
    with pytest.raises(PortalError) as locked:
        identity_binding_submit(user=unbound_user, legal_name="王芳", national_id_number=CUSTOMER_NUMBER)
    assert locked.value.code == "locked"
    unbound_user.refresh_from_db()
    assert unbound_user.customer is None
    assert IdentityBindingAttempt.objects.filter(user=unbound_user).count() == 5


def test_lock_lifts_when_the_oldest_failure_is_24_hours_old(unbound_user, customer):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _attempt in range(5):
            with pytest.raises(PortalError):
                identity_binding_submit(user=unbound_user, legal_name="王芳", national_id_number=valid_national_id(1))

    with time_machine.travel(start + timedelta(hours=23, minutes=59), tick=False), pytest.raises(PortalError):
        identity_binding_submit(user=unbound_user, legal_name="王芳", national_id_number=CUSTOMER_NUMBER)

    with time_machine.travel(start + timedelta(hours=24, minutes=1), tick=False):
        identity_binding_submit(user=unbound_user, legal_name="王芳", national_id_number=CUSTOMER_NUMBER)
    unbound_user.refresh_from_db()
    assert unbound_user.customer == customer


def test_already_bound_login_cannot_bind_again(borrower, customer):
    with pytest.raises(PortalError) as error:
        identity_binding_submit(user=borrower, legal_name="王芳", national_id_number=CUSTOMER_NUMBER)
    assert error.value.code == "already_bound"
    borrower.refresh_from_db()
    assert borrower.customer != customer


def test_other_users_failures_do_not_count_toward_my_lock(customer):
    stranger, me = UserFactory(), UserFactory()
    for _attempt in range(5):
        with pytest.raises(PortalError):
            identity_binding_submit(user=stranger, legal_name="王芳", national_id_number=valid_national_id(1))
    identity_binding_submit(user=me, legal_name="王芳", national_id_number=CUSTOMER_NUMBER)
    me.refresh_from_db()
    assert me.customer == customer


def test_full_id_number_is_never_stored(unbound_user, customer):
    identity_binding_submit(user=unbound_user, legal_name="王芳", national_id_number=CUSTOMER_NUMBER)
    customer.refresh_from_db()
    assert customer.national_id_last4 == CUSTOMER_NUMBER[-4:]
    assert CUSTOMER_NUMBER not in customer.national_id_hash
    assert all(CUSTOMER_NUMBER not in str(event.after) for event in AuditEvent.objects.all())
