"""Purchasers in the back office: profiles, subscriptions and what they signed, read-only
(R15, R20); every change goes through a service that checks the rules and audits."""

from __future__ import annotations

from django.contrib import admin

from equity.compliance.admin import RetainedRecordAdmin
from equity.investors.models import (
    InvestorProfile,
    RiskAcknowledgement,
    Subscription,
    SuitabilityDetermination,
)


@admin.register(InvestorProfile)
class InvestorProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at"]
    readonly_fields = ["user", "birth_date", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Subscription)
class SubscriptionAdmin(RetainedRecordAdmin):
    list_display = ["id", "offering", "investor", "state", "amount_cents", "created_at"]
    list_filter = ["state"]
    search_fields = ["investor__email", "offering__title"]


@admin.register(RiskAcknowledgement)
class RiskAcknowledgementAdmin(RetainedRecordAdmin):
    list_display = ["subscription", "form", "language", "full_name", "signed_at"]


@admin.register(SuitabilityDetermination)
class SuitabilityDeterminationAdmin(RetainedRecordAdmin):
    list_display = ["investor", "offering", "determined_by", "determined_at"]
