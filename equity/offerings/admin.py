"""Issuers and offerings in the back office: read-only, since every change goes
through a service that checks the rules and writes the audit trail (R20)."""

from __future__ import annotations

from django.contrib import admin

from equity.compliance.admin import RetainedRecordAdmin
from equity.offerings.models import DisqualificationOverride, Issuer, Offering, Principal


class ReadOnlyAdmin(RetainedRecordAdmin):
    def get_readonly_fields(self, request, obj=None) -> list[str]:
        return [field.name for field in self.model._meta.fields]


class PrincipalInline(admin.TabularInline):
    model = Principal
    extra = 0
    can_delete = False
    readonly_fields = [
        "full_name",
        "is_founder",
        "is_director",
        "is_officer",
        "is_control_person",
        "residence_country",
        "declarations",
        "declaration_dates",
    ]
    exclude = ["identity_key"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Issuer)
class IssuerAdmin(ReadOnlyAdmin):
    list_display = ["legal_name", "legal_form", "province", "country", "owner", "created_at"]
    list_filter = ["legal_form", "province"]
    search_fields = ["legal_name"]
    inlines = [PrincipalInline]


@admin.register(Offering)
class OfferingAdmin(ReadOnlyAdmin):
    list_display = [
        "title",
        "issuer",
        "state",
        "security_type",
        "minimum_amount_cents",
        "maximum_amount_cents",
        "raised_cents",
        "rulebook",
        "closes_at",
    ]
    list_filter = ["state", "security_type", "rulebook_code"]
    search_fields = ["title", "issuer__legal_name"]


@admin.register(DisqualificationOverride)
class DisqualificationOverrideAdmin(ReadOnlyAdmin):
    list_display = ["principal", "officer", "created_at"]
