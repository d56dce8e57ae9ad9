from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import Notification, NotificationPreference


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Rows are written by notify() and the email task only; the admin is for looking."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(_ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "kind", "actor", "read_at", "email_status", "email_attempts"]
    list_filter = ["kind", "email_status", "created_at"]
    list_select_related = ["recipient", "actor"]
    search_fields = ["recipient__username", "recipient__email", "kind", "public_id"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "public_id",
        "recipient",
        "kind",
        "target_type",
        "target_id",
        "target_url",
        "actor",
        "context",
        "created_at",
        "read_at",
        "email_status",
        "email_attempts",
        "email_sent_at",
        "last_error",
    ]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(_ReadOnlyAdmin):
    list_display = ["user", "kind", "email_enabled", "updated_at"]
    list_filter = ["kind", "email_enabled"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email"]
    readonly_fields = ["user", "kind", "email_enabled", "updated_at"]
