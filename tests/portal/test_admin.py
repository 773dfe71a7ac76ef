import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from portal.models import AuditEvent
from portal.services import audit_event_record
from tests.factories import BorrowerFactory, StaffFactory

pytestmark = pytest.mark.django_db

STAFF_GROUPS = [
    "Support agent",
    "Appeals reviewer",
    "Supervisor",
    "Compliance officer",
    "Risk analyst",
    "Content editor",
]


def test_every_staff_group_exists():
    assert set(STAFF_GROUPS) <= set(Group.objects.values_list("name", flat=True))


def test_supervisor_can_read_the_audit_log_but_support_cannot():
    supervisor = StaffFactory(group="Supervisor")
    support = StaffFactory(group="Support agent")
    assert supervisor.has_perm("portal.view_auditevent")
    assert not support.has_perm("portal.view_auditevent")
    assert not supervisor.has_perm("portal.change_auditevent")


def test_admin_sign_in_is_the_staff_page_not_the_borrower_page(client):
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("admin:login"))
    assert reverse("account_signup") not in response.content.decode()


def test_staff_without_two_factor_is_sent_to_set_it_up(client):
    staff = StaffFactory(mfa=False, is_superuser=True)
    client.force_login(staff)
    response = client.get(reverse("admin:index"), follow=True)
    # allauth asks for the password again before showing the authenticator set-up.
    final_url = response.redirect_chain[-1][0]
    assert final_url == f"{reverse('account_reauthenticate')}?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F"


def test_borrower_cannot_enter_the_admin(client):
    client.force_login(BorrowerFactory())
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("dashboard")


def test_staff_with_two_factor_reads_users_customers_and_audit(client, django_assert_max_num_queries):
    supervisor = StaffFactory(group="Supervisor")
    BorrowerFactory.create_batch(5)
    audit_event_record(actor=supervisor, action="test.made")
    client.force_login(supervisor)
    for name in ("accounts_user", "accounts_customerrecord", "portal_auditevent"):
        with django_assert_max_num_queries(15):
            response = client.get(reverse(f"admin:{name}_changelist"))
        assert response.status_code == 200, name


def test_audit_events_cannot_be_changed_in_admin(client):
    superuser = StaffFactory(is_superuser=True)
    event = audit_event_record(actor=superuser, action="test.made")
    client.force_login(superuser)
    response = client.post(reverse("admin:portal_auditevent_change", args=[event.pk]), {"action": "x"})
    assert response.status_code in (302, 403) or b"Save" not in response.content
    assert client.post(reverse("admin:portal_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).action == "test.made"


def test_a_staff_change_in_admin_is_audited_with_before_and_after(client):
    superuser = StaffFactory(is_superuser=True)
    borrower = BorrowerFactory(is_active=True)
    client.force_login(superuser)
    url = reverse("admin:accounts_user_change", args=[borrower.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
    data.update({"is_active": "", "groups": [], "user_permissions": [], "last_login_0": "", "last_login_1": ""})
    data["date_joined_0"], data["date_joined_1"] = "2026-01-01", "10:00:00"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    borrower.refresh_from_db()
    assert borrower.is_active is False
    event = AuditEvent.objects.get(action="admin.change", target_id=str(borrower.pk))
    assert event.actor == superuser
    assert event.before["is_active"] is True
    assert event.after["is_active"] is False


def test_support_agent_reads_an_account_with_its_ledger_but_cannot_change_it(client):
    from tests.factories import credit_account

    agent = StaffFactory(group="Support agent")
    account = credit_account()
    client.force_login(agent)
    page = client.get(reverse("admin:accounts_creditaccount_change", args=[account.pk]))
    assert page.status_code == 200
    assert (
        "line opened" in page.content.decode()
        or "opening" in page.content.decode()
        or "额度开通" in page.content.decode()
    )
    assert (
        client.post(
            reverse("admin:accounts_creditaccount_change", args=[account.pk]), {"credit_limit": "1"}
        ).status_code
        == 403
    )
    account.refresh_from_db()
    assert str(account.credit_limit) == "50000.00"
