"""Purchasers over HTTP (CONTRACT.md, Subscriptions)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from equity.exceptions import NotFound, PermissionDenied
from equity.idempotency import idempotent
from equity.investors import services
from equity.investors.models import Subscription
from equity.investors.selectors import rendered_risk_form, subscriptions_visible_to
from equity.offerings.selectors import offerings_visible_to
from equity.rest import (
    CentsField,
    IsComplianceOfficer,
    IsInvestor,
    ScopedRateThrottle,
    error_responses,
    parse,
)

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="A repeat with the same key and body returns the first response (P03).",
)


class SubscriptionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    offering = serializers.IntegerField(source="offering_id")
    state = serializers.CharField()
    amount_cents = serializers.IntegerField()
    quantity = serializers.IntegerField()
    currency = serializers.CharField()
    created_at = serializers.DateTimeField()
    withdrawal_deadline = serializers.DateTimeField()
    withdrawn_at = serializers.DateTimeField(allow_null=True)


def _public_offering(user: Any, offering_id: int):
    offering = offerings_visible_to(user).filter(pk=offering_id).first()
    if offering is None or offering.rulebook is None:
        raise NotFound()
    return offering


class RiskAcknowledgementApi(APIView):
    permission_classes = [IsInvestor]

    class OutputSerializer(serializers.Serializer):
        form_version = serializers.CharField()
        language = serializers.CharField()
        statements = serializers.ListField(
            child=serializers.DictField(child=serializers.CharField())
        )

    @extend_schema(responses={200: OutputSerializer, **error_responses(401, 403, 404)})
    def get(self, request: Request, offering_id: int) -> Response:
        offering = _public_offering(request.user, offering_id)
        form = rendered_risk_form(
            offering=offering, investor=request.user, language=get_language() or "fr"
        )
        return Response(
            self.OutputSerializer(
                {
                    "form_version": form.form.version,
                    "language": form.language,
                    "statements": form.statements,
                }
            ).data
        )


class AcknowledgementSerializer(serializers.Serializer):
    form_version = serializers.CharField(max_length=40)
    statements = serializers.ListField(child=serializers.CharField(max_length=64), max_length=50)
    full_name = serializers.CharField(max_length=200)


class SubscriptionCreateApi(APIView):
    """Subscribe; a missing or malformed acknowledgement is refused under R15 (422), not 400."""

    permission_classes = [IsInvestor]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "subscribe"

    class InputSerializer(serializers.Serializer):
        amount_cents = CentsField()
        risk_acknowledgement = AcknowledgementSerializer()

    class AmountSerializer(serializers.Serializer):
        amount_cents = CentsField()

    @extend_schema(
        request=InputSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: SubscriptionOutputSerializer,
            **error_responses(400, 401, 403, 404, 409, 422, 429),
        },
    )
    def post(self, request: Request, offering_id: int) -> Response:
        amount = parse(self.AmountSerializer, request.data)["amount_cents"]
        raw = request.data.get("risk_acknowledgement") if isinstance(request.data, dict) else None
        acknowledgement = AcknowledgementSerializer(data=raw if isinstance(raw, dict) else {})
        signed = acknowledgement.validated_data if acknowledgement.is_valid() else {}

        def write() -> Response:
            subscription = services.subscription_create(
                offering_id=offering_id,
                investor=request.user,
                amount_cents=amount,
                acknowledgement=services.SignedAcknowledgement(
                    form_version=signed.get("form_version", ""),
                    statements=list(signed.get("statements", [])),
                    full_name=signed.get("full_name", ""),
                    language=get_language() or "fr",
                    ip_address=request.META.get("REMOTE_ADDR"),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                ),
            )
            return Response(
                SubscriptionOutputSerializer(subscription).data, status=status.HTTP_201_CREATED
            )

        return idempotent(
            user=request.user,
            scope=f"offerings/{offering_id}/subscriptions",
            key=request.headers.get("Idempotency-Key"),
            body=request.data,
            write=write,
        )


class SubscriptionListApi(APIView):
    @extend_schema(responses={200: SubscriptionOutputSerializer(many=True), **error_responses(401)})
    def get(self, request: Request) -> Response:
        subscriptions = subscriptions_visible_to(request.user).filter(investor=request.user)
        return Response(SubscriptionOutputSerializer(subscriptions.order_by("pk"), many=True).data)


class SubscriptionDetailApi(APIView):
    @extend_schema(responses={200: SubscriptionOutputSerializer, **error_responses(401, 403, 404)})
    def get(self, request: Request, subscription_id: int) -> Response:
        subscription = subscriptions_visible_to(request.user).filter(pk=subscription_id).first()
        if subscription is None:
            if Subscription.objects.filter(pk=subscription_id).exists():
                raise PermissionDenied()
            raise NotFound()
        return Response(SubscriptionOutputSerializer(subscription).data)


class SubscriptionWithdrawApi(APIView):
    permission_classes = [IsInvestor]

    @extend_schema(
        request=None,
        responses={200: SubscriptionOutputSerializer, **error_responses(401, 403, 404, 409)},
    )
    def post(self, request: Request, subscription_id: int) -> Response:
        subscription = services.subscription_withdraw(
            investor=request.user, subscription_id=subscription_id
        )
        return Response(SubscriptionOutputSerializer(subscription).data)


class SuitabilityRecordApi(APIView):
    permission_classes = [IsComplianceOfficer]

    class InputSerializer(serializers.Serializer):
        investor = serializers.IntegerField(min_value=1)
        offering = serializers.IntegerField(min_value=1)
        determined_by = serializers.CharField(max_length=200)
        determined_at = serializers.DateTimeField()
        basis = serializers.CharField()

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        investor = serializers.IntegerField(source="investor_id")
        offering = serializers.IntegerField(source="offering_id")
        determined_by = serializers.CharField()
        determined_at = serializers.DateTimeField()
        basis = serializers.CharField()

    @extend_schema(
        request=InputSerializer,
        responses={201: OutputSerializer, **error_responses(400, 401, 403, 409)},
    )
    def post(self, request: Request) -> Response:
        data = parse(self.InputSerializer, request.data, field_rules={"basis": "R09"})
        determination = services.suitability_record(
            officer=request.user,
            investor_id=data["investor"],
            offering_id=data["offering"],
            determined_by=data["determined_by"],
            determined_at=data["determined_at"],
            basis=data["basis"],
        )
        return Response(self.OutputSerializer(determination).data, status=status.HTTP_201_CREATED)
