"""Staff pages for customer segments: a set's rules edited in order while it is a draft, switched
on or copied by admin actions. Every change goes through accounts.risk.segments.services."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from accounts.models import SegmentRule, SegmentSet
from accounts.risk.segments import services
from portal.exceptions import PortalError


class SegmentRuleInline(admin.TabularInline):
    model = SegmentRule
    extra = 0
    ordering = ["position"]
    fields = [
        "position",
        "key",
        "label",
        "min_tenure_days",
        "max_tenure_days",
        "min_utilisation_percent",
        "max_utilisation_percent",
        "product",
        "min_late_installments",
        "max_late_installments",
    ]

    def has_change_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_change_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_delete_permission(request, obj)


def _is_draft(segment_set):
    return segment_set is None or segment_set.status == SegmentSet.Status.DRAFT


@admin.register(SegmentSet)
class SegmentSetAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "rule_count", "activated_at", "activated_by"]
    list_filter = ["status"]
    fields = ["name", "notes", "status", "created_by", "created_at", "activated_by", "activated_at"]
    readonly_fields = ["status", "created_by", "created_at", "activated_by", "activated_at"]
    inlines = [SegmentRuleInline]
    actions = ["activate", "copy_as_draft"]

    @admin.display(description=_("rules"))
    def rule_count(self, obj):
        return obj.rules.count()

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("rules").select_related("activated_by")

    def has_change_permission(self, request, obj=None):
        # Active and retired sets are history: decisions name their segments.
        return _is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return obj is not None and _is_draft(obj) and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        request._segment_set_before = services.segment_set_snapshot(obj) if change else None
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.segment_set_edited(
            segment_set=form.instance,
            actor=request.user,
            before=getattr(request, "_segment_set_before", None),
            created=not change,
            request=request,
        )

    def delete_model(self, request, obj):
        services.segment_set_delete(segment_set=obj, actor=request.user, request=request)

    def delete_queryset(self, request, queryset):
        for segment_set in queryset:
            services.segment_set_delete(segment_set=segment_set, actor=request.user, request=request)

    @admin.action(description=_("Switch the selected draft on"), permissions=["change"])
    def activate(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one draft to switch on."), messages.ERROR)
            return
        try:
            segment_set = services.segment_set_activate(segment_set=queryset.get(), actor=request.user, request=request)
        except PortalError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            self.message_user(request, _("%(set)s is now in force.") % {"set": segment_set}, messages.SUCCESS)

    @admin.action(description=_("Copy as a new draft"), permissions=["add"])
    def copy_as_draft(self, request, queryset):
        for segment_set in queryset:
            copy = services.segment_set_copy(segment_set=segment_set, actor=request.user, request=request)
            self.message_user(request, _("Created draft %(set)s.") % {"set": copy}, messages.SUCCESS)
