"""Routes of the documents app, included under /api/v1/."""

from django.urls import path

from equity.documents.api import DocumentDownloadApi, DocumentVerifyApi, OfferingDocumentListApi

urlpatterns = [
    path(
        "offerings/<int:offering_id>/documents",
        OfferingDocumentListApi.as_view(),
        name="offering-documents",
    ),
    path("documents/verify", DocumentVerifyApi.as_view(), name="document-verify"),
    path("documents/<int:document_id>", DocumentDownloadApi.as_view(), name="document-download"),
]
