"""Storing a range of days of a daily roll-up (the apps' ConsultationDay, ReferralDay, ...).

`replace_days` makes the stored rows of start..end exactly `rows`: rows whose key exists are
updated in place (INSERT ... ON CONFLICT DO UPDATE on the model's unique key), new keys are
inserted, and keys no longer produced are deleted, in one transaction. Rows keep their ids,
so running it twice changes nothing but `updated_at`, and readers never see the range empty.

Pages that cache figures computed from the roll-ups put `generation()` in their cache keys:
every `replace_days` draws a new generation once its transaction commits, so no cached
figure outlives the roll-up rows it came from. The generation is a random token, not a
counter, so a cache that lost it (eviction, restart) can never match a key made before.
Such pages keep their figures for FIGURES_CACHE_SECONDS at most (today's live rows change
under the same generation) and hand their charts to the template as a `LazyChart`.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Sequence
from datetime import date
from typing import ParamSpec, TypeVar

from django.core.cache import cache
from django.db import connection, models, transaction
from django.utils.functional import cached_property

GENERATION_KEY = "rollups:generation"
# How long a page keeps figures computed from the roll-ups (and today's live rows): a
# rebuild of the roll-ups replaces them at once, since the generation is in their keys.
FIGURES_CACHE_SECONDS = 300


class LazyChart:
    """A page's chart data, computed when the template first asks for `chart.data`, so that a
    cached figures block computes nothing (json_script needs a real dict, which a
    SimpleLazyObject is not)."""

    def __init__(self, compute: Callable[[], dict]) -> None:
        self._compute = compute

    @cached_property
    def data(self) -> dict:
        return self._compute()


def generation() -> str:
    """The current roll-up generation (a token that changes whenever any roll-up is stored)."""
    token = cache.get(GENERATION_KEY)
    if token is None:
        token = uuid.uuid4().hex
        if not cache.add(GENERATION_KEY, token, None):
            token = cache.get(GENERATION_KEY, token)
    return token


def bump_generation() -> None:
    cache.set(GENERATION_KEY, uuid.uuid4().hex, None)


P = ParamSpec("P")
R = TypeVar("R")


def without_jit(function: Callable[P, R]) -> Callable[P, R]:
    """Run `function` (a page's reads of roll-up rows and of today's live rows) with
    PostgreSQL's JIT off: the live queries' correlated subqueries are estimated costly enough
    to be JIT-compiled, and compiling takes far longer than running these small queries."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if connection.vendor != "postgresql":
            return function(*args, **kwargs)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
            return function(*args, **kwargs)

    return wrapper


def replace_days(
    model: type[models.Model], rows: Sequence[models.Model], start: date, end: date, key: Sequence[str]
) -> int:
    key_columns = [model._meta.get_field(name).attname for name in key]
    values = [
        field.name
        for field in model._meta.concrete_fields
        if not field.primary_key and field.attname not in key_columns
    ]
    keep = {tuple(getattr(row, column) for column in key_columns) for row in rows}
    with transaction.atomic():
        if rows:
            model.objects.bulk_create(
                rows, batch_size=2000, update_conflicts=True, unique_fields=list(key), update_fields=values
            )
        stale = [
            pk
            for pk, *row_key in model.objects.filter(day__gte=start, day__lte=end).values_list("pk", *key_columns)
            if tuple(row_key) not in keep
        ]
        model.objects.filter(pk__in=stale).delete()
        # Now (so a reader in this transaction, or a test's, never sees a page from before)
        # and again on commit (so a page cached from the old rows meanwhile dies with them).
        bump_generation()
        transaction.on_commit(bump_generation)
    return len(rows)
