from __future__ import annotations

from django.http import HttpRequest

from .navigation import items_for


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    return {"nav_items": items_for(user.role_names, user.is_superuser)}
