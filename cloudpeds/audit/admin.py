from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import AccessEvent, AccountEvent, can_audit


@admin.register(AccessEvent)
class AccessEventAdmin(admin.ModelAdmin):
    """Read-only, even for superusers: the access log is evidence, and the database refuses
    changes anyway (a trigger); this keeps the admin from offering buttons that would fail."""

    list_display = ["at", "user", "action", "object_type", "object_id", "patient", "ip_address"]
    list_filter = ["action", "object_type"]
    list_select_related = ["user", "patient"]
    search_fields = ["user__username", "patient__record_number", "object_id", "ip_address"]
    date_hierarchy = "at"
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AccessEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AccessEvent | None = None) -> bool:
        return False


@admin.register(AccountEvent)
class AccountEventAdmin(admin.ModelAdmin):
    """Read-only for the same reason as the access log."""

    list_display = ["at", "actor", "action", "detail", "subject", "ip_address"]
    list_filter = ["action"]
    list_select_related = ["actor", "subject"]
    search_fields = ["actor__username", "subject__username"]
    date_hierarchy = "at"

    def has_module_permission(self, request: HttpRequest) -> bool:
        return can_audit(request.user)

    def has_view_permission(self, request: HttpRequest, obj: AccountEvent | None = None) -> bool:
        return can_audit(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AccountEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AccountEvent | None = None) -> bool:
        return False
