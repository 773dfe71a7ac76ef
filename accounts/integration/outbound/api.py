"""The core system's answer to an instruction: a signed POST through the integration API."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.integration.api import IntegrationUpsertView
from accounts.integration.outbound import services, signing
from accounts.integration.permissions import CanUseIntegrationAPI
from portal.api_base import StrictInputSerializer, error_responses


# Documented as a pattern, not an enum: another API's "outcome" enum would collide with this one's name.
@extend_schema_field({"type": "string", "pattern": "^(confirmed|refused)$"})
class OutcomeField(serializers.ChoiceField):
    pass


class OutcomeInputSerializer(StrictInputSerializer):
    class Meta:
        ref_name = "IntegrationInstructionOutcomeRequest"

    outcome = OutcomeField(
        choices=services.OUTCOMES, help_text="`confirmed` once carried out, `refused` if the core system will not."
    )
    detail = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text="Why, in words (a refusal's reason).",
    )
    data = serializers.DictField(
        required=False,
        default=dict,
        help_text='What the core system decided, e.g. `{"schedule": [{"due_date": "2025-07-15", '
        '"amount_due": "1200.00"}]}` for a new repayment schedule.',
    )


class OutcomeOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "IntegrationInstructionOutcome"

    idempotency_key = serializers.UUIDField()
    kind = serializers.CharField()
    subject_reference = serializers.CharField()
    status = serializers.CharField(help_text="`confirmed` or `refused`: the recorded answer.")
    outcome_detail = serializers.CharField()
    outcome_data = serializers.DictField()
    answered_at = serializers.DateTimeField()


SIGNATURE_PARAMETERS = [
    OpenApiParameter(
        signing.KEY_ID_HEADER,
        str,
        location=OpenApiParameter.HEADER,
        required=True,
        description="The id of the shared key the request is signed with (any key of CORE_SYSTEM_KEYS).",
    ),
    OpenApiParameter(
        signing.TIMESTAMP_HEADER,
        {"type": "string", "pattern": "^[0-9]+$"},
        location=OpenApiParameter.HEADER,
        required=True,
        description="When the request was signed, in whole seconds since 1970 (UTC); at most five minutes "
        "from the portal's clock.",
    ),
    OpenApiParameter(
        signing.SIGNATURE_HEADER,
        {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        location=OpenApiParameter.HEADER,
        required=True,
        description="Lowercase hex HMAC-SHA256, under the key's secret, of the timestamp, `POST`, the path "
        "(`/api/integration/v1/instructions/<key>/outcome/`) and the body, joined by newlines.",
    ),
]


class InstructionOutcomeView(APIView):
    """The core system answers an instruction the portal sent it, naming it by its idempotency key."""

    authentication_classes = IntegrationUpsertView.authentication_classes
    permission_classes = [IsAuthenticated, CanUseIntegrationAPI]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="integration_instruction_outcome_record",
        tags=["integration"],
        description="Confirm or refuse an instruction the portal sent (a repayment option the borrower chose). "
        "Signed like the portal's requests to the core system (HMAC-SHA256 with a key of the shared set). "
        "The same answer sent again returns the recorded one (200); an answer is never changed.",
        parameters=SIGNATURE_PARAMETERS,
        request=OutcomeInputSerializer,
        responses={
            200: OpenApiResponse(OutcomeOutputSerializer, description="The answer is recorded (or was already)."),
            **error_responses(
                400,
                401,
                403,
                404,
                409,
                status_401="No token, or a missing, unknown-key, stale (more than five minutes) or wrong "
                "signature (`code` `signature_missing`, `signature_key_unknown`, `signature_stale`, "
                "`signature_invalid`).",
                status_403="The token's login is not a member of the core-system integration group.",
                status_404="No instruction has this idempotency key.",
                status_409="The instruction already has a different answer (`code` `already_answered`).",
            ),
        },
    )
    def post(self, request, idempotency_key):
        body = request._request.body
        signing.request_signature_verify(
            headers=request.headers, method=request.method, path=request._request.get_full_path(), body=body
        )
        serializer = OutcomeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instruction, replayed = services.core_outcome_record(
            idempotency_key=idempotency_key,
            outcome=serializer.validated_data["outcome"],
            detail=serializer.validated_data["detail"],
            data=serializer.validated_data["data"],
            actor=request.user,
            request=request,
        )
        response = Response(OutcomeOutputSerializer(instruction).data)
        if replayed:
            response["Idempotent-Replayed"] = "true"
        return response
