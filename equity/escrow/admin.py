"""The trust ledger in the back office: money movements are shown, never edited or deleted
(P01, R13, R20); corrections are new, reversing transactions posted by the services."""

from __future__ import annotations

from django.contrib import admin

from equity.compliance.admin import RetainedRecordAdmin
from equity.escrow.models import Disbursement, LedgerEntry, LedgerTransaction, Payment


class LedgerEntryInline(admin.TabularInline):
    model = LedgerEntry
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(RetainedRecordAdmin):
    list_display = ["id", "kind", "offering", "created_at"]
    list_filter = ["kind"]
    inlines = [LedgerEntryInline]


@admin.register(Payment)
class PaymentAdmin(RetainedRecordAdmin):
    list_display = ["event_id", "subscription_reference", "amount_cents", "status", "outcome"]
    list_filter = ["status", "outcome", "source"]
    search_fields = ["event_id", "subscription_reference"]


@admin.register(Disbursement)
class DisbursementAdmin(RetainedRecordAdmin):
    list_display = ["kind", "amount_cents", "reason", "instructed_at", "due_by", "confirmed_at"]
    list_filter = ["kind", "reason"]
