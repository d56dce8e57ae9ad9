from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps

from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _


def passive(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a view whose requests are not the person's activity (background polling).

    With SESSION_SAVE_EVERY_REQUEST each request pushes the idle timeout forward; a page
    left open would otherwise poll its session alive for ever.
    """

    @wraps(view)
    def _wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        request.is_passive = True
        return view(request, *args, **kwargs)

    return _wrapped


class IdleSessionMiddleware(SessionMiddleware):
    """Django's SessionMiddleware, except that passive requests do not renew the session."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        session = getattr(request, "session", None)
        if getattr(request, "is_passive", False) and session is not None and not session.modified:
            patch_vary_headers(response, ("Cookie",))
            return response
        return super().process_response(request, response)


# C0 control characters and DEL, except tab, line feed and carriage return (typed in text
# areas). PostgreSQL cannot store NUL at all, and none of these is ever typed by a person.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_characters(values: QueryDict) -> bool:
    return any(
        _CONTROL_CHARACTERS.search(key) or any(_CONTROL_CHARACTERS.search(value) for value in items)
        for key, items in values.lists()
    )


class RejectControlCharactersMiddleware:
    """A query string or form field with a control character gets a 400 page that says so.

    Project-wide, so that no view, filter or search box meets a NUL (which PostgreSQL refuses
    with an error, a 500 page). Uploaded files are not form fields and are not looked at.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if has_control_characters(request.GET) or (
            request.method == "POST"
            and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data")
            and has_control_characters(request.POST)
        ):
            return render(
                request,
                "400.html",
                {"reason": _("The address or the form contained a control character (such as a null character).")},
                status=400,
            )
        return self.get_response(request)
