from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers


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
