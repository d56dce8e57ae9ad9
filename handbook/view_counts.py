"""Topic readings, counted in memory and written in batches.

Every reading of a topic page used to UPDATE that topic's row for the day
(`handbook_topicviewday`): all readers of a popular topic queued on one row lock, and each
paid a commit. Now each process adds readings up in memory and writes them all in one
statement at most every HANDBOOK_VIEW_FLUSH_SECONDS (on the next reading after that, when
the usage page is opened, and when the process exits):

    INSERT ... VALUES (topic, day, n), ... ON CONFLICT (topic, day) DO UPDATE SET views = views + n

What a process had not written yet when it is killed is lost (at most that many seconds of
readings): these are usage statistics for editors, not the access audit.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections import Counter
from datetime import date

from django.conf import settings
from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)
_lock = threading.Lock()
_pending: Counter[tuple[int, date]] = Counter()
_last_flush = time.monotonic()


def flush_seconds() -> float:
    return getattr(settings, "HANDBOOK_VIEW_FLUSH_SECONDS", 10)


def count_view(topic_id: int, day: date) -> None:
    """One reading of topic `topic_id` on `day` (local date)."""
    with _lock:
        _pending[(topic_id, day)] += 1
        due = time.monotonic() - _last_flush >= flush_seconds()
    if due:
        flush()


def pending() -> dict[tuple[int, date], int]:
    with _lock:
        return dict(_pending)


def discard_pending() -> None:
    """Forget what was counted and not written (tests: counts must not leak between them)."""
    global _last_flush
    with _lock:
        _pending.clear()
        _last_flush = time.monotonic()


def flush() -> int:
    """Write the readings counted so far, in one statement; returns how many rows it touched.

    Topics deleted meanwhile are skipped (the join), so one deleted topic cannot lose the
    rest of the batch.
    """
    global _last_flush
    with _lock:
        batch = dict(_pending)
        _pending.clear()
        _last_flush = time.monotonic()
    if not batch:
        return 0
    from .models import Topic, TopicViewDay

    values = ", ".join(["(%s::bigint, %s::date, %s::integer)"] * len(batch))
    params = [item for (topic_id, day), views in sorted(batch.items()) for item in (topic_id, day, views)]
    table = TopicViewDay._meta.db_table
    sql = (
        f"INSERT INTO {table} (topic_id, day, views) "  # noqa: S608 - table names from the models, values bound
        f"SELECT v.topic_id, v.day, v.views FROM (VALUES {values}) AS v (topic_id, day, views) "
        f"JOIN {Topic._meta.db_table} AS t ON t.id = v.topic_id "
        f"ON CONFLICT (topic_id, day) DO UPDATE SET views = {table}.views + EXCLUDED.views"
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount
    except DatabaseError:
        # Put them back for the next try rather than lose them.
        with _lock:
            _pending.update(batch)
        raise


def _flush_at_exit() -> None:
    try:
        flush()
    except Exception:
        logger.warning("Handbook readings not written at exit", exc_info=True)


atexit.register(_flush_at_exit)
