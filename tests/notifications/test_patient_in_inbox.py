"""Notifications name the child inside the portal (name and record number, for a reader who
may see the record) and render the child's age in the reader's language when displayed,
whatever language the stored row was written in; emails keep leaving the name out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from cloudpeds.notifications.email import render_email

from ..factories import ConsultationFactory, NotificationFactory, PatientFactory

pytestmark = pytest.mark.django_db


def _answered(recipient, patient, **fields):
    consultation = ConsultationFactory(patient=patient)
    # Stored as the old rows were: the age already rendered, in Chinese.
    return NotificationFactory(
        recipient=recipient,
        kind="consultations.answered",
        target=consultation,
        context={"patient_age": "1岁5个月"},
        **fields,
    )


def _age(patient, language: str) -> str:
    with translation.override(language):
        return patient.age_display(timezone.localdate())


def test_english_inbox_names_the_child_and_renders_the_age_in_english(client, doctor, child):
    doctor.preferred_language = "en"
    doctor.save(update_fields=["preferred_language"])
    _answered(doctor, child)
    client.force_login(doctor)

    html = client.get("/notifications/").content.decode()

    assert _age(child, "en") in html
    assert "1岁5个月" not in html
    assert "个月" not in html.split('data-testid="notification"')[1].split("</li>")[0]
    row = html.split('data-testid="notification-patient"')[1].split("</div>")[0]
    assert "王小明" in row
    assert "Record no. YP2026-0042" in row


def test_chinese_inbox_renders_the_age_in_chinese(client, doctor, child):
    doctor.preferred_language = "zh-hans"
    doctor.save(update_fields=["preferred_language"])
    _answered(doctor, child)
    client.force_login(doctor)

    html = client.get("/notifications/").content.decode()

    row = html.split('data-testid="notification"')[1].split("</li>")[0]
    assert _age(child, "zh-hans") in row
    assert "王小明" in row
    assert "病历号 YP2026-0042" in row


def test_the_age_is_as_of_the_day_of_the_notification(doctor, child):
    notification = _answered(doctor, child, created_at=timezone.now() - timedelta(days=60))
    doctor.preferred_language = "en"
    doctor.save(update_fields=["preferred_language"])

    subject = notification.subject()

    with translation.override("en"):
        expected = child.age_display(timezone.localdate(notification.created_at))
    assert expected in subject


def test_a_row_whose_child_is_gone_keeps_its_stored_text(doctor):
    notification = NotificationFactory(recipient=doctor, kind="consultations.answered", context={"patient_age": "3岁"})
    assert "3岁" in notification.subject()


def test_emails_leave_the_name_out_and_use_the_readers_language(doctor, child):
    doctor.preferred_language = "en"
    doctor.save(update_fields=["preferred_language"])
    notification = _answered(doctor, child)

    subject, text, html = render_email(notification.kind, notification.template_context(), "en")

    for part in (subject, text, html):
        assert "王小明" not in part
        assert "YP2026-0042" not in part
        assert "1岁5个月" not in part
    assert _age(child, "en") in subject


def test_a_reader_who_may_not_see_the_record_gets_no_name(client, outsider, child):
    _answered(outsider, child)
    client.force_login(outsider)

    html = client.get("/notifications/").content.decode()

    assert 'data-testid="notification"' in html
    assert "王小明" not in html
    assert "YP2026-0042" not in html


def test_the_inbox_query_count_does_not_grow_with_rows(client, doctor, child):
    client.force_login(doctor)
    _answered(doctor, child)
    _answered(doctor, PatientFactory(hospital=doctor.hospital, registered_by=doctor))
    client.get("/notifications/")
    with CaptureQueriesContext(connection) as few:
        client.get("/notifications/")
    for _ in range(6):
        _answered(doctor, PatientFactory(hospital=doctor.hospital, registered_by=doctor))
    with CaptureQueriesContext(connection) as many:
        response = client.get("/notifications/")

    assert response.content.decode().count('data-testid="notification-patient"') == 8
    assert len(many) == len(few)


def test_a_referrals_urgency_and_hospitals_render_in_the_readers_language(doctor, child, xinhua):
    from referrals.models import Referral

    referral = Referral.objects.create(
        patient=child,
        sending_hospital=doctor.hospital,
        receiving_hospital=xinhua,
        requested_by=doctor,
        urgency="urgent",
    )
    notification = NotificationFactory(
        recipient=doctor,
        kind="referrals.requested",
        target=referral,
        context={"patient_age": "1岁5个月", "urgency": "紧急", "receiving_hospital": xinhua.name_zh},
    )
    doctor.preferred_language = "en"
    doctor.save(update_fields=["preferred_language"])

    subject = notification.subject()

    assert "紧急" not in subject
    assert "岁" not in subject
    with translation.override("en"):
        assert str(referral.get_urgency_display()) in subject
        assert str(notification.template_context()["receiving_hospital"]) == xinhua.name_en
