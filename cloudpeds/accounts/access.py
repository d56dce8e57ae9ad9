"""The one way a view says who may open it: `@requires(predicate)`.

A predicate takes the user and answers yes or no; predicates live beside the model they
guard (`is_training_manager`, `is_editor`, `works_with_patients`), so that views, templates
and navigation ask the same question. The check runs before the view loads anything, so a
403 says nothing about whether a record exists; records are then loaded through the
model's `visible_to(user)`, so another hospital's record is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

View = Callable[..., HttpResponse]


def requires(predicate: Callable[[Any], bool]) -> Callable[[View], View]:
    """Signed in (else the sign-in page), and `predicate(user)` true (else 403)."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not predicate(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def has_any_role(*roles: str) -> Callable[[Any], bool]:
    """A predicate: the user holds one of `roles` (for views open to a plain set of roles)."""

    def predicate(user: Any) -> bool:
        return user.is_authenticated and user.has_role(*roles)

    predicate.__name__ = "has_any_role_" + "_".join(roles)
    return predicate
