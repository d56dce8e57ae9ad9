"""Background work of the outcomes app: the periodic rebuild of its own daily roll-ups
(cloudpeds/settings.py CELERY_BEAT_SCHEDULE, "outcomes-rollups")."""

from __future__ import annotations

from datetime import datetime

from celery import shared_task


@shared_task(acks_late=True, reject_on_worker_lost=True)
def rebuild_recent_rollups(today: str | None = None) -> int:
    """Recompute the last ROLLING_DAYS days of the outcomes roll-ups (idempotent: replaces them)."""
    from . import rollups

    day = datetime.fromisoformat(today).date() if today else None
    return rollups.rebuild_recent(day)
