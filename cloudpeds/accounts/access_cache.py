"""Role names and the two-factor flag, kept in the session instead of queried on every request.

Every signed-in request needs the person's role names (navigation, `@requires`, the
two-factor rule) and, for everyone two-factor applies to, whether they have enrolled a TOTP
authenticator.
Both are kept in the session with the user's `access_version`, which the user row (loaded
on every request anyway) carries: when roles or authenticators change, the version is bumped
and every session of that person reads them again on its next request.

The bump is done by signal receivers because roles change in many places (`set_roles`, the
admin's group widget, `group.user_set.add`, allauth's two-factor pages): a receiver that only
invalidates a cache is the one place that sees them all. It carries no rule of the portal.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db.models import F

SESSION_KEY = "_cloudpeds_access"


def bump_access_version(user_ids, *, instance=None) -> None:
    """Bump the version in the database; and on `instance`, so that saving that object
    afterwards (set_roles, then save) does not write the old number back."""
    from .models import User

    ids = {int(pk) for pk in user_ids if pk is not None}
    if not ids:
        return
    User.objects.filter(pk__in=ids).update(access_version=F("access_version") + 1)
    if instance is not None and instance.pk in ids:
        instance.access_version = User.objects.values_list("access_version", flat=True).get(pk=instance.pk)


def _may_need_two_factor(user) -> bool:
    """Whether two-factor applies to this person now or once a grace period ends."""
    return user.is_superuser or user.has_role(*settings.TWO_FACTOR_REQUIRED_ROLES)


def _fill(session, user) -> None:
    # Everyone two-factor applies to is asked (one query), including doctors still in their
    # grace period: when it ends, or on their home page's reminder check, the flag is there.
    # For the rest it stays unknown.
    totp = user.has_totp if _may_need_two_factor(user) else None
    session[SESSION_KEY] = {
        "user": user.pk,
        "version": user.access_version,
        "roles": sorted(user.role_names),
        "totp": totp,
    }


def _signed_in(sender, request, user, **kwargs) -> None:
    """At sign-in, so that the first page costs no more than the next: the access facts, and
    the activity time from which the idle timeout counts."""
    from cloudpeds.core.middleware import LAST_ACTIVE_KEY

    session = getattr(request, "session", None)
    if session is None:
        return
    _fill(session, user)
    session[LAST_ACTIVE_KEY] = int(time.time())


def apply_from_session(request) -> None:
    """Give request.user its role names (and TOTP flag) from the session, filling it if stale."""
    user = request.user
    if not user.is_authenticated:
        return
    # request.user is a lazy wrapper: the cached values go onto the user object itself.
    user = getattr(user, "_wrapped", user)
    session = request.session
    cached = session.get(SESSION_KEY)
    if cached and cached.get("user") == user.pk and cached.get("version") == user.access_version:
        user.__dict__["role_names"] = frozenset(cached["roles"])
        if cached.get("totp") is not None:
            user.__dict__["has_totp"] = cached["totp"]
        return
    # A background poll (@passive) must not renew the session by this write alone: the
    # session middleware compares against what the session held before.
    request.session_before_access_fill = dict(session.items())
    _fill(session, user)


def _groups_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    if not reverse:
        bump_access_version([instance.pk], instance=instance)
        instance.__dict__.pop("role_names", None)
    elif action == "pre_clear":
        bump_access_version(instance.user_set.values_list("pk", flat=True))
    else:
        bump_access_version(pk_set or ())


def _authenticator_changed(sender, instance, **kwargs) -> None:
    user = instance._state.fields_cache.get("user")
    bump_access_version([instance.user_id], instance=user)
    if user is not None:
        user.__dict__.pop("has_totp", None)


def connect() -> None:
    from allauth.mfa.models import Authenticator
    from django.contrib.auth.signals import user_logged_in
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from .models import User

    m2m_changed.connect(_groups_changed, sender=User.groups.through, dispatch_uid="accounts-access-groups")
    post_save.connect(_authenticator_changed, sender=Authenticator, dispatch_uid="accounts-access-mfa-save")
    post_delete.connect(_authenticator_changed, sender=Authenticator, dispatch_uid="accounts-access-mfa-delete")
    user_logged_in.connect(_signed_in, dispatch_uid="accounts-access-signed-in")
