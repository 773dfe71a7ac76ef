"""The borrower's credit accounts and their limit history, for the mobile app."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers

from accounts.credit import selectors
from accounts.models import CreditAccount, LimitChange
from accounts.risk.records import limit_change_records_for_borrower
from portal.api_base import IsIdentityBound, PagePagination, error_responses


class CreditAccountListView(generics.ListAPIView):
    """The borrower's own credit accounts."""

    permission_classes = [IsIdentityBound]
    pagination_class = PagePagination

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "CreditAccount"

        id = serializers.IntegerField()
        external_id = serializers.CharField()
        product = serializers.CharField(source="product.name")
        currency = serializers.CharField(source="product.currency")
        credit_limit = serializers.DecimalField(max_digits=12, decimal_places=2)
        available_credit = serializers.DecimalField(max_digits=12, decimal_places=2)
        outstanding_balance = serializers.DecimalField(max_digits=12, decimal_places=2)
        status = serializers.ChoiceField(choices=CreditAccount.Status.choices)
        opened_at = serializers.DateTimeField()

    serializer_class = OutputSerializer

    @extend_schema(responses={200: OutputSerializer, **error_responses(401, 403, 404)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.credit_account_list(user=self.request.user)


class LimitChangeListView(generics.ListAPIView):
    """The ledger of one of the borrower's accounts, newest first, with reasons spelled out."""

    permission_classes = [IsIdentityBound]
    pagination_class = PagePagination

    class ReasonSerializer(serializers.Serializer):
        class Meta:
            ref_name = "LimitChangeReason"

        code = serializers.CharField()
        title = serializers.CharField()
        explanation = serializers.CharField()
        remedy = serializers.CharField()

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "LimitChange"

        sequence = serializers.IntegerField()
        kind = serializers.ChoiceField(choices=LimitChange.Kind.choices)
        previous_limit = serializers.DecimalField(max_digits=12, decimal_places=2)
        new_limit = serializers.DecimalField(max_digits=12, decimal_places=2)
        # Strings rather than two more enums of the account statuses (one enum name per choice set).
        previous_status = serializers.CharField(help_text="An account status, as in `CreditAccount.status`.")
        new_status = serializers.CharField(help_text="An account status, as in `CreditAccount.status`.")
        decided_by = serializers.ChoiceField(choices=LimitChange.DecidedBy.choices)
        effective_at = serializers.DateTimeField()
        appeal_deadline = serializers.DateTimeField(allow_null=True)
        reasons = serializers.SerializerMethodField()
        record = serializers.SerializerMethodField(
            help_text="The decision record the borrower may see: the policy version, each rule that fired "
            "with the borrower's own figures, and the signals read (issue 16)."
        )

        @extend_schema(responses=None)
        def get_reasons(self, change) -> list[dict]:
            return LimitChangeListView.ReasonSerializer(change.reasons, many=True).data

        def get_record(self, change) -> dict:
            return self.context["records"].get(change.pk, {})

    serializer_class = OutputSerializer

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self.records = limit_change_records_for_borrower(page if page is not None else queryset)
        return page

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "records": getattr(self, "records", {})}

    @extend_schema(responses={200: OutputSerializer, **error_responses(401, 403, 404)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        account = selectors.credit_account_get(user=self.request.user, account_id=self.kwargs["account_id"])
        return selectors.limit_change_list(user=self.request.user, account=account)
