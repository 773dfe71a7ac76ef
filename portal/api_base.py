"""Shared pieces of the REST API that every app builds on: the error handler that turns a
service's PortalError (and every other refusal) into one error body, the schema of that body and
of the statuses each operation documents, and the permission credit data needs. Apps import
these from here, never from another app's api module."""

import re

from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, QueryDict
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from portal.exceptions import PortalError


class ErrorSerializer(serializers.Serializer):
    """The body of every error answer (the integration API's 400 has its own, per row): what
    went wrong, a code for programs, and for invalid input the messages per field."""

    class Meta:
        ref_name = "Error"

    detail = serializers.CharField(help_text="What went wrong and what to do, in the reader's language.")
    code = serializers.CharField(
        help_text="A stable, machine-readable reason, e.g. `invalid`, `not_authenticated`, `permission_denied`, "
        "`not_found`, `idempotency_key`, `wrong_code`, `open_request_exists`."
    )
    field_errors = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        help_text="Only for invalid input (400): the messages per input field, e.g. "
        '`{"statement": ["This field may not be blank."]}`. A list or object field nests the same way.',
    )


# An input serializer that takes a JSON body at its documented types: a string where the schema
# says string, a whole number where it says integer, true/false for a boolean. DRF would quietly
# turn 0 into "0" or "yes" into true; a client that sends the wrong type has a bug it should hear
# about (400). Form and multipart bodies, where every value is text, keep the fields' usual parsing.
# (A comment, not a docstring: the schema would show a docstring on every input component.)
class StrictInputSerializer(serializers.Serializer):
    def to_internal_value(self, data):
        if isinstance(data, dict) and not isinstance(data, QueryDict):
            errors = {
                name: [_wrong_type_message(field, data[name])]
                for name, field in self.fields.items()
                if name in data and not field.read_only and not _json_type_matches(field, data[name])
            }
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


def _json_type_matches(field, value):
    if value is None:
        return True  # the field's allow_null decides
    if isinstance(field, serializers.BooleanField):
        return isinstance(value, bool)
    if isinstance(field, serializers.IntegerField):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(field, (serializers.CharField, serializers.ChoiceField, serializers.DecimalField)):
        return isinstance(value, str)  # a decimal is documented as a string, e.g. "20000.00"
    if isinstance(field, serializers.ListField) and isinstance(value, list):
        return all(_json_type_matches(field.child, item) for item in value)
    return True


def _wrong_type_message(field, value):
    if isinstance(field, serializers.ListField):  # a list with an item of the wrong type
        item = next(item for item in value if not _json_type_matches(field.child, item))
        return _wrong_type_message(field.child, item)
    if isinstance(field, serializers.ChoiceField):
        return field.error_messages["invalid_choice"].format(input=value)
    return field.error_messages["invalid"]


class PortalAPIError(exceptions.APIException):
    def __init__(self, error):
        self.status_code = error.status_code
        body = {"detail": error.message, "code": error.code}
        if error.field:
            body["field_errors"] = {error.field: [error.message]}
        super().__init__(detail=body, code=error.code)


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = _("The request body is too large. Send fewer rows per call.")
    default_code = "request_too_large"


def exception_handler(exc, context):
    """Every refusal answers with one body (``ErrorSerializer``): a service's PortalError with its
    own status (400 unless it says otherwise) and translated message, invalid input with 400 and
    the messages per field, a missing object (also one that is another person's) with 404."""
    exc = _as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is not None:
        response.data = _error_body(exc, response.data)
    return response


def _as_api_exception(exc):
    if isinstance(exc, PortalError):
        return PortalAPIError(exc)
    if isinstance(exc, Http404):
        return exceptions.NotFound(*exc.args)
    if isinstance(exc, ObjectDoesNotExist):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(*exc.args)
    if isinstance(exc, RequestDataTooBig):  # a body over DATA_UPLOAD_MAX_MEMORY_SIZE (issue 21)
        return RequestTooLarge()
    if isinstance(exc, SuspiciousOperation):  # a body past Django's limits (too many fields)
        return exceptions.ParseError()
    return exc


def _error_body(exc, data):
    if isinstance(exc, PortalAPIError):
        return data
    if isinstance(exc, exceptions.ValidationError):
        fields = data if isinstance(data, dict) else {"non_field_errors": data}
        return {"detail": _first_message(fields), "code": "invalid", "field_errors": fields}
    codes = exc.get_codes()
    return {"detail": _first_message(data), "code": codes if isinstance(codes, str) else "error"}


def _first_message(errors):
    """The first message of DRF's nested errors (dicts of lists of messages, at any depth)."""
    if isinstance(errors, str):
        return errors
    if isinstance(errors, dict):
        errors = list(errors.values())
    for error in errors:
        message = _first_message(error)
        if message:
            return str(message)
    return ""


# What each error status means, as documented on every operation that can answer it.
ERROR_DESCRIPTIONS = {
    400: "Invalid input (`code` is `invalid`; `field_errors` names each field), or a rule refused the action "
    "(`code` says which).",
    401: "No credentials, or a token that is unknown, expired or revoked.",
    403: "The login may not do this: not yet linked to a customer record, a token without the needed "
    "permission, or a session call without its CSRF token.",
    404: "No such object among yours (another person's looks the same), or a page number past the end.",
    409: "The object is not in a state that allows this (already submitted, withdrawn, decided, or an open "
    "one exists).",
    413: "The request body is larger than the server accepts (`code` is `request_too_large`).",
    415: "The body is not JSON: send `Content-Type: application/json` (`code` is `unsupported_media_type`).",
}


def error_responses(*statuses, **descriptions):
    """The documented error answers of one operation, each with the ``Error`` body:
    ``error_responses(400, 401, 404, status_409="…")`` (a ``status_NNN`` keyword replaces that
    status's general description with one particular to the operation)."""
    responses = {}
    for status in sorted({*statuses, *(int(name.removeprefix("status_")) for name in descriptions)}):
        description = descriptions.get(f"status_{status}", ERROR_DESCRIPTIONS[status])
        responses[status] = OpenApiResponse(ErrorSerializer, description=description)
    return responses


@extend_schema(exclude=True)
class NotFoundView(APIView):
    """Mounted last under each API prefix: a path that matches no route there (``/api/v1/appeals/abc/``,
    an id that is no number) answers like a missing object, in JSON, not with the site's HTML page."""

    def get(self, request, *args, **kwargs):
        raise exceptions.NotFound()

    post = put = patch = delete = get


class PagePagination(PageNumberPagination):
    """DRF's page numbers, checked as the schema documents them: a whole number from 1, or no
    ``page`` at all for the first. Anything else (``page=``, ``page=last``, ``page=1.0``) is a 404,
    as a page past the end is, instead of quietly showing another page."""

    def get_page_number(self, request, paginator):
        number = request.query_params.get(self.page_query_param, "1")
        if not re.fullmatch(r"[1-9][0-9]*", number):
            raise exceptions.NotFound(self.invalid_page_message)
        return number

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
        return parameters


class IsIdentityBound(permissions.BasePermission):
    """Credit data is visible only once the login is linked to a customer record."""

    message = _("Link your login to your customer record (identity verification) first.")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.customer_id)
