"""Where the consultation form asks the handbook for topics matching the symptoms.

The handbook app does not exist yet. When it does, this returns its topics for the
symptoms typed (each with `title` and `url`, and an optional `summary`); the form shows
them before the doctor sends the case, because a handbook page may answer the question
sooner than a specialist. Until then there is nothing to show.
"""

from __future__ import annotations

from typing import Any


def related_handbook_topics(symptoms: str) -> list[Any]:
    return []
