"""How tests sign a person in, as the portal's real login would.

allauth's login asks every person who has an authenticator for its code before letting them in,
and records the passed step in the session; staff powers count only in such a session
(accounts/identity/staff_access.py). Django's ``force_login`` skips allauth, so on its own it
gives a password-only session. ``SignInClient.force_login`` (the ``client`` fixture) adds the
record allauth would write for someone who has an authenticator; someone without one, such as
``StaffFactory(mfa=False)``, keeps a password-only session. ``passed_mfa=False`` gives an enrolled
person a password-only session too (one that signed in before setting up the authenticator).
"""

from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from django.http import HttpRequest
from django.test import Client


def session_record_mfa(client, user):
    """Write into ``client``'s session the step allauth records when ``user`` enters a code of
    their authenticator (allauth.mfa.base.internal.flows.post_authentication)."""
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    request = HttpRequest()
    request.session = client.session
    request.user = user
    record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type)
    request.session.save()


class SignInClient(Client):
    def force_login(self, user, backend=None, *, passed_mfa=None):
        super().force_login(user, backend)
        if passed_mfa is None:
            passed_mfa = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        if passed_mfa:
            session_record_mfa(self, user)
