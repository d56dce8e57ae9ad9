"""Background work of the training app.

Due-date reminders run daily from Celery beat (cloudpeds/settings.py CELERY_BEAT_SCHEDULE):

    "training-due-date-reminders": {
        "task": "training.tasks.send_due_date_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from .models import Enrolment

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
