"""Signed documents over HTTP (CONTRACT.md, Escrow, audit, documents)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from equity.documents.selectors import (
    document_for,
    document_listing,
    document_matching,
    offering_documents,
    visible_offering,
)
from equity.documents.storage import read_pdf
from equity.documents.verification import verify_pdf
from equity.exceptions import InvalidInput
from equity.rest import error_responses, parse

PROBLEM_DETAILS = {
    "": gettext_lazy("The signatures are intact and valid."),
    "not_a_pdf": gettext_lazy("This file is not a PDF document."),
    "unsigned": gettext_lazy("This document carries no signature."),
    "altered": gettext_lazy("This document was altered after it was signed."),
    "untrusted": gettext_lazy("The signature does not come from a trusted signer."),
    "not_timestamped": gettext_lazy("A signature has no valid timestamp."),
    "changed_after_signing": gettext_lazy("The document was changed after it was signed."),
}


class DocumentListingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    version = serializers.IntegerField()
    language = serializers.CharField()
    sha256 = serializers.CharField()
    url = serializers.CharField()


class SignatureReportSerializer(serializers.Serializer):
    field = serializers.CharField()
    signer = serializers.CharField()
    signed_at = serializers.DateTimeField(allow_null=True)
    intact = serializers.BooleanField()
    valid = serializers.BooleanField()
    trusted = serializers.BooleanField()
    timestamped = serializers.BooleanField()
    covers_whole_file = serializers.BooleanField()


class OfferingDocumentListApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        responses={200: DocumentListingSerializer(many=True), **error_responses(403, 404)}
    )
    def get(self, request: Request, offering_id: int) -> Response:
        offering = visible_offering(request.user, offering_id)
        documents = offering_documents(request.user, offering)
        return Response(
            DocumentListingSerializer(
                [document_listing(document) for document in documents], many=True
            ).data
        )


class DocumentDownloadApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The signed PDF."
            ),
            **error_responses(404),
        }
    )
    def get(self, request: Request, document_id: int) -> HttpResponse:
        document = document_for(request.user, document_id)
        response = HttpResponse(
            read_pdf(document.file_name, sha256=document.sha256), content_type="application/pdf"
        )
        name = f"{document.kind}-{document.subject.replace(':', '-')}-v{document.version}"
        if document.reference:
            name += f"-{document.reference}"
        response["Content-Disposition"] = f'inline; filename="{name}-{document.language}.pdf"'
        response["ETag"] = f'"{document.sha256}"'
        response["Cache-Control"] = "private, max-age=31536000, immutable"
        return response


class DocumentVerifyApi(APIView):
    permission_classes = [AllowAny]
    parser_classes = [MultiPartParser]

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField()

    class OutputSerializer(serializers.Serializer):
        valid = serializers.BooleanField()
        intact = serializers.BooleanField()
        sha256 = serializers.CharField()
        document = serializers.IntegerField(allow_null=True)
        signer = serializers.CharField(allow_null=True)
        signed_at = serializers.DateTimeField(allow_null=True)
        problem = serializers.CharField()
        detail = serializers.CharField()
        signatures = SignatureReportSerializer(many=True)

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        responses={200: OutputSerializer, **error_responses(400)},
    )
    def post(self, request: Request) -> Response:
        upload = parse(self.InputSerializer, request.data)["file"]
        if upload.size > settings.EQUITY_DOCUMENT_VERIFY_MAX_BYTES:
            raise InvalidInput({"file": [_("The file is too large to verify.")]})
        verification = verify_pdf(upload.read())
        record = document_matching(verification.sha256)
        return Response(
            self.OutputSerializer(
                {
                    "valid": verification.valid,
                    "intact": verification.intact,
                    "sha256": verification.sha256,
                    "document": record.pk if record else None,
                    "signer": verification.signer,
                    "signed_at": verification.signed_at,
                    "problem": verification.problem,
                    "detail": str(PROBLEM_DETAILS[verification.problem]),
                    "signatures": verification.signatures,
                }
            ).data
        )
