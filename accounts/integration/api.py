"""The integration API: the core system's service account upserts batches of up to 1000 rows.

Every endpoint takes ``{"rows": [...]}`` and answers ``{"created", "updated", "unchanged",
"errors"}``: 200 when every row was applied, 400 with every row's errors when any row was bad
(and then nothing was applied). Rows are checked by the same validators as the import command."""

from django.core.validators import RegexValidator
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
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

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": 100, "pattern": services.KEY_PATTERN},
    location=OpenApiParameter.HEADER,
    required=False,
    description="Optional; send one with every write, e.g. a UUID. The answer is kept for "
    "INTEGRATION_IDEMPOTENCY_HOURS (24 h): the same key with the same body answers it again (same status) "
    "without applying anything; the same key with another body is refused with 409.",
)


class RowsField(serializers.ListField):
    """A list of 1 to 1000 rows. The child serializer documents a row in the schema; the rows
    themselves are checked by the kind's validator in the service, which reports errors per row
    and field in this API's own format."""

    def __init__(self, **kwargs):
        super().__init__(min_length=1, max_length=services.MAX_ROWS_PER_CALL, **kwargs)

    def run_child_validation(self, data):
        return list(data)


def _one_of_field(schema, **options):
    """A schema-only field (rows are checked by the kind's validator) documented as ``schema``."""
    return extend_schema_field(schema)(type("DocumentedField", (serializers.JSONField,), {}))(**options)


def _number_field(parser, options):
    """A decimal: text in the exact format the parser takes, or a JSON number within its bounds."""
    ceiling = 10 ** (parser.max_digits - parser.decimal_places)
    number = {"type": "number", "exclusiveMaximum": True, "maximum": ceiling}
    if parser.min_value is not None:
        number["minimum"] = float(parser.min_value)
    else:
        number.update(exclusiveMinimum=True, minimum=-ceiling)
    text = {"type": "string", "format": "decimal", "pattern": parser.schema_pattern()}
    return _one_of_field({"oneOf": [text, number]}, **options)


def _whole_number_field(parser, options):
    number = {"type": "integer", "minimum": parser.min_value, "maximum": parser.max_value}
    return _one_of_field({"oneOf": [number, {"type": "string", "pattern": parser.schema_text_pattern}]}, **options)


def _schema_field(parser):
    options = {"required": parser.required, "help_text": parser.help_text or None}
    if not parser.required:
        options["allow_null"] = True
    match parser:
        case fields.Number():
            return _number_field(parser, options)
        case fields.WholeNumber():
            return _whole_number_field(parser, options)
        case fields.Moment():
            return serializers.DateTimeField(**options)
        case fields.Day():
            return serializers.DateField(**options)
        case fields.Choice():
            return serializers.ChoiceField(choices=parser.choices, **options)
        case fields.CodeList():
            return serializers.ListField(
                child=serializers.CharField(validators=[RegexValidator(fields.Text(required=True).schema_pattern())]),
                min_length=1,
                max_length=parser.max_items,
                **options,
            )
        case fields.NationalIdNumber():
            return serializers.CharField(min_length=18, max_length=18, **options)
        case fields.Text():
            return serializers.CharField(
                max_length=parser.max_length,
                validators=[RegexValidator(parser.schema_pattern())],
                **options,
            )
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
            data = self._request_data(request)
            key = request.headers.get(IDEMPOTENCY_KEY.name)
            if key is not None:
                services.idempotency_key_check(key)
        except (exceptions.ParseError, services.IdempotencyKeyInvalid) as error:
            field = IDEMPOTENCY_KEY.name if isinstance(error, services.IdempotencyKeyInvalid) else "rows"
            message = str(getattr(error, "detail", error))
            return self._response(self._refusal([services.RowError(None, field, message)]))
        answer = services.integration_idempotent_call(
            user=request.user, key=key, kind=self.kind, data=data, apply=lambda: self._apply(request, data)
        )
        return self._response(answer)

    @staticmethod
    def _request_data(request):
        """The parsed body. A body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is refused before it is read
        (413): DRF's parser would read any size."""
        request._request.body  # noqa: B018 -- Django's size check (RequestDataTooBig)
        return request.data

    def _apply(self, request, data):
        envelope = self.InputSerializer(data=data)
        if not envelope.is_valid():
            return self._refusal(
                [
                    services.RowError(None, name, str(message))
                    for name, messages in envelope.errors.items()
                    for message in messages
                ]
            )
        try:
            counts = services.integration_rows_apply(
                kind=self.kind, rows=envelope.validated_data["rows"], actor=request.user, request=request
            )
        except services.IntegrationRowsRejected as rejected:
            return self._refusal(rejected.errors, status_code=rejected.status_code)
        return services.Answer(status.HTTP_200_OK, self._body(counts, []))

    def _refusal(self, errors, status_code=status.HTTP_400_BAD_REQUEST):
        return services.Answer(status_code, self._body(services.Counts(), errors))

    def _body(self, counts, errors):
        return dict(self.OutputSerializer({**counts.as_dict(), "errors": [vars(error) for error in errors]}).data)

    @staticmethod
    def _response(answer):
        return Response(answer.body, status=answer.status_code)

    def handle_exception(self, exc):
        """Every 400 of these endpoints has the per-row body, also one Django or DRF raises before
        the view runs (a body past Django's limits)."""
        response = super().handle_exception(exc)
        if response is not None and response.status_code == status.HTTP_400_BAD_REQUEST:
            detail = response.data.get("detail", "") if isinstance(response.data, dict) else str(response.data)
            response.data = self._body(services.Counts(), [services.RowError(None, services.NON_FIELD, str(detail))])
        return response


def _documented(*, request, operation_id, description):
    return extend_schema(
        request=request,
        operation_id=operation_id,
        description=description,
        tags=["integration"],
        parameters=[IDEMPOTENCY_KEY],
        responses={
            200: OpenApiResponse(IntegrationUpsertView.OutputSerializer, description="Every row was applied."),
            400: OpenApiResponse(
                IntegrationUpsertView.OutputSerializer,
                description="Some rows were invalid: `errors` lists each one (`row` its 0-based index, `field`, "
                "`message`) and nothing was applied. A body that is no JSON, a malformed Idempotency-Key or a "
                "request Django refuses (too many fields) answers the same shape with `row` null.",
            ),
            **error_responses(
                401,
                403,
                409,
                413,
                415,
                status_401="No token, or an unknown, expired or revoked one.",
                status_403="The token's login is not a member of the core-system integration group "
                "(superusers included).",
                status_409="A parallel call wrote the same records first (`code` `conflict`; nothing was applied, "
                "send it again), or the Idempotency-Key was already used with another body (`code` "
                "`idempotency_key`). An account row that would raise a limit without the borrower's consent "
                "answers 409 with the per-row body (`field` `credit_limit`): a limit only goes up when the "
                "borrower accepts an offer: offer it through `POST /api/integration/v1/limit-offers/`.",
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
