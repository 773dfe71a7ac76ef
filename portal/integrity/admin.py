"""The seal chain in admin, read-only: the blocks list carries the chain head and the last
verification (a mismatch shown first), for staff who may view sealed blocks."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from portal.admin_base import ReadOnlyAdmin
from portal.integrity import selectors
from portal.integrity.models import IntegrityVerification, SealBlock
from portal.integrity.services import mismatch_describe


@admin.register(SealBlock)
class SealBlockAdmin(ReadOnlyAdmin):
    change_list_template = "portal/integrity/admin/sealblock_change_list.html"
    list_display = ["sequence", "sealed_at", "row_count", "first_row_at", "last_row_at", "short_hash", "key_id"]
    fields = [
        "sequence",
        "sealed_at",
        "row_count",
        "first_row_at",
        "last_row_at",
        "previous_hash",
        "merkle_root",
        "block_hash",
        "key_id",
        "signature",
    ]
    readonly_fields = fields
    date_hierarchy = "sealed_at"
    show_full_result_count = False

    @admin.display(description=_("block hash"))
    def short_hash(self, block):
        return block.block_hash[:16]

    def changelist_view(self, request, extra_context=None):
        status = selectors.integrity_status()
        extra_context = {
            **(extra_context or {}),
            "integrity": status,
            "mismatch": mismatch_describe(status.last_verification) if status.last_verification else "",
        }
        return super().changelist_view(request, extra_context=extra_context)


@admin.register(IntegrityVerification)
class IntegrityVerificationAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "outcome", "blocks_checked", "rows_checked", "mismatch", "alerted"]
    list_filter = ["outcome"]
    readonly_fields = [
        "started_at",
        "finished_at",
        "outcome",
        "blocks_checked",
        "rows_checked",
        "failure_block",
        "failure_model",
        "failure_object_id",
        "failure_sealed_at",
        "failure_message",
        "alerted",
        "head_sequence",
        "head_hash",
    ]
    fields = readonly_fields

    @admin.display(description=_("what does not match"))
    def mismatch(self, verification):
        return mismatch_describe(verification)
