"""Background work of exams and certificates: thin tasks that take ids and call the models.

Periodic jobs (Celery beat, cloudpeds/settings.py CELERY_BEAT_SCHEDULE):

    "training-submit-expired-attempts": {
        "task": "training.tasks_exams.submit_expired_attempts",
        "schedule": timedelta(minutes=1),
    },
    "training-certificate-expiry-reminders": {
        "task": "training.tasks_exams.send_certificate_expiry_reminders",
        "schedule": timedelta(hours=6),
    },

Both are safe to run as often as beat likes: an attempt is submitted once (its row is locked
and its status checked), a reminder is a row with a unique constraint.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from celery import shared_task
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from .models import Attempt, Certificate, CertificateReminder
from .models.certificates import RENEWAL_WINDOW_DAYS, due_reminder

logger = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    # Storage or database trouble is worth retrying; a bug in the template is not.
    autoretry_for=(OSError, DatabaseError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def generate_certificate_pdf(certificate_id: int) -> bool:
    certificate = Certificate.objects.filter(pk=certificate_id).first()
    if certificate is None:
        return False
    return certificate.generate_pdf()


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
    """Tell holders 90, 30 and 7 days before their certificate expires, each reminder once."""
    from cloudpeds.notifications.services import notify

    day = datetime.fromisoformat(today).date() if today else timezone.localdate()
    expiring = (
        Certificate.objects.valid()
        .filter(expires_on__gte=day, expires_on__lte=day + timedelta(days=RENEWAL_WINDOW_DAYS))
        .select_related("holder", "course")
        .order_by("expires_on")
    )
    sent = 0
    for certificate in expiring:
        days_left = certificate.days_to_expiry(day)
        threshold = due_reminder(days_left)
        if threshold is None:
            continue
        try:
            with transaction.atomic():
                _row, created = CertificateReminder.objects.get_or_create(
                    certificate=certificate, days_before=threshold
                )
                if not created:
                    continue
                notify(
                    [certificate.holder],
                    "training.certificate_expiring",
                    certificate,
                    context={**certificate.notification_context(), "days_left": days_left},
                    url=certificate.course.get_absolute_url(),
                )
        except IntegrityError:
            continue  # a concurrent run sent it
        sent += 1
    return sent
