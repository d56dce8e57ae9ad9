"""One child, one timeline.

Every installed app may have a `timeline` module with a function
`timeline_entries(patient, user) -> Iterable[TimelineEntry]`; the patient page merges
them all, newest first. The platform never imports a feature app by name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from cloudpeds.core.discovery import app_modules


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # a stable key, e.g. "patient.registered", "attachment.uploaded"
    title: str  # already translated for the current language
    detail: str = ""
    url: str = ""
    actor: str = ""
    icon: str = "bi-circle"


def entries_for(patient, user) -> list[TimelineEntry]:
    """All apps' events for this child that `user` may see, newest first.

    Callers have already checked that `user` may see the patient.
    """
    entries: list[TimelineEntry] = []
    for module in app_modules("timeline"):
        provider = getattr(module, "timeline_entries", None)
        if provider is not None:
            entries.extend(_as_list(provider(patient, user)))
    return sorted(entries, key=lambda entry: entry.at, reverse=True)


def _as_list(items: Iterable[TimelineEntry]) -> list[TimelineEntry]:
    return list(items)
