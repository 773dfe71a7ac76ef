"""The notification centre's pages: every notice the signed-in person received."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from portal import selectors, services


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
    page = selectors.notification_page(notification=notice)
    return render(request, "portal/notification_detail.html", {"notice": notice, "page": page})


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
