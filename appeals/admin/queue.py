"""The staff queue: appeals by deadline with time left, filters, bulk assignment and a CSV
export of the filtered queue. Every action goes through appeals.services and is audited."""

import csv
import io

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from appeals import selectors, services
from appeals.admin.filters import AssigneeFilter, DueFilter, JurisdictionFilter, QueueFilter, my_open_appeals
from appeals.admin.review import ReviewViews
from appeals.forms import BulkAssignForm
from appeals.models import Appeal
from portal.admin_base import ReadOnlyAdmin
from portal.exceptions import PortalError


@admin.register(Appeal)
class AppealAdmin(ReviewViews, ReadOnlyAdmin):
    list_display = ["reference", "time_left", "status", "grounds", "account", "assignee", "submitted", "review_link"]
    list_filter = [QueueFilter, "status", DueFilter, JurisdictionFilter, "grounds", AssigneeFilter]
    search_fields = ["reference"]
    list_select_related = ["limit_change__account", "closure_request__account", "assignee"]
    ordering = ["due_at", "pk"]
    show_full_result_count = False
    actions = ["assign_to_me", "assign_to_reviewer"]

    class Media:
        css = {"all": ["appeals/workbench.css"]}

    @admin.display(description=gettext_lazy("credit line"))
    def account(self, obj):
        return obj.account.external_id

    @admin.display(description=gettext_lazy("submitted"), ordering="created_at")
    def submitted(self, obj):
        return date_format(timezone.localtime(obj.created_at), "DATETIME_FORMAT")

    @admin.display(description=gettext_lazy("time left"), ordering="due_at")
    def time_left(self, obj):
        urgency = selectors.appeal_time_left(obj)
        due = date_format(timezone.localtime(obj.due_at), "DATETIME_FORMAT")
        if not urgency["label"]:
            return due
        return format_html(
            '<span class="urgency urgency-{}">{}</span> {}<br><small>{}</small>',
            urgency["level"],
            urgency["label"],
            urgency["text"],
            due,
        )

    @admin.display(description=gettext_lazy("review"))
    def review_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:appeals_appeal_review", args=[obj.pk]), _("Open"))

    def has_review_permission(self, request):
        return request.user.has_perm(services.REVIEW_PERMISSION)

    def has_approve_permission(self, request):
        return request.user.has_perm(services.APPROVE_PERMISSION)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/review/", view(self.review_view), name="appeals_appeal_review"),
            path("export/", view(self.export_view), name="appeals_appeal_export"),
        ] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not str(object_id).isdigit():
            return super().change_view(request, object_id, form_url, extra_context)
        return redirect("admin:appeals_appeal_review", pk=object_id)

    def changelist_view(self, request, extra_context=None):
        queues = Appeal.objects.filter(status__in=Appeal.OPEN_STATUSES)
        extra_context = {
            "title": _("Appeal queue"),
            **(extra_context or {}),
            "my_queue_count": my_open_appeals(Appeal.objects.all(), request.user).count(),
            "team_queue_count": queues.count(),
        }
        return super().changelist_view(request, extra_context)

    # --- bulk actions ---------------------------------------------------------------------------

    @admin.action(description=gettext_lazy("Assign the selected appeals to me"), permissions=["review"])
    def assign_to_me(self, request, queryset):
        self._assign_many(request, queryset, assignee=None)

    @admin.action(description=gettext_lazy("Assign the selected appeals to a reviewer…"), permissions=["approve"])
    def assign_to_reviewer(self, request, queryset):
        form = BulkAssignForm(request.POST if "apply" in request.POST else None, reviewers=selectors.appeal_reviewers())
        if form.is_bound and form.is_valid():
            self._assign_many(request, queryset, assignee=form.cleaned_data["assignee"])
            return None
        if form.is_bound:
            messages.error(request, _("Choose a reviewer from the list."))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Assign appeals to a reviewer"),
            "opts": self.model._meta,
            "appeals": list(queryset.order_by("due_at")),
            "form": form,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/appeals/appeal/assign_reviewer.html", context)

    def _assign_many(self, request, queryset, assignee):
        ids = list(queryset.values_list("pk", flat=True))
        assigned, refused = services.appeals_assign_many(
            appeal_ids=ids, actor=request.user, assignee=assignee, request=request
        )
        if assigned:
            count = len(assigned)
            self.message_user(
                request,
                ngettext("%(count)d appeal assigned.", "%(count)d appeals assigned.", count) % {"count": count},
                messages.SUCCESS,
            )
        for appeal, reason in refused:
            self.message_user(
                request,
                _("%(reference)s not assigned: %(reason)s") % {"reference": appeal.reference, "reason": reason},
                messages.ERROR,
            )

    # --- CSV export of the filtered queue --------------------------------------------------------

    def export_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        filters = dict(request.GET.items())
        try:
            rows = services.appeal_queue_export(
                actor=request.user, queryset=changelist.queryset, filters=filters, request=request
            )
        except PortalError as error:
            raise PermissionDenied(error.message) from error
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="appeals-queue-{stamp}.csv"'
        return response
