"""Loading the small rows a record page shows beside the record, one query per model.

A record page used to `select_related` a dozen small tables onto the record (hospitals,
departments, the people who acted). Those rows are cheap to read, but PostgreSQL plans a
join of n tables in time that grows steeply with n, and plans it again on every request:
the referral page's 15-table join took 12-16 ms to plan and 0.4 ms to run; the case page's
10-table join 9-15 ms to plan. Loaded apart, each model is one lookup by primary key
(~0.1 ms): the access check and the record stay one query, planned in ~1 ms.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import models


def fill_foreign_keys(*links: tuple[models.Model | None, str]) -> None:
    """Load what each (object, foreign key name) points to, as select_related would have,
    with one query per related model for all the links together. Links whose object is
    None, whose key is empty or whose target is already loaded cost nothing."""
    wanted: dict[tuple[type[models.Model], str], set] = defaultdict(set)
    todo = []
    for obj, name in links:
        if obj is None:
            continue
        field = obj._meta.get_field(name)
        if field.is_cached(obj):
            continue
        key = getattr(obj, field.attname)
        if key is None:
            field.set_cached_value(obj, None)
            continue
        wanted[(field.related_model, field.target_field.name)].add(key)
        todo.append((obj, field, key))
    # The base manager, as a foreign key's own descriptor reads it (no default filtering).
    loaded = {
        (model, to_field): model._base_manager.in_bulk(keys, field_name=to_field)
        for (model, to_field), keys in wanted.items()
    }
    for obj, field, key in todo:
        target = loaded[(field.related_model, field.target_field.name)].get(key)
        if target is not None:
            field.set_cached_value(obj, target)
