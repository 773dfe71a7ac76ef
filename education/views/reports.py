"""Health report pages, communication preferences and the one-click unsubscribe. Thin: parse,
call a selector or service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from education.forms.reports import CommunicationPreferenceForm
from education.selectors import reports as selectors
from education.services import reports as services
from portal.exceptions import PortalError


@login_required
def health_report_list(request):
    page = Paginator(selectors.health_report_list(user=request.user), 24).get_page(request.GET.get("page"))
    return render(request, "education/reports/report_list.html", {"page": page})


@login_required
def health_report_detail(request, report_id):
    report = selectors.health_report_get(user=request.user, report_id=report_id)
    context = {"report": report, "figures": services.health_report_figures(report)}
    return render(request, "education/reports/report_detail.html", context)


@login_required
def health_report_latest(request):
    report = selectors.health_report_latest(user=request.user)
    if report is None:
        return render(request, "education/reports/report_list.html", {"page": None})
    return redirect("health_report_detail", report_id=report.pk)


@login_required
@require_http_methods(["GET", "POST"])
def communication_preferences(request):
    preference = services.communication_preference_get(user=request.user)
    initial = {
        "report_emails": preference.report_emails,
        "reminder_emails": preference.reminder_emails,
        "time_zone": preference.time_zone,
    }
    form = CommunicationPreferenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.communication_preference_update(user=request.user, request=request, **form.cleaned_data)
        except PortalError as error:
            error.add_to_form(form)
        else:
            messages.success(request, _("Your email preferences are saved."))
            return redirect("communication_preferences")
    return render(request, "education/reports/preferences.html", {"form": form})


# The link's random token is the credential here (no sign-in, no CSRF token): mail clients send
# the RFC 8058 one-click POST without cookies. GET only shows a confirmation, so a link scanner
# that follows the link changes nothing; the POST spends the link.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def report_unsubscribe(request, token):
    try:
        if request.method == "POST":
            services.report_emails_unsubscribe(token=token, request=request)
        else:
            services.report_unsubscribe_link_check(token=token)
    except PortalError as error:
        context = {"error": error.message}
        return render(request, "education/reports/unsubscribe.html", context, status=error.status_code)
    if request.method == "POST":
        return render(request, "education/reports/unsubscribe.html", {"done": True})
    return render(request, "education/reports/unsubscribe.html")
