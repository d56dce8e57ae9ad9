from __future__ import annotations

from django.http import HttpRequest

from .models import unread_badge_count


def unread_count(request: HttpRequest) -> dict:
    """The navigation badge's first number, on every page for a signed-in person.

    A callable, so the count query runs only when a template shows it (the badge), not for
    every fragment or email rendered with a request. Capped (the badge shows "99+"), so a
    person with thousands of unread notifications costs no more than one with a hundred.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notification_count": lambda: unread_badge_count(user)}
