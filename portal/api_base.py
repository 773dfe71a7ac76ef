"""Shared pieces of the REST API that every app builds on: the error handler that turns a
service's PortalError into a response, and the permission credit data needs. Apps import these
from here, never from another app's api module."""

from rest_framework import permissions
from rest_framework.exceptions import APIException
from rest_framework.views import exception_handler as drf_exception_handler

from portal.exceptions import PortalError


class PortalAPIError(APIException):
    def __init__(self, error):
        self.status_code = error.status_code
        super().__init__(detail={"detail": error.message, "code": error.code}, code=error.code)


def exception_handler(exc, context):
    """A service's PortalError becomes a 400 (or its own status) with the translated message."""
    if isinstance(exc, PortalError):
        exc = PortalAPIError(exc)
    return drf_exception_handler(exc, context)


class IsIdentityBound(permissions.BasePermission):
    """Credit data is visible only once the login is linked to a customer record."""

    message = "Link your login to your customer record (identity verification) first."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.customer_id)
