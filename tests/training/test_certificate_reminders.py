"""Expiry reminders (training.tasks.send_certificate_expiry_reminders): 90, 30 and 7
days before expiry, each once, with a link to re-certify (the course page)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail

from cloudpeds.notifications.models import Notification
from tests.factories import CertificateFactory
from training.models import CertificateReminder
from training.tasks import send_certificate_expiry_reminders

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 1)


def run(day: date) -> int:
    return send_certificate_expiry_reminders.delay(day.isoformat()).get()


@pytest.fixture
def certificate(doctor):
    return CertificateFactory(holder=doctor, expires_on=TODAY + timedelta(days=100))


def reminders(certificate) -> list[int]:
    return sorted(CertificateReminder.objects.filter(certificate=certificate).values_list("days_before", flat=True))


def test_each_reminder_goes_once_on_its_day(certificate, doctor):
    sent = {day: run(TODAY + timedelta(days=day)) for day in range(0, 101)}

    assert [day for day, count in sent.items() if count] == [10, 70, 93]  # 90, 30 and 7 days before
    assert reminders(certificate) == [7, 30, 90]
    notes = Notification.objects.filter(recipient=doctor, kind="training.certificate_expiring").order_by("pk")
    assert [note.context["days_left"] for note in notes] == [90, 30, 7]
    assert notes[0].target_url == certificate.course.get_absolute_url()


def test_running_twice_a_day_sends_nothing_more(certificate):
    assert run(TODAY + timedelta(days=10)) == 1
    assert run(TODAY + timedelta(days=10)) == 0
    assert reminders(certificate) == [90]


def test_a_missed_day_is_caught_up_but_not_twice(certificate):
    assert run(TODAY + timedelta(days=15)) == 1  # 85 days left: the 90-day reminder, late
    assert run(TODAY + timedelta(days=80)) == 1  # 20 days left: the 30-day one, late
    assert reminders(certificate) == [30, 90]


def test_only_the_nearest_reminder_is_sent_inside_a_later_window(doctor):
    certificate = CertificateFactory(holder=doctor, expires_on=TODAY + timedelta(days=20))

    assert run(TODAY) == 1
    assert reminders(certificate) == [30]


def test_revoked_superseded_and_expired_certificates_get_no_reminder(doctor, outsider):
    revoked = CertificateFactory(holder=doctor, expires_on=TODAY + timedelta(days=30), status="revoked")
    expired = CertificateFactory(holder=outsider, expires_on=TODAY - timedelta(days=1))

    assert run(TODAY) == 0
    assert reminders(revoked) == reminders(expired) == []


def test_the_reminder_email_links_to_re_certify(certificate, doctor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run(TODAY + timedelta(days=10))

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [doctor.email]
    assert certificate.course_title_zh in message.body  # the holder reads Chinese (the default)
    assert certificate.expires_on.isoformat() in message.body
    note = Notification.objects.get(kind="training.certificate_expiring")
    assert note.target_url == certificate.course.get_absolute_url()  # the link opens the course
