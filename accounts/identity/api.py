from django.conf import settings
from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api_base import error_responses


class MeView(APIView):
    """The signed-in user and whether their login is linked to a customer record."""

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "Me"

        email = serializers.EmailField()
        # A string rather than a second enum of the same languages (one enum name per choice set).
        preferred_language = serializers.CharField(help_text="The language saved in the account: zh-hans or en.")
        language = serializers.ChoiceField(choices=settings.LANGUAGES, help_text="The language of this answer.")
        identity_bound = serializers.BooleanField()
        identity_bound_at = serializers.DateTimeField(allow_null=True)
        masked_name = serializers.CharField(allow_null=True)
        masked_national_id = serializers.CharField(allow_null=True)
        is_staff = serializers.BooleanField()

    @extend_schema(responses={200: OutputSerializer, **error_responses(401)}, operation_id="me_retrieve")
    def get(self, request):
        user = request.user
        customer = user.customer
        data = {
            "email": user.email,
            "preferred_language": user.preferred_language,
            "language": get_language(),
            "identity_bound": customer is not None,
            "identity_bound_at": user.identity_bound_at,
            "masked_name": customer.masked_name if customer else None,
            "masked_national_id": customer.masked_national_id if customer else None,
            "is_staff": user.acts_as_staff,
        }
        return Response(self.OutputSerializer(data).data)
