"""Money over HTTP (CONTRACT.md): payment notifications, escrow, closing, disbursements."""

from __future__ import annotations

import json
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from equity.escrow import selectors, services, settlement, statements
from equity.escrow.models import PaymentStatus
from equity.exceptions import InvalidInput, NotFound, PermissionDenied
from equity.offerings.api import OfferingOutputSerializer
from equity.offerings.models import Offering
from equity.rest import CentsField, IsComplianceOfficer, error_responses, parse
from equity.security import webhook_signature_verify


def _owned_or_officer(user: Any, offering_id: int) -> Offering:
    offering = Offering.objects.select_related("issuer").filter(pk=offering_id).first()
    if offering is None:
        raise NotFound()
    if not (user.is_compliance_officer or offering.issuer.owner_id == user.pk):
        raise PermissionDenied()
    return offering


class PaymentNotificationApi(APIView):
    """The payment processor's webhook: HMAC-SHA256 over the raw body, idempotent by event.

    ``X-Signature: sha256=<hex>`` (the contract's) signs the body; ``t=<unix>,v1=<hex>``
    signs ``"<t>." + body`` and is refused outside a tolerance, so a captured
    notification cannot be replayed later (equity.security).
    """

    permission_classes = [AllowAny]
    authentication_classes: list = []

    class InputSerializer(serializers.Serializer):
        event_id = serializers.CharField(max_length=200)
        subscription_id = serializers.CharField(max_length=64)
        amount_cents = CentsField()
        status = serializers.ChoiceField(choices=PaymentStatus.values)

    @extend_schema(
        request=InputSerializer,
        parameters=[
            OpenApiParameter(
                "X-Signature",
                str,
                OpenApiParameter.HEADER,
                required=True,
                description=(
                    "sha256=<hex HMAC-SHA256 of the raw body>, or "
                    't=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + the raw body> '
                    "(refused outside PAYMENT_WEBHOOK_TOLERANCE_SECONDS)"
                ),
            )
        ],
        responses={
            200: inline_serializer(
                "PaymentReceipt",
                {"event_id": serializers.CharField(), "outcome": serializers.CharField()},
            ),
            **error_responses(400, 401),
        },
    )
    def post(self, request: Request) -> Response:
        raw = request._request.body  # the exact bytes the processor signed
        webhook_signature_verify(request.headers.get("X-Signature", ""), raw)
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        data = parse(
            self.InputSerializer,
            body if isinstance(body, dict) else {},
            field_rules={"event_id": "P03"},
        )
        payment = services.payment_record(
            event_id=data["event_id"],
            subscription_reference=str(data["subscription_id"]),
            amount_cents=data["amount_cents"],
            status=data["status"],
            source="processor",
        )
        return Response({"event_id": payment.event_id, "outcome": payment.outcome})


class EscrowApi(APIView):
    class OutputSerializer(serializers.Serializer):
        held_cents = serializers.IntegerField()
        paid_in_cents = serializers.IntegerField()
        released_cents = serializers.IntegerField()
        refunded_cents = serializers.IntegerField()
        refunds_pending_cents = serializers.IntegerField()
        payout_pending_cents = serializers.IntegerField()
        balanced = serializers.BooleanField()

    @extend_schema(responses={200: OutputSerializer, **error_responses(401, 403, 404)})
    def get(self, request: Request, offering_id: int) -> Response:
        offering = _owned_or_officer(request.user, offering_id)
        return Response(self.OutputSerializer(selectors.escrow_summary(offering.pk)).data)


class OfferingCloseApi(APIView):
    @extend_schema(
        request=None,
        responses={200: OfferingOutputSerializer, **error_responses(401, 403, 404, 409, 422)},
    )
    def post(self, request: Request, offering_id: int) -> Response:
        offering = settlement.offering_close(offering_id=offering_id, actor=request.user)
        return Response(OfferingOutputSerializer(offering).data)


class SecuritiesRegisterApi(APIView):
    class OutputSerializer(serializers.Serializer):
        certificate_number = serializers.CharField()
        holder = serializers.IntegerField(source="holder_id")
        holder_name = serializers.CharField(source="holder.full_name")
        security_class = serializers.CharField()
        quantity = serializers.IntegerField()
        issued_on = serializers.DateField()
        legend = serializers.CharField()

    @extend_schema(responses={200: OutputSerializer(many=True), **error_responses(401, 403, 404)})
    def get(self, request: Request, offering_id: int) -> Response:
        offering = _owned_or_officer(request.user, offering_id)
        holdings = selectors.securities_register(offering.pk)
        return Response(self.OutputSerializer(holdings, many=True).data)


class DisbursementOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    offering = serializers.IntegerField(source="offering_id", allow_null=True)
    subscription = serializers.IntegerField(source="subscription_id", allow_null=True)
    amount_cents = serializers.IntegerField()
    reason = serializers.CharField()
    instructed_at = serializers.DateTimeField()
    due_by = serializers.DateTimeField()
    confirmed_at = serializers.DateTimeField(allow_null=True)
    bank_reference = serializers.CharField()


class DisbursementListApi(APIView):
    permission_classes = [IsComplianceOfficer]

    @extend_schema(
        parameters=[OpenApiParameter("overdue", bool, description="only those past due")],
        responses={200: DisbursementOutputSerializer(many=True), **error_responses(401, 403)},
    )
    def get(self, request: Request) -> Response:
        pending = (
            selectors.overdue_disbursements()
            if request.query_params.get("overdue") in {"1", "true"}
            else selectors.pending_disbursements()
        )
        return Response(DisbursementOutputSerializer(pending[:1000], many=True).data)


class DisbursementConfirmApi(APIView):
    permission_classes = [IsComplianceOfficer]

    class InputSerializer(serializers.Serializer):
        bank_reference = serializers.CharField(max_length=100)

    @extend_schema(
        request=InputSerializer,
        responses={200: DisbursementOutputSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request: Request, disbursement_id: int) -> Response:
        data = parse(self.InputSerializer, request.data, field_rules={"bank_reference": "R13"})
        disbursement = services.disbursement_confirm(
            officer=request.user,
            disbursement_id=disbursement_id,
            bank_reference=data["bank_reference"],
        )
        return Response(DisbursementOutputSerializer(disbursement).data)


class BankTransferRecordApi(APIView):
    permission_classes = [IsComplianceOfficer]

    class InputSerializer(serializers.Serializer):
        amount_cents = CentsField()
        reference = serializers.CharField(max_length=150)

    @extend_schema(
        request=InputSerializer,
        responses={
            200: inline_serializer(
                "BankTransfer",
                {"payment": serializers.IntegerField(), "outcome": serializers.CharField()},
            ),
            **error_responses(400, 401, 403),
        },
    )
    def post(self, request: Request, subscription_id: int) -> Response:
        data = parse(self.InputSerializer, request.data)
        payment = statements.bank_transfer_record(
            officer=request.user,
            subscription_id=subscription_id,
            amount_cents=data["amount_cents"],
            reference=data["reference"],
        )
        return Response({"payment": payment.pk, "outcome": payment.outcome})


class BankStatementImportApi(APIView):
    permission_classes = [IsComplianceOfficer]
    parser_classes = [MultiPartParser]

    class LineSerializer(serializers.Serializer):
        line = serializers.IntegerField()
        date = serializers.CharField()
        amount_cents = serializers.IntegerField(allow_null=True)
        reference = serializers.CharField()
        outcome = serializers.CharField()
        payment_id = serializers.IntegerField(allow_null=True)

    @extend_schema(
        request={
            "multipart/form-data": inline_serializer(
                "BankStatementUpload", {"file": serializers.FileField()}
            )
        },
        responses={
            200: inline_serializer(
                "BankStatementImport",
                {"matched": LineSerializer(many=True), "unmatched": LineSerializer(many=True)},
            ),
            **error_responses(400, 401, 403),
        },
    )
    def post(self, request: Request) -> Response:
        upload = request.FILES.get("file")
        if upload is None:
            raise InvalidInput({"file": ["A CSV file is required."]})
        try:
            content = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput({"file": ["The statement must be a CSV file in UTF-8."]}) from None
        lines = statements.bank_statement_import(officer=request.user, content=content)
        matched = [line for line in lines if line.outcome.startswith("matched")]
        unmatched = [line for line in lines if not line.outcome.startswith("matched")]
        return Response(
            {
                "matched": self.LineSerializer(matched, many=True).data,
                "unmatched": self.LineSerializer(unmatched, many=True).data,
            },
            status=status.HTTP_200_OK,
        )
