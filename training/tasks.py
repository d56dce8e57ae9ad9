"""Background work of the training app: thin tasks that take ids (or a day) and call the models.

The three are periodic jobs (cloudpeds/settings.py CELERY_BEAT_SCHEDULE, "training-*"): the
due-date reminders daily, expired attempts every minute, certificate expiry reminders every
six hours. All are safe to run as often as beat likes: an attempt is submitted once (its row
is locked and its status checked), a reminder is a row with a unique constraint.
Certificate PDFs are made by the platform's one PDF task, cloudpeds.core.tasks.generate_pdf.
"""

from __future__ import annotations

import logging
from datetime import datetime

from celery import shared_task
from django.db import DatabaseError, OperationalError
from django.utils import timezone

from .models import Attempt, Certificate, Enrolment

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def send_due_date_reminders() -> int:
    """Remind learners who have not finished a course 7 days and 1 day before its due date.

    Safe to run twice, or in two workers at once: each reminder is a row written with the
    notification under the enrolment's lock (see Enrolment.send_due_reminder).
    """
    today = timezone.localdate()
    sent = 0
    pending = Enrolment.objects.needing_reminder(today).order_by("due_date", "pk").values_list("pk", flat=True)
    for pk in list(pending):
        enrolment = Enrolment.objects.filter(pk=pk).first()
        if enrolment is None:
            continue
        try:
            sent += enrolment.send_due_reminder(today)
        except OperationalError:
            raise
        except Exception:
            # One broken row must not hold up the others; the next run tries it again.
            logger.exception("Due-date reminder failed for enrolment %s", pk)
    return sent


@shared_task(acks_late=True, reject_on_worker_lost=True)
def submit_expired_attempts(now: str | None = None) -> int:
    """Submit every attempt left open past its deadline and grace, as of its deadline."""
    moment = datetime.fromisoformat(now) if now else timezone.now()
    submitted = 0
    for attempt in Attempt.objects.past_grace(moment).select_related("exam").order_by("deadline"):
        try:
            submitted += attempt.expire(moment)
        except DatabaseError:
            # One attempt's trouble must not keep the others open; the next run retries it.
            logger.exception("Could not submit the expired attempt %s", attempt.pk)
    return submitted


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_certificate_expiry_reminders(today: str | None = None) -> int:
    """Tell holders 90, 30 and 7 days before their certificate expires, each reminder once
    (see Certificate.send_expiry_reminder)."""
    day = datetime.fromisoformat(today).date() if today else timezone.localdate()
    expiring = Certificate.objects.expiring(day).select_related("holder", "course")
    return sum(certificate.send_expiry_reminder(day) for certificate in expiring.order_by("expires_on"))


@shared_task(acks_late=True, reject_on_worker_lost=True)
def rebuild_recent_rollups(today: str | None = None) -> int:
    """Recompute the daily roll-up of the last ROLLING_DAYS days (idempotent: it replaces them)."""
    from . import rollups

    day = datetime.fromisoformat(today).date() if today else None
    return rollups.rebuild_recent(day)
