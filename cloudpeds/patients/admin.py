"""Admin for the patient models: read-only.

Group administrators manage accounts, not clinical data; clinical records change through
the patient pages, where access rules, validation and history apply. Only a superuser can
change anything here (repairs), and only someone given the view permission can look.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cloudpeds.core.retention import may_delete

from .models import (
    CareTeamGrant,
    Consent,
    GrowthMeasurement,
    Guardian,
    LegalHold,
    LegalHoldError,
    Patient,
    manages_legal_holds,
)


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

    def has_delete_permission(self, request: HttpRequest, obj: Patient | None = None) -> bool:
        # Not before the end of the retention period, nor while sealed (the database refuses
        # either way, also for "delete selected"; this keeps the button away).
        if obj is not None and (not may_delete(obj) or obj.legal_holds.active().exists()):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(CareTeamGrant)
class CareTeamGrantAdmin(_SuperuserWritesMixin, admin.ModelAdmin):
    list_display = ["patient", "user", "hospital", "reason", "granted_at", "expires_at", "revoked_at"]
    list_filter = ["hospital"]
    list_select_related = ["patient", "user", "hospital"]
    raw_id_fields = ["patient", "user", "granted_by", "revoked_by"]
    search_fields = ["=patient__record_number", "reason"]


@admin.register(LegalHold)
class LegalHoldAdmin(admin.ModelAdmin):
    """Group administrators seal a child's records here (封存) and release them: the first
    administrator asks for the release with a reason, a second, different one confirms it
    (the "Confirm release" action). The hold itself is never edited or deleted."""

    list_display = ["patient", "placed_by", "placed_at", "release_requested_by", "released_by", "released_at"]
    list_filter = [("released_at", admin.EmptyFieldListFilter)]
    list_select_related = ["patient", "placed_by", "release_requested_by", "released_by"]
    raw_id_fields = ["patient"]
    search_fields = ["=patient__record_number", "patient__name", "reason"]
    actions = ["confirm_release"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return manages_legal_holds(request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return manages_legal_holds(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return manages_legal_holds(request.user)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # Only the release fields change, and only through the action / the change form's reason.
        return manages_legal_holds(request.user) and (obj is None or obj.is_active)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest):
        return LegalHold.objects.visible_to(request.user)

    def get_fields(self, request: HttpRequest, obj: LegalHold | None = None):
        if obj is None:
            return ["patient", "reason"]
        return ["patient", "reason", "placed_by", "placed_at", "release_reason", "release_requested_by"]

    def get_readonly_fields(self, request: HttpRequest, obj: LegalHold | None = None):
        if obj is None:
            return []
        readonly = ["patient", "reason", "placed_by", "placed_at", "release_requested_by"]
        if obj.release_requested_by_id is not None:
            readonly.append("release_reason")
        return readonly

    def save_model(self, request: HttpRequest, obj: LegalHold, form, change: bool) -> None:
        try:
            if not change:
                hold = LegalHold.place(obj.patient, request.user, obj.reason)
                obj.pk = hold.pk
                obj.refresh_from_db()
            elif "release_reason" in form.changed_data:
                LegalHold.objects.get(pk=obj.pk).confirm_release(request.user, obj.release_reason)
        except LegalHoldError as error:
            self.message_user(request, str(error), messages.ERROR)

    @admin.action(description=_("Confirm the release (second administrator)"))
    def confirm_release(self, request: HttpRequest, queryset) -> None:
        for hold in queryset.active():
            try:
                hold.confirm_release(request.user)
            except LegalHoldError as error:
                self.message_user(request, f"{hold}: {error}", messages.ERROR)
            else:
                if hold.released_at:
                    self.message_user(request, _("Released: %(hold)s") % {"hold": hold}, messages.SUCCESS)
