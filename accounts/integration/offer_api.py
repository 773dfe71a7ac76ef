"""``POST /api/integration/v1/limit-offers/``: the core system offers a borrower a higher limit.

Same login, permission, Idempotency-Key and JSON errors as the batch endpoints (``api``), for one
offer per call; the error body is the rest of the API's (``detail``, ``code``, ``field_errors``)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.integration import api, services
from accounts.integration.services.offers import LimitOfferRequest, integration_limit_offer_make
from portal.api_base import ErrorSerializer, error_responses

OfferRequestSerializer = type(
    "IntegrationLimitOfferRequestSerializer",
    (serializers.Serializer,),
    {
        "Meta": type("Meta", (), {"ref_name": "IntegrationLimitOfferRequest"}),
        **{name: api._schema_field(parser) for name, parser in LimitOfferRequest.fields.items()},
    },
)

OfferAnswerSerializer = inline_serializer(
    "IntegrationLimitOfferResult",
    {
        "offered": serializers.BooleanField(help_text="Whether an offer was made."),
        "reason": serializers.ChoiceField(
            choices=["opted_out"], allow_null=True, help_text="Why no offer was made: `opted_out`."
        ),
        "offer": inline_serializer(
            "IntegrationLimitOffer",
            {
                "id": serializers.IntegerField(),
                "account_external_id": serializers.CharField(),
                "offered_limit": serializers.DecimalField(max_digits=12, decimal_places=2),
                "previous_limit": serializers.DecimalField(max_digits=12, decimal_places=2),
                "status": serializers.CharField(),
                "expires_at": serializers.DateTimeField(),
            },
            allow_null=True,
        ),
    },
)


class LimitOfferCreateView(APIView):
    authentication_classes = api.IntegrationUpsertView.authentication_classes
    permission_classes = api.IntegrationUpsertView.permission_classes
    parser_classes = api.IntegrationUpsertView.parser_classes
    kind = "limit-offers"

    @extend_schema(
        request=OfferRequestSerializer,
        operation_id="integration_limit_offer_make",
        tags=["integration"],
        parameters=[api.IDEMPOTENCY_KEY],
        description="Offer a borrower's credit line a higher limit. The limit does not change: the borrower "
        "accepts or declines the offer (on the web, in the app or from the email), and only an accepted offer "
        "raises it. An older open offer on the line is withdrawn. A borrower who asked not to be offered "
        "increases gets no offer: the answer is 200 with `offered` false and `reason` `opted_out`.",
        responses={
            201: OpenApiResponse(OfferAnswerSerializer, description="The offer was made and sent to the borrower."),
            200: OpenApiResponse(
                OfferAnswerSerializer,
                description="No offer was made: the borrower asked not to be offered increases (`opted_out`).",
            ),
            400: OpenApiResponse(
                ErrorSerializer,
                description="Invalid input (`field_errors` names each field; an unknown account or an offer not "
                "above the current limit among them); nothing was made.",
            ),
            **error_responses(
                401,
                403,
                409,
                413,
                415,
                status_409="The line is not active (`code` `not_active`), or the Idempotency-Key was already used "
                "with another body (`code` `idempotency_key`). Nothing was made.",
            ),
        },
    )
    def post(self, request):
        try:
            data = api.IntegrationUpsertView._request_data(request)
            key = request.headers.get(api.IDEMPOTENCY_KEY.name)
            if key is not None:
                services.idempotency_key_check(key)
        except services.IdempotencyKeyInvalid as error:
            body = {"detail": str(error), "code": "invalid", "field_errors": {api.IDEMPOTENCY_KEY.name: [str(error)]}}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        answer = services.integration_idempotent_call(
            user=request.user,
            key=key,
            kind=self.kind,
            data=data,
            apply=lambda: integration_limit_offer_make(data=data, actor=request.user, request=request),
        )
        return Response(answer.body, status=answer.status_code)
