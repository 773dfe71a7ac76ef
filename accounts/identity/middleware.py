from django.conf import settings
from django.shortcuts import redirect
from django.utils import translation

from accounts.identity.staff_access import request_staff_access_check


class SignedInMiddleware:
    """A middleware that acts only for a signed-in person: ``signed_in`` may answer the request
    itself (return a response) or let it through (return None)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response = self.signed_in(request, user)
            if response is not None:
                return response
        return self.get_response(request)

    def signed_in(self, request, user):
        return None


class UserLanguageMiddleware(SignedInMiddleware):
    """A signed-in person who has not picked a language on this browser sees their saved one."""

    def signed_in(self, request, user):
        if (
            settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and user.preferred_language != translation.get_language()
        ):
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = user.preferred_language
        return None


class StaffAccessMiddleware(SignedInMiddleware):
    """A staff session that has not passed two-factor authentication holds no staff permission
    in this request (accounts/identity/staff_access.py decides). Runs after allauth's
    AccountMiddleware, before any view or API permission is checked."""

    def signed_in(self, request, user):
        request_staff_access_check(request)
        return None


# Paths a signed-in borrower may reach before linking their customer record: sign-in and
# security pages, account settings, the binding page itself, language switching and assets.
UNBOUND_ALLOWED_PREFIXES = (
    "/accounts/",
    "/identity/",
    "/settings/",
    "/i18n/",
    "/static/",
    "/api/",
    "/admin/",
    "/health/",
)


class IdentityBindingRequiredMiddleware(SignedInMiddleware):
    """Until a borrower's login is linked to their customer record, every portal page except
    account settings sends them to the binding page. The API answers for itself (403)."""

    def signed_in(self, request, user):
        if not user.is_staff and user.customer_id is None and not request.path.startswith(UNBOUND_ALLOWED_PREFIXES):
            return redirect("identity_binding")
        return None
