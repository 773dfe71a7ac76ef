"""Whether a staff login may use its staff powers: the one place that decides it.

A staff member's powers (the admin, every ``has_perm``, reading borrowers' appeals and evidence,
acting as a reviewer in a service) count only once the session has passed two-factor
authentication. Until then the login is treated as having no staff permission at all. The
decision marks the in-memory user for this request only (``staff_powers_withheld``); nothing is
saved, and ``is_staff``/``is_superuser`` stay untouched so a later ``save()`` cannot lose them.
``User.has_perm`` and friends read the mark (accounts/models/identity.py).

Session logins are checked by ``StaffAccessMiddleware``; a staff user authenticated by an API
token has passed no second factor, so the token authentication withholds their powers too.
"""

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.conf import settings

# allauth records each step of a sign-in in the session; a passed authenticator is "mfa".
MFA_METHOD = "mfa"
# Set in the session by the staff sign-in page (config/admin_site.py) to the page asked for:
# cancelling the two-factor step of that sign-in leads back there, not to the borrower's sign-in.
STAFF_SIGN_IN_SESSION_KEY = "staff_sign_in"


def staff_powers_withhold(user):
    """This request's ``user`` holds no staff permission (never saved to the database)."""
    user.staff_powers_withheld = True


def session_passed_mfa(request) -> bool:
    """The signed-in person of this session passed their second factor (TOTP or a recovery
    code), as recorded by allauth when the code was accepted, with an authenticator they still
    have (removing it ends the staff powers of sessions that used it)."""
    if getattr(request, "session", None) is None:
        return False
    user = request.user
    used = [
        record.get("id") for record in get_authentication_records(request, user) if record.get("method") == MFA_METHOD
    ]
    return bool(used) and Authenticator.objects.filter(user_id=user.pk, pk__in=used).exists()


def request_staff_access_check(request):
    """Withhold the staff powers of a session that did not pass two-factor authentication,
    when ``ADMIN_REQUIRE_MFA`` asks for it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not (user.is_staff or user.is_superuser):
        return
    if settings.ADMIN_REQUIRE_MFA and not session_passed_mfa(request):
        staff_powers_withhold(user)
