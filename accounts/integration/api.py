"""The integration API: the core system's service account upserts batches of up to 1000 rows.

Every endpoint takes ``{"rows": [...]}`` and answers ``{"created", "updated", "unchanged",
"errors"}``: 200 when every row was applied, 400 with every row's errors when any row was bad
(and then nothing was applied). Rows are checked by the same validators as the import command."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import TokenAuthentication
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from accounts.integration import fields, services
from accounts.integration.permissions import CanUseIntegrationAPI
from portal.api_base import error_responses


class RowsField(serializers.ListField):
    """A list of 1 to 1000 rows. The child serializer documents a row in the schema; the rows
    themselves are checked by the kind's validator in the service, which reports errors per row
    and field in this API's own format."""

    def __init__(self, **kwargs):
        super().__init__(min_length=1, max_length=services.MAX_ROWS_PER_CALL, **kwargs)

    def run_child_validation(self, data):
        return list(data)


def _schema_field(parser):
    options = {"required": parser.required, "help_text": parser.help_text or None}
    if not parser.required:
        options["allow_null"] = True
    match parser:
        case fields.Number():
            return serializers.DecimalField(
                max_digits=parser.max_digits,
                decimal_places=parser.decimal_places,
                min_value=parser.min_value,
                coerce_to_string=True,
                **options,
            )
        case fields.WholeNumber():
            return serializers.IntegerField(min_value=parser.min_value, max_value=parser.max_value, **options)
        case fields.Moment():
            return serializers.DateTimeField(**options)
        case fields.Day():
            return serializers.DateField(**options)
        case fields.Choice():
            return serializers.ChoiceField(choices=parser.choices, **options)
        case fields.CodeList():
            return serializers.ListField(
                child=serializers.CharField(), min_length=1, max_length=parser.max_items, **options
            )
        case fields.NationalIdNumber():
            return serializers.CharField(min_length=18, max_length=18, **options)
        case fields.Text():
            return serializers.CharField(max_length=parser.max_length, **options)
    raise TypeError(f"No schema for {parser!r}")


def row_serializer(kind, *, ref_name):
    """The documented shape of one row of ``kind``, built from the validator's declarations."""
    declared = {name: _schema_field(parser) for name, parser in services.ROW_KINDS[kind].fields.items()}
    meta = type("Meta", (), {"ref_name": ref_name})
    return type(f"{ref_name}Serializer", (serializers.Serializer,), {"Meta": meta, **declared})()


class IntegrationUpsertView(APIView):
    """Shared by every endpoint: token authentication only, the integration permission, and the
    answer format. Subclasses name their ``kind`` and their documented ``InputSerializer``."""

    # The project's token authentication (settings), and no session: the core system has no browser.
    authentication_classes = [
        auth for auth in api_settings.DEFAULT_AUTHENTICATION_CLASSES if issubclass(auth, TokenAuthentication)
    ]
    permission_classes = [IsAuthenticated, CanUseIntegrationAPI]
    parser_classes = [JSONParser]
    kind = ""

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "IntegrationUpsertResult"

        class RowErrorSerializer(serializers.Serializer):
            class Meta:
                ref_name = "IntegrationRowError"

            row = serializers.IntegerField(
                allow_null=True, help_text="0-based index of the row in `rows`; null for the request as a whole."
            )
            field = serializers.CharField()
            message = serializers.CharField()

        created = serializers.IntegerField()
        updated = serializers.IntegerField()
        unchanged = serializers.IntegerField()
        errors = RowErrorSerializer(many=True)

    InputSerializer = None

    def upsert(self, request):
        try:
            envelope = self.InputSerializer(data=request.data)
        except exceptions.ParseError as error:  # a body that is no JSON at all: the same 400 format
            return self._answer(
                services.Counts(), [services.RowError(None, "rows", str(error.detail))], status.HTTP_400_BAD_REQUEST
            )
        if not envelope.is_valid():
            errors = [
                services.RowError(None, name, str(message))
                for name, messages in envelope.errors.items()
                for message in messages
            ]
            return self._answer(services.Counts(), errors, status.HTTP_400_BAD_REQUEST)
        try:
            counts = services.integration_rows_apply(
                kind=self.kind, rows=envelope.validated_data["rows"], actor=request.user, request=request
            )
        except services.IntegrationRowsRejected as rejected:
            return self._answer(services.Counts(), rejected.errors, status.HTTP_400_BAD_REQUEST)
        return self._answer(counts, [], status.HTTP_200_OK)

    def _answer(self, counts, errors, status_code):
        data = {**counts.as_dict(), "errors": [vars(error) for error in errors]}
        return Response(self.OutputSerializer(data).data, status=status_code)


