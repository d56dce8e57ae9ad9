"""Background work of the referrals app: thin tasks that take ids and call model methods.

Periodic jobs (settings.CELERY_BEAT_SCHEDULE):
    "referrals-expire-reservations": {
        "task": "referrals.tasks.expire_reservations",
        "schedule": timedelta(minutes=5),
    },
    "referrals-follow-up-lapses": {
        "task": "referrals.tasks.alert_lapsed_follow_ups",
        "schedule": timedelta(hours=1),
    },

Both are idempotent: the model methods lock the row and the row records what was done
(the referral's status, the follow-up item's alert timestamps), so a run repeated or two
runs at once act once.
"""

from __future__ import annotations

from datetime import datetime

from celery import shared_task
from django.utils import timezone

from .models import BedReservation, FollowUpItem, Referral, Status

# Rows per run, so that one run stays short after an outage; the next run takes the rest.
BATCH_SIZE = 500


@shared_task(acks_late=True)
def expire_reservations() -> int:
    """Approved transfers whose arrival window ended with no arrival lose their bed."""
    now = timezone.now()
    referral_ids = list(
        BedReservation.objects.active()
        .filter(window_end__lte=now, referral__status=Status.APPROVED)
        .order_by("window_end")
        .values_list("referral_id", flat=True)[:BATCH_SIZE]
    )
    return sum(Referral.expire_reservation(referral_id, now) for referral_id in referral_ids)


@shared_task(acks_late=True)
def alert_lapsed_follow_ups() -> int:
    """Follow-up items past their date: the grassroots doctor first, later the Xinhua doctor."""
    now = timezone.now()
    item_ids = list(FollowUpItem.objects.needing_alert(now).order_by("due_on", "pk").values_list("pk", flat=True))
    return sum(bool(FollowUpItem.alert_if_lapsed(item_id, now)) for item_id in item_ids[:BATCH_SIZE])


@shared_task(acks_late=True, reject_on_worker_lost=True)
def rebuild_recent_rollups(today: str | None = None) -> int:
    """Recompute the daily roll-up of the last ROLLING_DAYS days (idempotent: it replaces them)."""
    from . import rollups

    day = datetime.fromisoformat(today).date() if today else None
    return rollups.rebuild_recent(day)
