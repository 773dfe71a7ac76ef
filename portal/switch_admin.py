"""Staff screens for emergency switches and service notices: lists with filters, a turn-on form,
a page per switch (request, cancel or approve turning it off) and a page per notice (edit,
approve, withdraw). Every step calls ``portal.switches``; nothing here saves a model. A step
without the permission gets a 403, recorded in the audit log."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from portal import switches
from portal.exceptions import PortalError
from portal.services import audit_event_record
from portal.switch_forms import ServiceNoticeForm, SwitchOffRequestForm, SwitchTurnOnForm
from portal.switch_models import EmergencySwitch, ServiceNotice


def _denied(request, target, message):
    audit_event_record(
        actor=request.user, action="emergency_switch.refused", target=target, summary=message, request=request
    )
    return PermissionDenied(message)


class SwitchStateFilter(admin.SimpleListFilter):
    title = gettext_lazy("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("on", pgettext_lazy("emergency switch", "on")),
            ("off_requested", gettext_lazy("on, turning off requested")),
            ("off", pgettext_lazy("emergency switch", "off")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "on":
            return queryset.on()
        if self.value() == "off_requested":
            return queryset.off_requested()
        if self.value() == "off":
            return queryset.filter(turned_off_at__isnull=False)
        return queryset


def switch_state_label(switch):
    if not switch.is_on:
        return pgettext("emergency switch", "off")
    if switch.off_requested_at is not None:
        return _("on, turning off requested")
    return pgettext("emergency switch", "on")


@admin.register(EmergencySwitch)
class EmergencySwitchAdmin(admin.ModelAdmin):
    list_display = [
        "switch_display",
        "state_display",
        "turned_on_by",
        "turned_on_at",
        "reason_start",
        "off_requested_by",
        "turned_off_by",
        "turned_off_at",
        "open_link",
    ]
    list_filter = [SwitchStateFilter, "kind"]
    list_select_related = ["turned_on_by", "off_requested_by", "turned_off_by"]
    search_fields = ["email_kind", "reason"]
    show_full_result_count = False

    @admin.display(description=gettext_lazy("switch"), ordering="kind")
    def switch_display(self, obj):
        return str(obj)

    @admin.display(description=gettext_lazy("state"))
    def state_display(self, obj):
        return switch_state_label(obj)

    @admin.display(description=gettext_lazy("reason"))
    def reason_start(self, obj):
        return Truncator(obj.reason).chars(80)

    @admin.display(description=gettext_lazy("action"))
    def open_link(self, obj):
        label = _("Approve turning off") if obj.is_on and obj.off_requested_at else _("Open")
        return format_html('<a href="{}">{}</a>', reverse("admin:portal_emergencyswitch_manage", args=[obj.pk]), label)

    def has_add_permission(self, request):
        return request.user.has_perm("portal.turn_on_emergencyswitch")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "<int:pk>/manage/",
                self.admin_site.admin_view(self.manage_view),
                name="portal_emergencyswitch_manage",
            ),
        ] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not str(object_id).isdigit():
            return super().change_view(request, object_id, form_url, extra_context)
        return redirect("admin:portal_emergencyswitch_manage", pk=object_id)

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise _denied(request, None, _("You do not have permission to turn emergency switches on."))
        form = SwitchTurnOnForm(request.POST or None)
        status = 200
        if request.method == "POST":
            status = 400
            if form.is_valid():
                try:
                    switch = switches.emergency_switch_turn_on(
                        actor=request.user,
                        kind=form.cleaned_data["kind"],
                        email_kind=form.cleaned_data["email_kind"],
                        reason=form.cleaned_data["reason"],
                        request=request,
                    )
                except PortalError as error:
                    error.add_to_form(form)
                else:
                    messages.success(
                        request,
                        _("“%(switch)s” is on. Turning it off takes a request and another person's approval.")
                        % {"switch": switch},
                    )
                    return redirect("admin:portal_emergencyswitch_manage", pk=switch.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Turn an emergency switch on"),
            "form": form,
            "on": list(EmergencySwitch.objects.on().select_related("turned_on_by")),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "portal/switches/admin_turn_on.html", context, status=status)

    def manage_view(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        switch = get_object_or_404(
            EmergencySwitch.objects.select_related("turned_on_by", "off_requested_by", "turned_off_by"), pk=pk
        )
        form = SwitchOffRequestForm(request.POST or None)
        may_turn_off = request.user.has_perm("portal.turn_off_emergencyswitch")
        status = 200
        if request.method == "POST":
            step = request.POST.get("step")
            if step not in ("request", "approve", "cancel"):
                form.add_error(None, _("Choose to request, approve or cancel turning the switch off."))
                status = 400
            elif not may_turn_off:
                raise _denied(request, switch, _("You do not have permission to turn emergency switches off."))
            elif form.is_valid():
                done = self._off_step(request, switch, step, form)
                if done:
                    messages.success(request, done)
                    return redirect("admin:portal_emergencyswitch_manage", pk=switch.pk)
                status = 400
            else:
                status = 400
        user_id = request.user.pk
        context = {
            **self.admin_site.each_context(request),
            "title": str(switch),
            "switch": switch,
            "state": switch_state_label(switch),
            "form": form,
            "can_request": may_turn_off and switch.is_on and switch.off_requested_at is None,
            "can_cancel": may_turn_off and switch.is_on and switch.off_requested_at is not None,
            "can_approve": may_turn_off
            and switch.is_on
            and switch.off_requested_at is not None
            and user_id not in (switch.turned_on_by_id, switch.off_requested_by_id),
            "is_turner_on": user_id == switch.turned_on_by_id,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "portal/switches/admin_switch.html", context, status=status)

    def _off_step(self, request, switch, step, form):
        try:
            if step == "request":
                switches.emergency_switch_off_request(
                    switch=switch, actor=request.user, reason=form.cleaned_data["off_reason"], request=request
                )
                return _("Turning the switch off is requested; it stays on until another person approves.")
            if step == "cancel":
                switches.emergency_switch_off_request_cancel(switch=switch, actor=request.user, request=request)
                return _("The request to turn the switch off is withdrawn; the switch stays on.")
            switches.emergency_switch_off_approve(switch=switch, actor=request.user, request=request)
            return _("The switch is off.")
        except PortalError as error:
            form.add_error(None, error.message)
            return None


class NoticeShowingFilter(admin.SimpleListFilter):
    title = gettext_lazy("when")
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [
            ("now", gettext_lazy("showing now")),
            ("upcoming", gettext_lazy("starts later")),
            ("ended", gettext_lazy("ended")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "now":
            return queryset.filter(starts_at__lte=now, ends_at__gt=now)
        if self.value() == "upcoming":
            return queryset.filter(starts_at__gt=now)
        if self.value() == "ended":
            return queryset.filter(ends_at__lte=now)
        return queryset


@admin.register(ServiceNotice)
class ServiceNoticeAdmin(admin.ModelAdmin):
    list_display = ["text_start", "status", "starts_at", "ends_at", "written_by", "approved_by", "open_link"]
    list_filter = ["status", NoticeShowingFilter]
    list_select_related = ["written_by", "approved_by"]
    search_fields = ["text_zh", "text_en"]
    show_full_result_count = False

    @admin.display(description=gettext_lazy("text"))
    def text_start(self, obj):
        return Truncator(obj.text_en).chars(60)

    @admin.display(description=gettext_lazy("action"))
    def open_link(self, obj):
        label = _("Review") if obj.status == ServiceNotice.Status.DRAFT else _("Open")
        return format_html('<a href="{}">{}</a>', reverse("admin:portal_servicenotice_manage", args=[obj.pk]), label)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "<int:pk>/manage/",
                self.admin_site.admin_view(self.manage_view),
                name="portal_servicenotice_manage",
            ),
        ] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not str(object_id).isdigit():
            return super().change_view(request, object_id, form_url, extra_context)
        return redirect("admin:portal_servicenotice_manage", pk=object_id)

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise _denied(request, None, _("You do not have permission to write service notices."))
        form = ServiceNoticeForm(request.POST or None)
        status = 200
        if request.method == "POST":
            status = 400
            if form.is_valid():
                notice = self._write(request, form, notice=None)
                if notice is not None:
                    messages.success(
                        request, _("Notice saved as a draft; a supervisor other than you must approve it.")
                    )
                    return redirect("admin:portal_servicenotice_manage", pk=notice.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Write a service notice"),
            "form": form,
            "notice": None,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "portal/switches/admin_notice.html", context, status=status)

    def manage_view(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        notice = get_object_or_404(ServiceNotice.objects.select_related("written_by", "approved_by"), pk=pk)
        may_edit = request.user.has_perm("portal.change_servicenotice")
        may_approve = request.user.has_perm("portal.approve_servicenotice")
        initial = {
            "text_zh": notice.text_zh,
            "text_en": notice.text_en,
            "starts_at": timezone.localtime(notice.starts_at),
            "ends_at": timezone.localtime(notice.ends_at),
        }
        step = request.POST.get("step") if request.method == "POST" else None
        form = ServiceNoticeForm(request.POST if step == "edit" else None, initial=initial)
        errors = []
        status = 200
        if step is not None:
            status = 400
            allowed = {"edit": may_edit, "approve": may_approve, "withdraw": may_edit or may_approve}
            if step not in allowed:
                errors.append(_("Choose to edit, approve or withdraw the notice."))
            elif not allowed[step]:
                raise _denied(request, notice, _("You do not have permission to do this to service notices."))
            elif step == "edit":
                if form.is_valid() and self._write(request, form, notice=notice) is not None:
                    messages.success(
                        request, _("Notice saved as a draft; a supervisor other than you must approve it.")
                    )
                    return redirect("admin:portal_servicenotice_manage", pk=notice.pk)
            else:
                try:
                    if step == "approve":
                        switches.service_notice_approve(notice=notice, actor=request.user, request=request)
                        done = _("Notice approved: borrowers see it between its start and end.")
                    else:
                        switches.service_notice_withdraw(notice=notice, actor=request.user, request=request)
                        done = _("Notice withdrawn: borrowers no longer see it.")
                except PortalError as error:
                    errors.append(error.message)
                else:
                    messages.success(request, done)
                    return redirect("admin:portal_servicenotice_manage", pk=notice.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Service notice"),
            "notice": notice,
            "form": form,
            "errors": errors,
            "can_edit": may_edit and notice.status != ServiceNotice.Status.WITHDRAWN,
            "can_approve": may_approve
            and notice.status == ServiceNotice.Status.DRAFT
            and notice.written_by_id != request.user.pk,
            "is_writer": notice.written_by_id == request.user.pk,
            "can_withdraw": (may_edit or may_approve) and notice.status != ServiceNotice.Status.WITHDRAWN,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "portal/switches/admin_notice.html", context, status=status)

    def _write(self, request, form, *, notice):
        try:
            return switches.service_notice_write(
                actor=request.user,
                notice=notice,
                text_zh=form.cleaned_data["text_zh"],
                text_en=form.cleaned_data["text_en"],
                starts_at=form.cleaned_data["starts_at"],
                ends_at=form.cleaned_data["ends_at"],
                request=request,
            )
        except PortalError as error:
            error.add_to_form(form)
            return None
