"""Staff powers count only in a session that passed two-factor authentication (issue 13, point 1).

A staff member signed in with a password alone has no staff permission anywhere: not in the
admin, not for a borrower's evidence, not in a service that takes them as the actor, not in the
API. The same person, signed in with their authenticator code, has them all."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import include, path, reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from appeals import services as appeal_services
from appeals.models import Appeal
from portal.exceptions import PortalError
from tests.appeals.conftest import PNG, file_appeal, reduction
from tests.factories import PASSWORD, BorrowerFactory, StaffFactory

pytestmark = pytest.mark.django_db

SECRET = "JBSWY3DPEHPK3PXP"


class CanViewAppeals(BasePermission):
    def has_permission(self, request, view):
        return request.user.has_perm("appeals.view_appeal")


class AppealCountForStaff(APIView):
    """A staff-only API endpoint as an app would write one: its permission asks ``has_perm``."""

    permission_classes = [CanViewAppeals]

    def get(self, request):
        return Response({"appeals": Appeal.objects.count()})


# The portal's URLs plus the staff-only endpoint above (used with pytest.mark.urls(__name__)).
urlpatterns = [path("staff-api/appeal-count/", AppealCountForStaff.as_view()), path("", include("config.urls"))]
STAFF_API = "/staff-api/appeal-count/"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def appeal():
    borrower = BorrowerFactory()
    photo = SimpleUploadedFile("letter.png", PNG, content_type="image/png")
    return file_appeal(borrower, reduction(borrower.customer), files=[photo])


def evidence_url(appeal):
    return reverse("appeals:evidence", args=[appeal.evidence.get().pk])


def request_user(client):
    """The user object a view sees in this client's session (after every middleware ran)."""
    return client.get(reverse("dashboard")).wsgi_request.user


def password_only_reviewer(client):
    """An appeal reviewer who skipped the authenticator set-up, signed in with the password."""
    reviewer = StaffFactory(group="Appeals reviewer", mfa=False)
    client.force_login(reviewer)
    return reviewer


def sign_in_with_authenticator(client, user):
    """allauth's own sign-in: the password, then a code from the authenticator."""
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.url == reverse("mfa_authenticate")
    code = format_hotp_value(hotp_value(SECRET, int(timezone.now().timestamp()) // 30))
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302


def test_a_password_only_staff_session_is_kept_out_of_the_admin(client, appeal):
    # Even with an authenticator set up: the session, not the account, must have passed it.
    client.force_login(StaffFactory(group="Appeals reviewer"), passed_mfa=False)
    for url in (
        reverse("admin:index"),
        reverse("admin:appeals_appeal_changelist"),
        reverse("admin:appeals_appeal_review", args=[appeal.pk]),
        reverse("admin:accounts_risk_report"),
    ):
        assert client.get(url).status_code == 302, url


def test_a_password_only_staff_session_cannot_download_a_borrowers_evidence(client, appeal):
    password_only_reviewer(client)
    assert client.get(evidence_url(appeal)).status_code == 403


def test_a_password_only_staff_session_cannot_create_a_personal_api_token(client):
    reviewer = password_only_reviewer(client)
    assert client.get(reverse("api_token_create")).status_code == 403
    client.post(reverse("api_token_create"))
    assert not Token.objects.filter(user=reviewer).exists()


def test_a_password_only_staff_session_holds_no_permission_in_a_service(client, appeal):
    password_only_reviewer(client)
    actor = request_user(client)
    assert not actor.has_perm("appeals.review_appeal")
    assert actor.get_all_permissions() == set()
    with pytest.raises(PortalError):
        appeal_services.appeal_assign(appeal=appeal, actor=actor)
    appeal.refresh_from_db()
    assert (appeal.status, appeal.assignee) == (Appeal.Status.SUBMITTED, None)


@pytest.mark.urls(__name__)
def test_a_password_only_staff_session_holds_no_permission_in_the_api(client, appeal):
    password_only_reviewer(client)
    assert client.get(STAFF_API).status_code == 403


def test_a_superuser_without_two_factor_has_no_power_either(client, appeal):
    superuser = StaffFactory(is_superuser=True, mfa=False)
    client.force_login(superuser)
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 302
    assert client.get(evidence_url(appeal)).status_code == 403
    actor = request_user(client)
    assert not actor.has_perm("appeals.review_appeal")
    assert not actor.has_module_perms("appeals")
    with pytest.raises(PortalError):
        appeal_services.appeal_assign(appeal=appeal, actor=actor)


@pytest.mark.urls(__name__)
def test_the_same_reviewer_signed_in_with_the_authenticator_has_every_staff_power(client, appeal):
    reviewer = password_only_reviewer(client)
    assert client.get(evidence_url(appeal)).status_code == 403
    TOTP.activate(reviewer, SECRET)
    client.logout()

    sign_in_with_authenticator(client, reviewer)

    assert client.get(reverse("admin:appeals_appeal_review", args=[appeal.pk])).status_code == 200
    assert client.get(evidence_url(appeal)).status_code == 200
    assert client.get(STAFF_API).json() == {"appeals": 1}
    appeal_services.appeal_assign(appeal=appeal, actor=request_user(client))
    appeal.refresh_from_db()
    assert (appeal.status, appeal.assignee) == (Appeal.Status.UNDER_REVIEW, reviewer)


def test_a_session_from_before_the_authenticator_was_set_up_is_asked_to_sign_in_again(client, appeal):
    reviewer = StaffFactory(group="Appeals reviewer")
    client.force_login(reviewer, passed_mfa=False)
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("account_logout")
    assert client.get(evidence_url(appeal)).status_code == 403


def test_removing_the_authenticator_ends_the_staff_powers_of_the_session(client, appeal):
    reviewer = StaffFactory(group="Appeals reviewer")
    client.force_login(reviewer)
    assert client.get(evidence_url(appeal)).status_code == 200
    Authenticator.objects.filter(user=reviewer).delete()
    assert client.get(evidence_url(appeal)).status_code == 403


def test_withholding_saves_nothing_and_keeps_the_staff_flags(client):
    reviewer = password_only_reviewer(client)
    actor = request_user(client)
    actor.save()
    stored = User.objects.get(pk=reviewer.pk)
    assert (stored.is_staff, actor.acts_as_staff, stored.has_perm("appeals.review_appeal")) == (True, False, True)


def test_without_the_setting_a_password_only_staff_session_keeps_its_powers(client, appeal, settings):
    settings.ADMIN_REQUIRE_MFA = False
    password_only_reviewer(client)
    assert client.get(evidence_url(appeal)).status_code == 200
