from __future__ import annotations

import logging
import smtplib
from datetime import timedelta
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone
from kombu.exceptions import OperationalError

from cloudpeds.notifications.models import MAX_EMAIL_ATTEMPTS, Notification
from cloudpeds.notifications.services import notify
from cloudpeds.notifications.tasks import resend_unsent_notifications, send_notification_email

pytestmark = pytest.mark.django_db


class RefusingBackend(BaseEmailBackend):
    """The mail server hangs up: what SMTP does during an outage."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def _age(notification: Notification, minutes: int = 2) -> None:
    Notification.objects.filter(pk=notification.pk).update(created_at=timezone.now() - timedelta(minutes=minutes))


def _pending(recipient, patient, django_capture_on_commit_callbacks) -> Notification:
    """A committed row whose task was never queued."""
    with django_capture_on_commit_callbacks(execute=False):
        [row] = notify([recipient], "patient.shared", patient)
    return row


def test_broker_outage_keeps_the_row_and_the_resend_job_sends_it_once(
    specialist, patient, django_capture_on_commit_callbacks, caplog
):
    broker_down = OperationalError("Error 111 connecting to redis:6379. Connection refused.")
    with (
        mock.patch.object(send_notification_email, "delay", side_effect=broker_down),
        caplog.at_level(logging.ERROR, logger="cloudpeds.notifications.services"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        [row] = notify([specialist], "patient.shared", patient)  # does not raise

    row.refresh_from_db()
    assert row.email_status == Notification.EmailStatus.PENDING
    assert mail.outbox == []
    assert f"Could not queue the email of notification {row.pk}" in caplog.text

    _age(row)
    assert resend_unsent_notifications.delay().get() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [specialist.email]
    row.refresh_from_db()
    assert row.email_status == Notification.EmailStatus.SENT
    assert row.email_attempts == 1

    assert resend_unsent_notifications.delay().get() == 0
    assert len(mail.outbox) == 1


def test_the_task_run_twice_sends_once(specialist, patient, django_capture_on_commit_callbacks):
    row = _pending(specialist, patient, django_capture_on_commit_callbacks)

    assert send_notification_email.delay(row.pk).get() is True
    assert send_notification_email.delay(row.pk).get() is False

    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.email_attempts == 1


def test_the_resend_job_leaves_recent_rows_to_their_task(specialist, patient, django_capture_on_commit_callbacks):
    row = _pending(specialist, patient, django_capture_on_commit_callbacks)

    assert resend_unsent_notifications.delay().get() == 0

    assert mail.outbox == []
    row.refresh_from_db()
    assert row.email_status == Notification.EmailStatus.PENDING


def test_the_resend_job_skips_rows_not_wanted_or_failed(specialist, outsider, patient):
    rows = [
        Notification.objects.create(recipient=specialist, kind="patient.shared", email_status="not_wanted"),
        Notification.objects.create(recipient=outsider, kind="patient.shared", email_status="failed"),
    ]
    for row in rows:
        _age(row)

    assert resend_unsent_notifications.delay().get() == 0
    assert mail.outbox == []


def test_a_refused_send_is_recorded_and_retried_later(
    specialist, patient, settings, django_capture_on_commit_callbacks
):
    row = _pending(specialist, patient, django_capture_on_commit_callbacks)
    settings.EMAIL_BACKEND = "tests.notifications.test_outbox.RefusingBackend"

    with pytest.raises(smtplib.SMTPServerDisconnected):
        Notification.send_email(row.pk)

    row.refresh_from_db()
    assert row.email_status == Notification.EmailStatus.PENDING
    assert row.email_attempts == 1
    assert row.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    _age(row)
    assert resend_unsent_notifications.delay().get() == 1
    row.refresh_from_db()
    assert row.email_status == Notification.EmailStatus.SENT
    assert row.email_attempts == 2
    assert row.last_error == ""
    assert len(mail.outbox) == 1


def test_the_task_asks_celery_to_retry_a_refused_send(
    specialist, patient, settings, django_capture_on_commit_callbacks
):
    row = _pending(specialist, patient, django_capture_on_commit_callbacks)
    settings.EMAIL_BACKEND = "tests.notifications.test_outbox.RefusingBackend"

    # In a worker Celery schedules the retry with backoff; run eagerly it raises Retry.
    with pytest.raises(Retry):
        send_notification_email.delay(row.pk)

    row.refresh_from_db()
    assert row.email_attempts == 1
    assert row.email_status == Notification.EmailStatus.PENDING
    assert row.last_error.startswith("SMTPServerDisconnected")
    assert mail.outbox == []


def test_after_the_last_attempt_the_row_is_failed_and_left_alone(
    specialist, patient, settings, django_capture_on_commit_callbacks
):
    row = _pending(specialist, patient, django_capture_on_commit_callbacks)
    Notification.objects.filter(pk=row.pk).update(email_attempts=MAX_EMAIL_ATTEMPTS - 1)
    settings.EMAIL_BACKEND = "tests.notifications.test_outbox.RefusingBackend"
    _age(row)

    assert resend_unsent_notifications.delay().get() == 0

    row.refresh_from_db()
    assert row.email_status == Notification.EmailStatus.FAILED
    assert row.email_attempts == MAX_EMAIL_ATTEMPTS
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert resend_unsent_notifications.delay().get() == 0
    assert mail.outbox == []


def test_an_address_removed_before_sending_is_not_mailed(specialist, patient, django_capture_on_commit_callbacks):
    row = _pending(specialist, patient, django_capture_on_commit_callbacks)
    specialist.email = ""
    specialist.save()

    assert send_notification_email.delay(row.pk).get() is False

    assert mail.outbox == []
    row.refresh_from_db()
    assert row.email_status == Notification.EmailStatus.NOT_WANTED


def test_a_deleted_row_is_nothing_to_send(specialist, patient, django_capture_on_commit_callbacks):
    row = _pending(specialist, patient, django_capture_on_commit_callbacks)
    notification_id = row.pk
    row.delete()

    assert send_notification_email.delay(notification_id).get() is False
    assert mail.outbox == []