def _documented(*, request, operation_id, description):
    return extend_schema(
        request=request,
        operation_id=operation_id,
        description=description,
        tags=["integration"],
        responses={
            200: OpenApiResponse(IntegrationUpsertView.OutputSerializer, description="Every row was applied."),
            400: OpenApiResponse(
                IntegrationUpsertView.OutputSerializer,
                description="Some rows were invalid: `errors` lists each one and nothing was applied.",
            ),
            **error_responses(
                401,
                403,
                409,
                status_401="No token, or an unknown, expired or revoked one.",
                status_403="The token's login lacks the integration permission.",
                status_409="A parallel call wrote the same records first; nothing was applied, send it again.",
            ),
        },
    )


def upsert_view(*, kind, request_ref, row_ref, operation_id, description):
    """One endpoint: a subclass of ``IntegrationUpsertView`` for ``kind`` with its own documented
    ``InputSerializer`` (the component ``request_ref``, around rows of ``row_ref``) and operation id."""
    input_serializer = type(
        "InputSerializer",
        (serializers.Serializer,),
        {
            "Meta": type("Meta", (), {"ref_name": request_ref}),
            "rows": RowsField(child=row_serializer(kind, ref_name=row_ref)),
            "__module__": __name__,
        },
    )

    @_documented(request=input_serializer, operation_id=operation_id, description=description)
    def post(self, request):
        return self.upsert(request)

    name = request_ref.removeprefix("Integration").removesuffix("Request") + "View"
    attributes = {"kind": kind, "InputSerializer": input_serializer, "post": post, "__doc__": description}
    return type(name, (IntegrationUpsertView,), {**attributes, "__module__": __name__})


# Every batch endpoint, by the kind it applies (and its URL): the rest is the same for all.
UPSERT_VIEWS = {
    view.kind: view
    for view in (
        upsert_view(
            kind="customers",
            request_ref="IntegrationCustomersRequest",
            row_ref="IntegrationCustomerRow",
            operation_id="integration_customers_upsert",
            description="Create or update customer records, keyed by `external_id`. The ID number is checked "
            "and never stored; only its keyed hash and last four characters are.",
        ),
        upsert_view(
            kind="accounts",
            request_ref="IntegrationAccountsRequest",
            row_ref="IntegrationAccountRow",
            operation_id="integration_accounts_upsert",
            description="Open or update credit accounts, keyed by `external_id`. A different `credit_limit` on a "
            "known account is a `core_sync` limit change: it needs `reason_codes`, is written to the ledger and "
            "notifies the borrower. Closed and cleared accounts keep their limit; customer and product never change.",
        ),
        upsert_view(
            kind="balances",
            request_ref="IntegrationBalancesRequest",
            row_ref="IntegrationBalanceRow",
            operation_id="integration_balances_upsert",
            description="Set outstanding balances, keyed by `account_external_id`.",
        ),
        upsert_view(
            kind="repayment-schedules",
            request_ref="IntegrationRepaymentSchedulesRequest",
            row_ref="IntegrationInstallmentRow",
            operation_id="integration_repayment_schedules_upsert",
            description="Create or update repayment installments, keyed by `external_id`.",
        ),
        upsert_view(
            kind="score-updates",
            request_ref="IntegrationScoreUpdatesRequest",
            row_ref="IntegrationScoreUpdateRow",
            operation_id="integration_score_updates_upsert",
            description="Record score updates, keyed by the signal's `external_id`: each becomes a `score_update` "
            "risk signal (left for the risk policy to evaluate) and a point in the account's score history. "
            "A signal once received never changes.",
        ),
        upsert_view(
            kind="risk-signals",
            request_ref="IntegrationRiskSignalsRequest",
            row_ref="IntegrationRiskSignalRow",
            operation_id="integration_risk_signals_upsert",
            description="Record risk signals, keyed by `external_id`, left for the risk policy to evaluate. "
            "A `score_update` also records the score. A signal once received never changes.",
        ),
    )
}
