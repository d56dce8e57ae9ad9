"""Background work of the consultations app.

The response-time escalation runs every five minutes from Celery beat:

    "consultations-escalate-overdue": {
        "task": "consultations.tasks.escalate_overdue_consultations",
        "schedule": timedelta(minutes=5),
    },
"""

from __future__ import annotations

import logging
from datetime import datetime

from celery import shared_task
from django.utils import timezone

from .models import Consultation

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def escalate_overdue_consultations() -> dict[str, int]:
    """Tell the department when a case passes its target, and the group administrators when
    it is still unanswered CONSULTATION_ESCALATION_DELAY_HOURS later.

    Safe to run twice, or in two workers at once: each step is done once, recorded on the
    row (`overdue_at`, `escalated_at`) under its lock, and skipped when already recorded.
    Time spent waiting for the requesting doctor does not count: a pause moves `due_at`,
    and a paused case is not past its target (`past_target()` looks at running clocks only).
    """
    now = timezone.now()
    pending = Consultation.objects.escalation_due(now).order_by("due_at", "pk").values_list("pk", flat=True)
    done = {"overdue": 0, "escalated": 0}
    for pk in pending:
        done_now = _escalate_one(pk, now)
        for step, acted in done_now.items():
            done[step] += acted
    return done


def _escalate_one(pk: int, now: datetime) -> dict[str, bool]:
    consultation = Consultation.objects.filter(pk=pk).first()
    if consultation is None:
        return {}
    try:
        overdue = consultation.mark_overdue(now)
        escalated = consultation.escalate(now)
    except Exception:
        # One broken case must not hold up the others; the next run tries it again.
        logger.exception("Could not escalate consultation %s", pk)
        return {}
    return {"overdue": overdue, "escalated": escalated}


@shared_task(acks_late=True, reject_on_worker_lost=True)
def rebuild_recent_rollups(today: str | None = None) -> int:
    """Recompute the daily roll-up of the last ROLLING_DAYS days (idempotent: it replaces them)."""
    from . import rollups

    day = datetime.fromisoformat(today).date() if today else None
    return rollups.rebuild_recent(day)


@shared_task(acks_late=True)
def purge_old_autosaves() -> int:
    """Autosaves nobody came back to within Autosave.KEPT_FOR: the typed text of a child's case
    is not kept on the server beyond that."""
    from .models import Autosave

    deleted, _ = Autosave.objects.filter(saved_at__lt=timezone.now() - Autosave.KEPT_FOR).delete()
    return deleted
