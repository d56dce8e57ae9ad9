from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps

from django.conf import settings
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


NO_STORE = "no-store, private"


def mark_patient_data(request: HttpRequest) -> None:
    """Say that this response shows patient data: it will carry `Cache-Control: no-store`.

    The access log calls it (every view that shows, downloads or exports anything of a child's
    writes an access event), so no view has to remember the header.
    """
    request.shows_patient_data = True


def permissions_policy(features: dict[str, list[str]]) -> str:
    """{"camera": []} -> 'camera=()'; {"fullscreen": ["self"]} -> 'fullscreen=(self)'."""
    return ", ".join(f"{feature}=({' '.join(allowed)})" for feature, allowed in features.items())


class SecurityHeadersMiddleware:
    """Headers every page gets, and the no-store rule for patient data.

    - `Permissions-Policy` from settings.PERMISSIONS_POLICY (camera, microphone, geolocation
      off: no page of the portal uses them).
    - `Cache-Control: no-store, private` on a response that shows patient data (marked by the
      access log), whatever the view set: a shared clinic computer must not keep a child's
      record in its cache, nor show it again on Back after sign-out. Every other HTML page or
      fragment shown to a signed-in person gets it too unless its view chose a policy: lists
      and search results name children without being reads of one record.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.permissions_policy = permissions_policy(settings.PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.permissions_policy:
            response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        if getattr(request, "shows_patient_data", False) or self._signed_in_page_without_policy(request, response):
            response["Cache-Control"] = NO_STORE
        return response

    @staticmethod
    def _signed_in_page_without_policy(request: HttpRequest, response: HttpResponse) -> bool:
        user = getattr(request, "user", None)
        return (
            user is not None
            and user.is_authenticated
            and "Cache-Control" not in response
            and response.get("Content-Type", "").startswith("text/html")
        )


class ProtectedRecordMiddleware:
    """A change the database refused because the child's records are sealed (legal hold) or
    still within their retention period becomes a page that says so (409), not a server error.

    The refusal itself is the database's (cloudpeds/core/retention.py); the workflow methods
    change records inside transaction.atomic(), so the refused change is rolled back whole.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from django.db import DatabaseError

        from .retention import HOLD_MESSAGE, RETENTION_MESSAGE

        if not isinstance(exception, DatabaseError):
            return None
        text = str(exception)
        if HOLD_MESSAGE in text:
            message = _("This child's records are under a legal hold (sealed): nothing can be changed or deleted.")
        elif RETENTION_MESSAGE in text:
            message = _("This record must be kept until the end of its retention period and cannot be deleted.")
        else:
            return None
        return render(request, "record_protected.html", {"message": message}, status=409)
