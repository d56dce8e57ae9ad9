"""Email delivery for notifications: thin tasks that take ids.

Add the periodic job to settings.CELERY_BEAT_SCHEDULE:
    "notifications-resend-unsent": {
        "task": "cloudpeds.notifications.tasks.resend_unsent_notifications",
        "schedule": timedelta(minutes=5),
    },
"""

from __future__ import annotations

import smtplib

from celery import shared_task

from .models import Notification


@shared_task(
    bind=True,
    acks_late=True,
    # The mail server refused, is busy or unreachable (socket errors are OSError).
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=True,
    max_retries=5,
)
def send_notification_email(self, notification_id: int) -> bool:
    # Safe to run twice and alongside resend_unsent_notifications: see Notification.send_email.
    return Notification.send_email(notification_id)


@shared_task(acks_late=True)
def resend_unsent_notifications() -> int:
    """The outbox sweep: emails whose task never ran (broker outage) or failed, still pending."""
    return Notification.resend_unsent()
