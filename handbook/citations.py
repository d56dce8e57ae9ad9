"""Who cites a handbook version: training lessons, exam questions (apps that do not exist yet).

An app takes part by having a `handbook_citations` module with a function
`citations_of(topic_version) -> Iterable[object]` that returns its objects citing that
version (each ideally with `__str__` and `get_absolute_url()`). The handbook never imports
those apps by name: it finds the modules with the same discovery as `demo` and `scale`.
"""

from __future__ import annotations

from typing import Any

from cloudpeds.core.discovery import app_modules


def citing_objects(topic_version) -> list[Any]:
    """Every object, in any installed app, that cites `topic_version`."""
    found: list[Any] = []
    for module in app_modules("handbook_citations"):
        citations_of = getattr(module, "citations_of", None)
        if citations_of is not None:
            found.extend(citations_of(topic_version))
    return found
