"""What needs this person now: the work list on each role's home page (issue 12).

Every installed app may have a `worklist` module with a function
`work_items(user) -> Iterable[WorkItem]`: the app's own counts for this user, each with the
link that opens that work. The home page shows them all, in INSTALLED_APPS order; the
platform never imports a feature app by name (the same discovery as `timeline` and `demo`).
An app offers an item only to the roles whose pages the link opens, so that every link on a
home page is useful to whoever sees it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cloudpeds.core.discovery import app_modules


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
    items: list[WorkItem] = []
    for module in app_modules("worklist"):
        provider = getattr(module, "work_items", None)
        if provider is not None:
            items.extend(_as_list(provider(user)))
    return items


def _as_list(items: Iterable[WorkItem]) -> list[WorkItem]:
    return list(items)
