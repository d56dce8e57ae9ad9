"""Admin of the referrals app: the ICD-10 list, and read-only views of the workflow rows.

Referrals, reservations and bed states change only through the portal's pages, where the
workflow rules, the bed lock, events and notifications apply; here they can be looked at.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from cloudpeds.accounts.roles import Role

from .models import BedReservation, BedState, Diagnosis, Referral, ReferralEvent


def _group_admin(request: HttpRequest) -> bool:
    user = request.user
    return user.is_active and user.is_staff and (user.is_superuser or user.has_role(Role.GROUP_ADMIN))


class _GroupAdminOnly(admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return _group_admin(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return _group_admin(request)


class _ReadOnly(_GroupAdminOnly):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Diagnosis)
class DiagnosisAdmin(_GroupAdminOnly):
    list_display = ["code", "name_zh", "name_en"]
    search_fields = ["code", "name_zh", "name_en"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _group_admin(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return _group_admin(request)


class ReferralEventInline(admin.TabularInline):
    model = ReferralEvent
    extra = 0
    can_delete = False
    fields = ["at", "kind", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Referral)
class ReferralAdmin(_ReadOnly):
    list_display = ["public_id", "kind", "direction", "status", "urgency", "sending_hospital", "receiving_hospital"]
    list_filter = ["kind", "direction", "status", "urgency"]
    list_select_related = ["sending_hospital", "receiving_hospital"]
    inlines = [ReferralEventInline]


@admin.register(BedState)
class BedStateAdmin(_ReadOnly):
    list_display = ["department", "occupied", "updated_at", "updated_by"]
    list_select_related = ["department", "updated_by"]


@admin.register(BedReservation)
class BedReservationAdmin(_ReadOnly):
    list_display = ["referral", "department", "window_start", "window_end", "ended_at", "outcome"]
    list_select_related = ["referral__patient", "referral__receiving_hospital", "department"]
