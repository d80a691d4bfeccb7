"""The back office's read-only view of issued documents (they are never edited)."""

from __future__ import annotations

from django.contrib import admin

from equity.compliance.admin import RetainedRecordAdmin
from equity.documents.models import Document


@admin.register(Document)
class DocumentAdmin(RetainedRecordAdmin):
    list_display = ("kind", "subject", "reference", "version", "language", "signed_at", "sha256")
    list_filter = ("kind", "language")
    search_fields = ("sha256", "subject", "reference")
    ordering = ("-signed_at",)
