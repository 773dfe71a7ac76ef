from django.contrib import admin
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from accounts.models import (
    CreditAccount,
    CreditProduct,
    LimitChange,
    PolicyVersion,
    ReasonCode,
)
from accounts.risk.records import decision_record_present, limit_change_record
from portal.admin_base import ReadOnlyAdmin, money_display

# Amounts shown as money (¥35,000.00) rather than as bare numbers.
MONEY_FIELDS = {"previous_limit": "previous_limit_money", "new_limit": "new_limit_money"}


class LimitChangeInline(admin.TabularInline):
    """The ledger, read-only: limits change only through the services that write it."""

    model = LimitChange
    extra = 0
    can_delete = False
    ordering = ["-sequence"]
    fields = [
        "sequence",
        "kind",
        "previous_limit_money",
        "new_limit_money",
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
    previous_limit_money = money_display("previous_limit", _("previous limit"))
    new_limit_money = money_display("new_limit", _("new limit"))

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("decided_by_user", "policy_version", "account__product")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CreditAccount)
class CreditAccountAdmin(ReadOnlyAdmin):
    list_display = ["external_id", "customer", "product", "credit_limit_money", "balance_money", "status", "opened_at"]
    list_filter = ["status", "product"]
    search_fields = ["external_id", "customer__external_id", "customer__user__email"]
    list_select_related = ["customer", "product"]
    readonly_fields = [
        "external_id",
        "customer",
        "product",
        "credit_limit_money",
        "balance_money",
        "status",
        "opened_at",
        "updated_at",
    ]
    fields = readonly_fields
    inlines = [LimitChangeInline]
    credit_limit_money = money_display("credit_limit", _("credit limit"), currency=lambda obj: obj.product.currency)
    balance_money = money_display(
        "outstanding_balance", _("outstanding balance"), currency=lambda obj: obj.product.currency
    )
    show_full_result_count = False


@admin.register(LimitChange)
class LimitChangeAdmin(ReadOnlyAdmin):
    list_display = [
        "account",
        "sequence",
        "kind",
        "previous_limit_money",
        "new_limit_money",
        "new_status",
        "decided_by",
        "effective_at",
    ]
    list_filter = ["kind", "decided_by", "new_status", "effective_at"]
    search_fields = ["account__external_id", "policy_version__name", "source_reference"]
    list_select_related = ["account__product"]
    date_hierarchy = "effective_at"
    readonly_fields = [
        "decision_record",
        *[MONEY_FIELDS.get(field.name, field.name) for field in LimitChange._meta.fields],
    ]
    show_full_result_count = False
    fields = readonly_fields
    previous_limit_money = money_display("previous_limit", _("previous limit"))
    new_limit_money = money_display("new_limit", _("new limit"))

    @admin.display(description=_("decision record"))
    def decision_record(self, obj):
        """The full record: the policy's rules with their figures and signals, or who and why."""
        return render_to_string(
            "admin/includes/decision_record.html", {"record": decision_record_present(limit_change_record(obj))}
        )

    def get_search_results(self, request, queryset, search_term):
        """Also finds the changes a policy version made by its label ("v12"), as notices name it."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        policy_version_id = PolicyVersion.pk_from_label(search_term)
        if policy_version_id is not None:
            results |= queryset.filter(policy_version_id=policy_version_id)
        return results, may_have_duplicates


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


# Offers of a higher limit: listed, made, approved and withdrawn by staff.
from accounts.credit import offer_admin  # noqa: E402, F401
