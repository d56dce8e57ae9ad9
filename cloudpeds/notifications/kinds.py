"""The registry of notification kinds: `notify()` refuses a kind nobody registered.

How an app adds a kind: give the app a `notifications` module (e.g. `referrals/notifications.py`)
that calls `register()` at import time::

    from django.utils.translation import gettext_lazy as _
    from cloudpeds.notifications.kinds import register

    register("referral.accepted", _("Your referral was accepted"), icon="bi-check2-circle")

The notifications app imports every installed app's `notifications` module once, in its
`ready()` (the same discovery as `timeline` and `demo`), so the platform never names a
feature app. Each kind needs three email templates, which `manage.py check` verifies:
`templates/emails/<key>-subject.txt`, `<key>-body.txt` and `<key>-body.html`. They are
rendered with the notification's JSON `context` plus `recipient_name`, `actor_name`, `url`
(absolute, opens the notification) and `preferences_url`.

Keys are "<app>.<event>" in lowercase; the label is what a person reads on the email
preferences page, so pass it through `gettext_lazy`. A security notice (`always_email=True`:
"an administrator set your password") is emailed whatever the person chose, and is not
offered on the preferences page: it is how someone learns that their account was taken over.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cloudpeds.core.discovery import app_modules

_KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


@dataclass(frozen=True)
class Kind:
    key: str
    label: str | Promise
    icon: str = "bi-bell"
    always_email: bool = False


class UnknownKind(LookupError):
    """`notify()` was called with a kind that no app registered (a typo, or a missing module)."""


_registry: dict[str, Kind] = {}


def register(key: str, label: str | Promise, icon: str = "bi-bell", *, always_email: bool = False) -> Kind:
    if not _KEY_PATTERN.match(key):
        raise ValueError(f"A notification kind is '<app>.<event>' in lowercase, not {key!r}.")
    kind = Kind(key=key, label=label, icon=icon, always_email=always_email)
    existing = _registry.get(key)
    # Importing a module twice is harmless; two apps claiming one key is a bug.
    if existing is not None and existing != kind:
        raise ValueError(f"The notification kind {key!r} is already registered differently.")
    _registry[key] = kind
    return kind


def unregister(key: str) -> None:
    """Forget a kind (used by tests that register a temporary one)."""
    _registry.pop(key, None)


def get(key: str) -> Kind:
    try:
        return _registry[key]
    except KeyError:
        raise UnknownKind(f"No notification kind {key!r} is registered.") from None


def all_kinds() -> list[Kind]:
    """Every registered kind, in registration order (the preferences page lists them so)."""
    return list(_registry.values())


def optional_kinds() -> list[Kind]:
    """The kinds whose email a person may turn off (the preferences page lists these)."""
    return [kind for kind in _registry.values() if not kind.always_email]


def autodiscover() -> None:
    """Import each installed app's `notifications` module so that its kinds register."""
    for _module in app_modules("notifications"):
        pass


# Platform kinds. The patients app notifies a user given access through a care-team grant:
#   notify([user], "patient.shared", patient, actor=granted_by, context={"reason": grant.reason})
# The email names no child: mail leaves the hospital's systems, the link leads to the record
# behind sign-in.
register("patient.shared", _("A child's record was shared with you"), icon="bi-person-plus")
