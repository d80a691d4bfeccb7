from django.contrib import admin

from equity.investors.models import InvestorProfile


@admin.register(InvestorProfile)
class InvestorProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at"]
    readonly_fields = ["user", "birth_date", "created_at"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
