"""The back office for rulebooks and the audit log, and the rule of every back office
page over a retained record (R20): shown, never added, changed or deleted there.

A compliance officer adds a corrected rulebook version here; a version that
an offering was judged by is shown read-only and cannot be deleted.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from equity.compliance.models import AuditEvent, Rulebook
from equity.compliance.selectors import rulebook_in_use
from equity.compliance.services import rulebook_add_version, rulebook_update
from equity.compliance.terms import parse_terms
from equity.exceptions import EquityError


class RetainedRecordAdmin(admin.ModelAdmin):
    """A record kept unaltered for the retention period (R20): viewable only.

    Changes go through services that check the rules and write the audit trail;
    the back office shows what they recorded.
    """

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class RulebookForm(forms.ModelForm):
    class Meta:
        model = Rulebook
        fields = [
            "code",
            "title_en",
            "title_fr",
            "effective_from",
            "superseded_on",
            "parameters",
            "notes",
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.errors or "parameters" not in cleaned:
            return cleaned  # a version in use has no editable fields
        values = {
            field: cleaned.get(field, getattr(self.instance, field))
            for field in ("code", "effective_from", "superseded_on", "parameters")
        }
        try:
            parse_terms(version=self.instance.version or 1, **values)
        except (ValueError, TypeError) as error:
            raise ValidationError(str(error)) from None
        return cleaned


@admin.register(Rulebook)
class RulebookAdmin(admin.ModelAdmin):
    form = RulebookForm
    list_display = ["code", "version", "effective_from", "superseded_on", "created_at"]
    list_filter = ["code"]
    readonly_fields = ["version", "created_at", "created_by"]

    def get_changeform_initial_data(self, request) -> dict:
        """Start a correction from the newest version of ``?from=<code>``."""
        initial = super().get_changeform_initial_data(request)
        source = Rulebook.objects.filter(code=request.GET.get("from", "")).first()
        if source is not None:
            initial.update(
                code=source.code,
                title_en=source.title_en,
                title_fr=source.title_fr,
                notes=source.notes,
                parameters=json.dumps(source.parameters, indent=2),
            )
        return initial

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        if obj is not None and rulebook_in_use(obj):
            return [*RulebookForm.Meta.fields, *self.readonly_fields]
        if obj is not None:
            return ["code", *self.readonly_fields]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj: Rulebook, form, change: bool) -> None:
        if change and not form.changed_data:
            return
        try:
            if change:
                saved = rulebook_update(
                    rulebook_id=obj.pk,
                    updated_by=request.user,
                    changes={field: form.cleaned_data[field] for field in form.changed_data},
                )
            else:
                saved = rulebook_add_version(
                    code=obj.code,
                    effective_from=obj.effective_from,
                    superseded_on=obj.superseded_on,
                    parameters=obj.parameters,
                    title_en=obj.title_en,
                    title_fr=obj.title_fr,
                    notes=obj.notes,
                    created_by=request.user,
                )
        except EquityError as error:
            messages.error(request, str(error.detail))
            raise
        obj.pk, obj.version = saved.pk, saved.version


@admin.register(AuditEvent)
class AuditEventAdmin(RetainedRecordAdmin):
    list_display = ["seq", "at", "actor", "action", "subject"]
    list_filter = ["action"]
    search_fields = ["subject", "actor"]
