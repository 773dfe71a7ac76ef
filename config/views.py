"""The top layer's pages: the welcome page, the borrower's dashboard (it reads every app), the
language switch and the health check."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language

from accounts.identity.services import user_preferences_update
from config import dashboard as dashboard_selectors
from education.selectors import content as learning_selectors
from education.selectors import reports as health_report_selectors
from education.services.reports import health_report_card
from portal import selectors


def home(request):
    if not request.user.is_authenticated:
        return render(request, "portal/welcome.html")
    if request.user.is_staff and request.user.customer_id is None:
        return redirect("admin:index")
    return dashboard(request)


@login_required
def dashboard(request):
    """What can be borrowed now first, then the next payment, notices, the report and learning.
    Every figure comes from the ledger and the requests' status (``config.dashboard``)."""
    user = request.user
    lines, ledger = dashboard_selectors.dashboard_lines(user=user)
    recent_notifications, unread_count = selectors.notification_recent_with_unread_count(user=user)
    context = {
        "accounts": lines,
        "customer": dashboard_selectors.dashboard_customer(user=user, lines=lines),
        "unread_count": unread_count,
        # The header's badge (portal.context_processors) reads this instead of counting again.
        "unread_notification_count": unread_count,
        "recent_notifications": recent_notifications,
        "report_card": _report_card(user, lines),
        "learning": learning_selectors.learning_summary_get(
            user=user, accounts=[line["account"] for line in lines], ledger=ledger
        ),
    }
    return render(request, "portal/dashboard.html", context)


def _report_card(user, lines):
    """The latest report's grade, capped by what the lines are today (the report service's rule)."""
    report = health_report_selectors.health_report_latest(user=user)
    return health_report_card(
        report=report,
        line_statuses=[line["status"] for line in lines],
        lender_cut_since_report=bool(report) and dashboard_selectors.lender_cut_since(lines=lines, since=report.month),
    )


@require_POST
def language_set(request):
    """Django's set_language, plus: a signed-in person's choice is saved for pages and emails."""
    response = set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        user_preferences_update(user=request.user, preferred_language=language, request=request)
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        response["Location"] = "/"
    return response


@never_cache
@require_GET
def health(request):
    """Liveness and database readiness for the load balancer; says nothing private."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
