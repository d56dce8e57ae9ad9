from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from . import access_cache


class SessionAccessMiddleware:
    """Role names and the two-factor flag from the session (see access_cache.py)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        access_cache.apply_from_session(request)
        return self.get_response(request)


class UserLanguageMiddleware:
    """A signed-in person sees the portal in the language saved on their account.

    LocaleMiddleware has already chosen from the cookie and the browser; the saved
    preference wins so that the choice follows the person to any computer.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.preferred_language:
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


# Paths a person who must enroll in two-factor can still reach: enrolment itself,
# signing out, static files, the language switch and the health check.
_TWO_FACTOR_OPEN_PREFIXES = (
    "/accounts/2fa/",
    "/accounts/logout/",
    "/accounts/reauthenticate/",
    "/static/",
    "/i18n/",
    "/healthz",
)


class RequireTwoFactorMiddleware:
    """Everyone in TWO_FACTOR_REQUIRED_ROLES must enroll in TOTP before reaching any page
    (doctors and specialists after their grace period, User.needs_two_factor()).

    Runs after allauth's AccountMiddleware; the admin site is covered because it is
    just another path here.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not request.path.startswith(_TWO_FACTOR_OPEN_PREFIXES):
            if user.needs_two_factor() and not user.has_totp:
                return redirect(reverse("mfa_activate_totp"))
            # In the grace period (doctors, specialists): a reminder once per session, on the
            # home page (not on a form's POST, a fragment or a background poll, whose session
            # it would otherwise write).
            if (
                request.method == "GET"
                and request.path == reverse("home")
                and not request.session.get(_REMINDED_KEY)
                and user.in_two_factor_grace()
                and not user.has_totp
            ):
                request.session[_REMINDED_KEY] = True
                messages.warning(
                    request,
                    _(
                        "Two-factor sign-in is required for everyone who sees patient data. Set it up before "
                        "%(date)s, after that the portal asks you to set it up before anything else."
                    )
                    % {"date": date_format(timezone.localtime(user.two_factor_grace_ends()), "DATE_FORMAT")},
                )
        return self.get_response(request)


_REMINDED_KEY = "two_factor_reminded"
