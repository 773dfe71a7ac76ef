from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import (
    CreditAccount,
    CreditProduct,
    CustomerRecord,
    IdentityBindingAttempt,
    LimitChange,
    ReasonCode,
    User,
)
from portal.admin import ReadOnlyAdmin


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "identity_bound", "preferred_language", "is_staff", "is_active", "date_joined"]
    list_filter = [
        "is_staff",
        "is_active",
        "is_superuser",
        "groups",
        "preferred_language",
        ("customer", admin.EmptyFieldListFilter),
    ]
    search_fields = ["email", "customer__external_id"]
    readonly_fields = ["customer", "identity_bound_at", "last_login", "date_joined"]
    list_select_related = ["customer"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Borrower"), {"fields": ("preferred_language", "customer", "identity_bound_at")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    @admin.display(boolean=True, description=_("identity bound"))
    def identity_bound(self, obj):
        return obj.customer_id is not None


@admin.register(CustomerRecord)
class CustomerRecordAdmin(ReadOnlyAdmin):
    """Customer records come from the core system; staff read them here but do not edit them."""

    list_display = ["external_id", "masked_name", "masked_national_id", "bound_user", "updated_at"]
    search_fields = ["external_id", "user__email"]
    list_select_related = ["user"]
    readonly_fields = ["external_id", "masked_name", "masked_national_id", "created_at", "updated_at"]
    fields = readonly_fields
    show_full_result_count = False

    @admin.display(description=pgettext_lazy("person", "name"))
    def masked_name(self, obj):
        return obj.masked_name

    @admin.display(description=_("ID number"))
    def masked_national_id(self, obj):
        return obj.masked_national_id

    @admin.display(description=_("login"))
    def bound_user(self, obj):
        user = getattr(obj, "user", None)
        return user.email if user else "—"


@admin.register(IdentityBindingAttempt)
class IdentityBindingAttemptAdmin(ReadOnlyAdmin):
    list_display = ["user", "succeeded", "attempted_at", "ip_address"]
    list_filter = ["succeeded", "attempted_at"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    date_hierarchy = "attempted_at"


class LimitChangeInline(admin.TabularInline):
    """The ledger, read-only: limits change only through the services that write it."""

    model = LimitChange
    extra = 0
    can_delete = False
    ordering = ["-sequence"]
    fields = [
        "sequence",
        "kind",
        "previous_limit",
        "new_limit",
        "new_status",
        "reason_codes",
        "decided_by",
        "decided_by_user",
        "policy_version",
        "effective_at",
        "appeal_deadline",
    ]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CreditAccount)
class CreditAccountAdmin(ReadOnlyAdmin):
    list_display = ["external_id", "customer", "product", "credit_limit", "outstanding_balance", "status", "opened_at"]
    list_filter = ["status", "product"]
    search_fields = ["external_id", "customer__external_id", "customer__user__email"]
    list_select_related = ["customer", "product"]
    readonly_fields = [
        "external_id",
        "customer",
        "product",
        "credit_limit",
        "outstanding_balance",
        "status",
        "opened_at",
        "updated_at",
    ]
    fields = readonly_fields
    inlines = [LimitChangeInline]
    show_full_result_count = False


@admin.register(LimitChange)
class LimitChangeAdmin(ReadOnlyAdmin):
    list_display = [
        "account",
        "sequence",
        "kind",
        "previous_limit",
        "new_limit",
        "new_status",
        "decided_by",
        "effective_at",
    ]
    list_filter = ["kind", "decided_by", "new_status", "effective_at"]
    search_fields = ["account__external_id", "policy_version", "source_reference"]
    list_select_related = ["account"]
    date_hierarchy = "effective_at"
    readonly_fields = [field.name for field in LimitChange._meta.fields]
    show_full_result_count = False


@admin.register(ReasonCode)
class ReasonCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "title_zh", "title_en", "article_slug"]
    search_fields = ["code", "title_zh", "title_en"]
    readonly_fields = ["code"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["code"]


@admin.register(CreditProduct)
class CreditProductAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "currency", "limit_step", "min_limit"]


# Registers the risk pages, the closure requests and the clearance cases.
from accounts import admin_clearance, admin_closure, admin_risk  # noqa: E402, F401
