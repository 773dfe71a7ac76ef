from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language

from accounts import selectors as credit_selectors
from accounts.services import user_preferences_update
from education.selectors import content as learning_selectors
from education.selectors import reports as health_report_selectors
from portal import selectors, services


def home(request):
    if not request.user.is_authenticated:
        return render(request, "portal/welcome.html")
    if request.user.is_staff and request.user.customer_id is None:
        return redirect("admin:index")
    return dashboard(request)


@login_required
def dashboard(request):
    user = request.user
    accounts = [
        {
            "account": account,
            "next_due": credit_selectors.next_installment_due(account=account),
            "score_trend": credit_selectors.credit_score_trend(account=account),
        }
        for account in credit_selectors.credit_account_list(user=user)
    ]
    context = {
        "accounts": accounts,
        "customer": user.customer,
        "unread_count": selectors.notification_unread_count(user=user),
        "recent_notifications": selectors.notification_list(user=user)[:3],
        "latest_report": health_report_selectors.health_report_latest(user=user),
        "learning": learning_selectors.learning_summary_get(user=user, accounts=[a["account"] for a in accounts]),
    }
    return render(request, "portal/dashboard.html", context)


@login_required
def notification_list(request):
    page = Paginator(selectors.notification_list(user=request.user), 20).get_page(request.GET.get("page"))
    return render(request, "portal/notification_list.html", {"page": page})


@login_required
def notification_detail(request, notification_id):
    """One notice, in full. Opening it marks it read."""
    notice = get_object_or_404(selectors.notification_list(user=request.user), pk=notification_id)
    if notice.read_at is None:
        services.notification_mark_read(user=request.user, notification_ids=[notice.pk])
    return render(request, "portal/notification_detail.html", {"notice": notice})


@login_required
@require_POST
def notification_mark_read(request):
    ids = [int(value) for value in request.POST.getlist("notification") if value.isdigit()] or None
    count = services.notification_mark_read(user=request.user, notification_ids=ids)
    messages.success(
        request,
        ngettext("Marked %(count)s notice as read.", "Marked %(count)s notices as read.", count) % {"count": count},
    )
    return redirect("notification_list")


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
