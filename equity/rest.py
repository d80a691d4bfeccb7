"""The HTTP edge shared by every app: the error shape, strict input fields, role checks.

Every refusal leaves through :func:`exception_handler` as the contract's
``{"code", "detail", "rule"}`` body (plus ``errors`` or ``violations``), with
``detail`` in the request's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import exceptions as drf
from rest_framework import permissions, serializers, throttling
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

from equity.exceptions import EquityError, InvalidInput
from equity.money import MAX_CENTS


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Answer an unknown address: the contract's JSON error under /api/, the page elsewhere."""
    if request.path.startswith("/api/"):
        body = {"code": "not_found", "detail": _("Not found."), "rule": None}
        return JsonResponse(body, status=404)
    return defaults.page_not_found(request, exception)


def exception_handler(exc: Exception, context: Mapping[str, Any]) -> Response | None:
    """Render any refusal in the contract's error shape."""
    if isinstance(exc, Http404 | OverflowError):
        # OverflowError: an id past 64 bits, which SQLite's driver cannot even bind
        # (PostgreSQL compares it and finds nothing); it names no record either way.
        exc = drf.NotFound()
    if isinstance(exc, EquityError):
        body = {"code": exc.code, "detail": str(exc.detail), "rule": exc.rule, **exc.extra()}
        status = exc.status
    elif isinstance(exc, drf.ValidationError):
        body = {
            "code": "invalid",
            "detail": _("The request is invalid."),
            "rule": None,
            "errors": exc.detail,
        }
        status = 400
    elif isinstance(exc, drf.NotAuthenticated | drf.AuthenticationFailed):
        body = {"code": "not_authenticated", "detail": str(exc.detail), "rule": None}
        status = 401
    elif isinstance(exc, drf.APIException):
        codes = {403: "forbidden", 404: "not_found", 400: "invalid"}
        body = {
            "code": codes.get(exc.status_code, exc.default_code),
            "detail": str(exc.detail),
            "rule": None,
        }
        status = exc.status_code
    else:
        return None
    set_rollback()
    response = Response(body, status=status)
    if status == 401:
        response["WWW-Authenticate"] = "Token"
    if isinstance(exc, drf.Throttled) and exc.wait is not None:
        response["Retry-After"] = str(max(1, round(exc.wait)))
    return response


def parse(
    serializer_class: type[serializers.Serializer],
    data: Any,
    *,
    field_rules: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Validate ``data`` and return it, or raise :class:`InvalidInput` naming the rule.

    ``field_rules`` maps an input field to the rule it serves, so that, say, a
    distribution period of 400 days is refused as invalid *under R12*.
    """
    serializer = serializer_class(data=data)
    if serializer.is_valid():
        return serializer.validated_data
    rule = next(
        (rule for field, rule in (field_rules or {}).items() if field in serializer.errors), None
    )
    raise InvalidInput(serializer.errors, rule=rule)


@extend_schema_field({"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_CENTS})
class CentsField(serializers.Field):
    """An amount in cents: a JSON integer, positive, within 64 bits. Nothing else.

    DRF's IntegerField would accept ``"100"`` and ``100.0``; money must not.
    """

    default_error_messages = {
        "type": "An amount in cents must be a JSON integer.",
        "positive": "An amount in cents must be greater than zero.",
        "range": "An amount in cents must fit in 64 bits.",
    }

    def to_internal_value(self, data: object) -> int:
        if type(data) is not int:
            self.fail("type")
        if data <= 0:
            self.fail("positive")
        if data > MAX_CENTS:
            self.fail("range")
        return data

    def to_representation(self, value: int) -> int:
        return value


class StrictIntegerField(serializers.IntegerField):
    """An integer that must arrive as a JSON integer, not a string or a float."""

    def to_internal_value(self, data: object) -> int:
        if type(data) is not int:
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """A boolean that must arrive as JSON ``true`` or ``false``."""

    def to_internal_value(self, data: object) -> bool:
        if type(data) is not bool:
            self.fail("invalid", input=data)
        return data


class AutoSchema(SpectacularAutoSchema):
    """Name each operation's nested serializers after it: ``OfferingCreateInput``."""

    def get_serializer_name(self, serializer: serializers.Serializer, direction: str) -> str:
        name = super().get_serializer_name(serializer, direction)
        owner = type(serializer).__qualname__.split(".")
        if len(owner) > 1:
            return owner[0].removesuffix("Api") + name.removesuffix("Serializer")
        return name


class ScopedRateThrottle(throttling.ScopedRateThrottle):
    """Limit a view's calls per user (or per address when anonymous) by its ``throttle_scope``.

    DRF's own class copies the rates once, when it is defined; this one reads
    ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` when it runs, so a deployment's
    environment and a test's ``override_settings`` both take effect.
    """

    @property
    def THROTTLE_RATES(self) -> dict[str, str | None]:  # the name DRF reads
        return api_settings.DEFAULT_THROTTLE_RATES


class IsIssuer(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_issuer)


class IsInvestor(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_investor)


class IsComplianceOfficer(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return bool(
            request.user and request.user.is_authenticated and request.user.is_compliance_officer
        )


ERROR_RESPONSE = inline_serializer(
    "Error",
    fields={
        "code": serializers.CharField(),
        "detail": serializers.CharField(),
        "rule": serializers.CharField(allow_null=True),
        "errors": serializers.DictField(required=False),
        "violations": serializers.ListField(child=serializers.DictField(), required=False),
    },
)
"""The contract's error body, for the OpenAPI schema."""


def error_responses(*statuses: int) -> dict[int, serializers.Serializer]:
    """Return the schema's error responses for the given statuses."""
    return dict.fromkeys(statuses, ERROR_RESPONSE)
