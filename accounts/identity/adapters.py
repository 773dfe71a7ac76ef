from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.sites.shortcuts import get_current_site
from django.utils import translation
from django.utils.crypto import get_random_string
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.identity.services import account_email_enqueue
from accounts.identity.staff_access import STAFF_SIGN_IN_SESSION_KEY


class AccountAdapter(DefaultAccountAdapter):
    """Shapes allauth to the portal: a new login keeps the language it signed up in, and sign-up,
    login and password reset do the same work whether or not the address is registered."""

    def save_user(self, request, user, form, commit=True):
        language = translation.get_language() or settings.LANGUAGE_CODE
        user.preferred_language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        return super().save_user(request, user, form, commit=commit)

    def get_login_redirect_url(self, request):
        """Staff sent to the staff sign-in (config/admin_site.py) who sign in elsewhere, such as
        the borrower's page, still land on the staff page they asked for."""
        staff_next = request.session.pop(STAFF_SIGN_IN_SESSION_KEY, None)
        if (
            staff_next
            and request.user.is_staff
            and url_has_allowed_host_and_scheme(staff_next, allowed_hosts={request.get_host()})
        ):
            return staff_next
        return super().get_login_redirect_url(request)

    def send_mail(self, template_prefix, email, context):
        """Render the email now (in the recipient's saved language when we know them) and queue
        it for Celery after commit: no mail server is waited for inside the request."""
        request = allauth_context.request
        user = context.get("user")
        language = getattr(user, "preferred_language", None) or translation.get_language()
        full_context = {"request": request, "email": email, "current_site": get_current_site(request), **context}
        with translation.override(language):
            message = self.render_mail(template_prefix, email, full_context)
        account_email_enqueue(message=message)

    def send_account_already_exists_mail(self, email):
        # Signing up with a new address hashes its password when the login is created; with a
        # registered address nothing is created, so hash once here to take the same time (as
        # Django's ModelBackend does for an unknown login). The hash's cost does not depend on
        # what is hashed.
        make_password(get_random_string(32))
        super().send_account_already_exists_mail(email)
