"""What needs this person now: the work list on each role's home page (issue 12).

Every installed app may have a `worklist` module with a function
`work_items(user) -> Iterable[WorkItem]`: the app's own counts for this user, each with the
link that opens that work. The home page shows them all, in INSTALLED_APPS order; the
platform never imports a feature app by name (the same discovery as `timeline` and `demo`).
An app offers an item only to the roles whose pages the link opens, so that every link on a
home page is useful to whoever sees it.

Cached per person (issue 17): an app whose counts cost more than a glance may also define
`work_scopes(user) -> list[str] | None`, the names of what this person's items depend on
("consultations:department:3"), and `WORK_CHANGES = {Model: function(instance) -> scopes}`,
the scopes a saved or deleted row changes. The person's items from those apps are kept for
WORK_TTL seconds beside the token of each of their scopes; a change draws a new token for
each scope it touches (at once, and again when its transaction commits), so the next home
page recomputes: a person's own action (a case taken, a transfer decided, a draft sent for
review) shows at once, and anyone else's within WORK_TTL. An app without `work_scopes`
(or returning None) is counted on every request. The entry is the person's own (their id
and language in the key, their roles, hospital and department checked), never another's.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import ModuleType

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils.translation import get_language

from cloudpeds.core.discovery import app_modules

# How long a person's cached work items live at most (seconds): the delay before someone
# else's action shows on their home page.
WORK_TTL = 30
_SCOPE_KEY = "home:work:scope:{}"
_ENTRY_KEY = "home:work:{}:{}"


@dataclass(frozen=True)
class WorkItem:
    label: str  # already translated
    count: int
    url: str
    icon: str = "bi-circle"
    # Shown in red while the count is not zero: late work, urgent cases.
    urgent: bool = False
    detail: str = ""


def work_for(user) -> list[WorkItem]:
    providers = [(module, module.work_items) for module in app_modules("worklist") if hasattr(module, "work_items")]
    scopes = {module.__name__: _scopes(module, user) for module, _provider in providers}
    cached = {name: names for name, names in scopes.items() if names is not None}
    stored: dict[str, list[WorkItem]] = {}
    fresh: dict[str, list[WorkItem]] = {}
    if cached:
        entry_key = _ENTRY_KEY.format(user.pk, get_language() or "")
        scope_keys = sorted({_SCOPE_KEY.format(name) for names in cached.values() for name in names})
        found = cache.get_many([entry_key, *scope_keys])
        # Read before counting: a change committed meanwhile draws a new token, so what is
        # counted now is stored under the old one and is not read again.
        state = (_who(user), cached, [found.get(key) for key in scope_keys])
        entry = found.get(entry_key)
        if entry is not None and entry[0] == state:
            stored = entry[1]
    items: list[WorkItem] = []
    for module, provider in providers:
        name = module.__name__
        if name in stored:
            items.extend(stored[name])
            continue
        own = list(provider(user))
        if name in cached:
            fresh[name] = own
        items.extend(own)
    if fresh:
        cache.set(entry_key, (state, fresh), WORK_TTL)
    return items


def _scopes(module: ModuleType, user) -> list[str] | None:
    scopes = getattr(module, "work_scopes", None)
    return None if scopes is None else scopes(user)


def _who(user) -> tuple:
    """What decides which items a person is offered: a change of role or place recomputes."""
    return (user.pk, tuple(sorted(user.role_names)), user.hospital_id, user.department_id, user.is_superuser)


def changed(scopes: Iterable[str]) -> None:
    """Draw new tokens for these scopes now (a reader in this transaction) and on commit
    (a page counted from the rows before the change, meanwhile, dies with them)."""
    keys = [_SCOPE_KEY.format(name) for name in set(scopes)]
    if not keys:
        return

    def bump() -> None:
        cache.set_many({key: uuid.uuid4().hex for key in keys}, None)

    bump()
    transaction.on_commit(bump)


def _receiver(scopes_of: Callable) -> Callable:
    def receiver(sender, instance, raw: bool = False, **kwargs) -> None:
        if not raw:
            changed(name for name in scopes_of(instance) if name)

    return receiver


def connect() -> None:
    """Listen to the rows each app's cached work items count (CoreConfig.ready)."""
    for module in app_modules("worklist"):
        for model, scopes_of in getattr(module, "WORK_CHANGES", {}).items():
            receiver = _receiver(scopes_of)
            uid = f"worklist:{module.__name__}:{model._meta.label}"
            post_save.connect(receiver, sender=model, weak=False, dispatch_uid=f"{uid}:save")
            post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=f"{uid}:delete")
