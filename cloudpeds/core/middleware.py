from __future__ import annotations

import re
import time
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

    Each request of the person's own pushes the idle timeout forward; a page left open
    would otherwise poll its session alive for ever.
    """

    @wraps(view)
    def _wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        request.is_passive = True
        return view(request, *args, **kwargs)

    return _wrapped


# When the session was last renewed by the person's activity (seconds since the epoch).
LAST_ACTIVE_KEY = "_last_active"


class IdleSessionMiddleware(SessionMiddleware):
    """Django's SessionMiddleware with an idle timeout that costs no write on most requests.

    - A request renews the session (saves it, which sets its expiry SESSION_COOKIE_AGE ahead
      in the store and on the cookie) only when the last renewal is SESSION_RENEW_SECONDS
      old, or when the view changed the session anyway.
    - A session whose last renewal is older than SESSION_COOKIE_AGE is emptied on arrival,
      whatever the store says (a cache entry outliving its expiry cannot sign anyone in).
    - Passive requests (background polling, `@passive`) never renew it.
    """

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        session = request.session
        if session.session_key is None:
            return
        last_active = session.get(LAST_ACTIVE_KEY)
        if last_active is not None and time.time() - last_active > settings.SESSION_COOKIE_AGE:
            session.flush()

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is None:
            return super().process_response(request, response)
        if getattr(request, "is_passive", False) and (not session.modified or _only_cache_filled(request, session)):
            patch_vary_headers(response, ("Cookie",))
            return response
        if not session.is_empty():
            now = time.time()
            last_active = session.get(LAST_ACTIVE_KEY)
            if session.modified or last_active is None or now - last_active >= settings.SESSION_RENEW_SECONDS:
                session[LAST_ACTIVE_KEY] = int(now)
        return super().process_response(request, response)


def _only_cache_filled(request: HttpRequest, session) -> bool:
    """The request changed nothing in the session but the access facts kept there (filled
    again after a change of roles): not worth a save, and not activity."""
    before = getattr(request, "session_before_access_fill", None)
    if before is None:
        return False
    from cloudpeds.accounts.access_cache import SESSION_KEY

    return {key: value for key, value in session.items() if key != SESSION_KEY} == {
        key: value for key, value in before.items() if key != SESSION_KEY
    }


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
