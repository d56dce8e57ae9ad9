"""Admin of the consultations app: the response targets.

Group administrators set how fast each Xinhua specialty answers (urgent and routine);
the consultations themselves change only through their pages, where the workflow rules,
events and notifications apply, so they are not edited here.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import DEFAULT_TARGET_HOURS, ResponseTarget, manages_response_targets


@admin.register(ResponseTarget)
class ResponseTargetAdmin(admin.ModelAdmin):
    """Without a row, a specialty uses the defaults (urgent 4 h, routine 48 h)."""

    list_display = ["specialty", "urgency", "hours"]
    list_editable = ["hours"]
    list_filter = ["urgency"]
    ordering = ["specialty", "urgency"]

    # The rights follow the role rather than per-model permissions: whoever administers
    # the group sets its targets, without a permission to remember to grant.
    def has_module_permission(self, request: HttpRequest) -> bool:
        return manages_response_targets(request.user)

    def has_view_permission(self, request: HttpRequest, obj: ResponseTarget | None = None) -> bool:
        return manages_response_targets(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return manages_response_targets(request.user)

    def has_change_permission(self, request: HttpRequest, obj: ResponseTarget | None = None) -> bool:
        return manages_response_targets(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: ResponseTarget | None = None) -> bool:
        return manages_response_targets(request.user)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        initial = super().get_changeform_initial_data(request)
        urgency = initial.get("urgency")
        if urgency in DEFAULT_TARGET_HOURS:
            initial.setdefault("hours", DEFAULT_TARGET_HOURS[urgency])
        return initial
