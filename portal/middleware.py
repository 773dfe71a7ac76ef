"""Middleware shared by every app."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from portal.switch_selectors import read_only

PRIVATE_CACHE_CONTROL = "private, no-store"


class PrivateCacheMiddleware:
    """Keep pages and API answers meant for one signed-in person out of every cache.

    Any response to an authenticated request (a session, or a token that DRF checks inside the
    view and then sets on ``request.user``) may carry personal data, so it gets
    ``Cache-Control: private, no-store``, unless the view already said ``no-store`` itself. A
    request with an ``Authorization`` header counts too, whatever the token turned out to be.
    Static files are answered by WhiteNoise before this runs, and anonymous pages (welcome, sign
    in) keep whatever caching they had."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if _is_personal(request) and "no-store" not in response.get("Cache-Control", ""):
            # A view's weaker choice (public, max-age) must not survive next to personal data.
            response["Cache-Control"] = PRIVATE_CACHE_CONTROL
        return response


def _is_personal(request):
    user = getattr(request, "user", None)
    return "HTTP_AUTHORIZATION" in request.META or bool(user is not None and user.is_authenticated)


# What stays open while the portal is read-only: the staff admin, the core system's integration
# API (its input must not be lost), signing in and out (with the second factor), the language a
# page is read in, and the health check. Every other write is refused before any view runs.
READ_ONLY_OPEN_PREFIXES = (
    "/admin/",
    "/api/integration/",
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/2fa/authenticate/",
    "/i18n/setlang/",
    "/health/",
)
READ_ONLY_RETRY_AFTER_SECONDS = 600


class ReadOnlyPortalMiddleware:
    """While the read-only emergency switch is on, refuse every borrower write (a web form's
    POST, an API call that is not a read) with a 503 and a clear message, before any view runs,
    so nothing is half-done. Reads cost nothing extra: the switch is only looked at for writes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD", "OPTIONS", "TRACE") or request.path.startswith(READ_ONLY_OPEN_PREFIXES):
            return self.get_response(request)
        if not read_only():
            return self.get_response(request)
        return _read_only_refusal(request)


def _read_only_refusal(request):
    message = _(
        "The portal is read-only for a while, so changes cannot be made right now. Nothing was "
        "changed. Please try again later; you can still read everything."
    )
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message, "code": "read_only"}, status=503)
    else:
        back = request.META.get("HTTP_REFERER", "")
        if not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = ""
        response = render(request, "portal/switches/read_only.html", {"message": message, "back": back}, status=503)
    response["Retry-After"] = str(READ_ONLY_RETRY_AFTER_SECONDS)
    # An expected refusal, not a server fault: keep it out of Django's error log (and its alerts).
    response._has_been_logged = True
    return response
