"""The audit log and the sandbox clock over HTTP (CONTRACT.md)."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from equity import clock
from equity.compliance.audit import verify_chain
from equity.compliance.selectors import audit_events
from equity.compliance.services import sandbox_clock_advance
from equity.exceptions import NotFound
from equity.jobs import run_due_jobs
from equity.rest import IsComplianceOfficer, StrictIntegerField, error_responses, parse

AUDIT_PAGE_LIMIT = 1000


class AuditEventListApi(APIView):
    permission_classes = [IsComplianceOfficer]

    class OutputSerializer(serializers.Serializer):
        seq = serializers.IntegerField()
        at = serializers.DateTimeField()
        actor = serializers.CharField()
        action = serializers.CharField()
        subject = serializers.CharField()
        data = serializers.JSONField()
        hash = serializers.CharField()

    @extend_schema(
        parameters=[
            OpenApiParameter("subject", str, description="e.g. offering:12"),
            OpenApiParameter("after", int, description="only events with a greater seq"),
        ],
        responses={200: OutputSerializer(many=True), **error_responses(401, 403)},
    )
    def get(self, request: Request) -> Response:
        events = audit_events(subject=request.query_params.get("subject"))
        after = request.query_params.get("after", "")
        if after.isascii() and after.isdigit():
            events = events.filter(seq__gt=int(after))
        return Response(self.OutputSerializer(events[:AUDIT_PAGE_LIMIT], many=True).data)


class AuditVerifyApi(APIView):
    permission_classes = [IsComplianceOfficer]

    class OutputSerializer(serializers.Serializer):
        ok = serializers.BooleanField()
        events = serializers.IntegerField()
        head = serializers.CharField()
        first_bad_seq = serializers.IntegerField(allow_null=True)
        reason = serializers.CharField()

    @extend_schema(responses={200: OutputSerializer, **error_responses(401, 403)})
    def get(self, request: Request) -> Response:
        return Response(self.OutputSerializer(verify_chain()).data)


class SandboxClockApi(APIView):
    """Move the sandbox clock forward; 404 unless ``EQUITY_SANDBOX`` is on."""

    permission_classes = [IsComplianceOfficer]

    class InputSerializer(serializers.Serializer):
        advance_seconds = StrictIntegerField(min_value=1)

    class OutputSerializer(serializers.Serializer):
        now = serializers.DateTimeField()

    @extend_schema(
        request=InputSerializer,
        responses={200: OutputSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request: Request) -> Response:
        if not settings.EQUITY_SANDBOX:
            raise NotFound()
        data = parse(self.InputSerializer, request.data)
        sandbox_clock_advance(seconds=data["advance_seconds"], actor=request.user)
        run_due_jobs()
        return Response(self.OutputSerializer({"now": clock.now()}).data)
