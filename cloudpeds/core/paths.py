"""Paths of records named by their public id, built without a full `reverse()` each time.

A queue page links every row to its record, some rows twice: fifty `reverse()` calls (each
~40 µs of resolver work here) were a fifth of rendering a page. The path of one URL name
differs between records only in the id, so it is reversed once with a placeholder id and
the record's id is put in its place. The cache key holds the URLconf and the script prefix,
so an overridden URLconf (tests) or a sub-path deployment gets its own path.
"""

from __future__ import annotations

from functools import lru_cache
from uuid import UUID

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

_PLACEHOLDER = UUID(int=0)


@lru_cache(maxsize=64)
def _path_with_placeholder(viewname: str, urlconf: str, prefix: str) -> str:
    path = reverse(viewname, urlconf=urlconf, args=[_PLACEHOLDER])
    # The id must appear exactly once, else the substitution below would be ambiguous.
    if path.count(str(_PLACEHOLDER)) != 1:
        raise ValueError(f"{viewname} does not take one public id")
    return path


def record_path(viewname: str, public_id: UUID) -> str:
    """`reverse(viewname, args=[public_id])` for a URL whose one argument is a UUID."""
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    template = _path_with_placeholder(viewname, urlconf, get_script_prefix())
    return template.replace(str(_PLACEHOLDER), str(public_id))
