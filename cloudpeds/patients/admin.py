"""Admin for the patient models: read-only.

Group administrators manage accounts, not clinical data; clinical records change through
the patient pages, where access rules, validation and history apply. Only a superuser can
change anything here (repairs), and only someone given the view permission can look.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import CareTeamGrant, Consent, GrowthMeasurement, Guardian, Patient


class _SuperuserWritesMixin:
    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser


class GuardianInline(_SuperuserWritesMixin, admin.TabularInline):
    model = Guardian
    extra = 0


class ConsentInline(_SuperuserWritesMixin, admin.TabularInline):
    model = Consent
    extra = 0
    raw_id_fields = ["recorded_by", "withdrawn_by"]


class GrowthMeasurementInline(_SuperuserWritesMixin, admin.TabularInline):
    model = GrowthMeasurement
    extra = 0
    raw_id_fields = ["recorded_by"]


@admin.register(Patient)
class PatientAdmin(_SuperuserWritesMixin, admin.ModelAdmin):
    list_display = ["name", "record_number", "hospital", "sex", "date_of_birth", "created_at"]
    list_filter = ["hospital", "sex"]
    list_select_related = ["hospital"]
    search_fields = ["name", "=record_number"]
    raw_id_fields = ["registered_by"]
    readonly_fields = ["public_id", "created_at", "updated_at"]
    date_hierarchy = "created_at"
    inlines = [GuardianInline, ConsentInline, GrowthMeasurementInline]
    show_full_result_count = False


@admin.register(CareTeamGrant)
class CareTeamGrantAdmin(_SuperuserWritesMixin, admin.ModelAdmin):
    list_display = ["patient", "user", "hospital", "reason", "granted_at", "expires_at", "revoked_at"]
    list_filter = ["hospital"]
    list_select_related = ["patient", "user", "hospital"]
    raw_id_fields = ["patient", "user", "granted_by", "revoked_by"]
    search_fields = ["=patient__record_number", "reason"]
