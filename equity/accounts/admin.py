from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from equity.accounts.models import PortalStatusAcknowledgement, User
from equity.compliance.admin import RetainedRecordAdmin


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "role", "language", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["full_name", "role", "language", "province", "country"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    readonly_fields = ["role", "last_login", "date_joined"]

    def has_add_permission(self, request) -> bool:
        return False  # accounts open through registration or create_compliance_officer

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PortalStatusAcknowledgement)
class PortalStatusAcknowledgementAdmin(RetainedRecordAdmin):
    list_display = ["user", "registered_dealer", "language", "acknowledged_at"]
    search_fields = ["user__email"]
