"""Nothing clinical is hard-deleted before its keep-until date, by any path."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import transaction
from django.db.utils import DatabaseError
from django.utils import timezone

from cloudpeds.attachments.models import Attachment
from cloudpeds.core.retention import RetentionClass, keep_until_for
from cloudpeds.patients.models import Patient
from consultations.models import Consultation, Message
from tests.conftest import enroll_totp
from tests.factories import AttachmentFactory, ConsultationFactory, PatientFactory

pytestmark = pytest.mark.django_db


def test_the_periods_are_the_rules_figures(settings):
    assert settings.RETENTION_CLASSES == {
        "outpatient": 180,
        "inpatient": 360,
        "internet_consultation": 36,
        "security_log": 6,
    }
    assert keep_until_for(RetentionClass.OUTPATIENT, date(2024, 2, 29)) == date(2039, 2, 28)
    assert keep_until_for(RetentionClass.SECURITY_LOG, date(2026, 8, 31)) == date(2027, 2, 28)


def test_records_carry_their_class_and_keep_until_date(yangpu, specialist):
    registered = timezone.now() - timedelta(days=400)
    patient = PatientFactory(hospital=yangpu, created_at=registered)
    consultation = ConsultationFactory(patient=patient)
    message = Message.objects.create(consultation=consultation, author=specialist, body="请补充血常规")
    attachment = AttachmentFactory(patient=patient)
    for record in (patient, consultation, message, attachment):
        record.refresh_from_db()

    assert patient.retention_class == "outpatient"
    assert patient.keep_until == keep_until_for("outpatient", timezone.localdate(registered))
    assert consultation.retention_class == "outpatient"
    assert consultation.keep_until == keep_until_for("outpatient", timezone.localdate(consultation.created_at))
    assert message.retention_class == "internet_consultation"
    assert message.keep_until == keep_until_for("internet_consultation", timezone.localdate())
    assert attachment.keep_until == keep_until_for("outpatient", timezone.localdate())


def test_a_change_counts_the_period_again_from_today(yangpu):
    patient = PatientFactory(hospital=yangpu, created_at=timezone.now() - timedelta(days=3000))
    patient.refresh_from_db()
    assert patient.keep_until < keep_until_for("outpatient", timezone.localdate())

    Patient.objects.filter(pk=patient.pk).update(allergies="青霉素")

    patient.refresh_from_db()
    assert patient.keep_until == keep_until_for("outpatient", timezone.localdate())


def test_the_keep_until_date_cannot_be_shortened(yangpu):
    patient = PatientFactory(hospital=yangpu)
    patient.refresh_from_db()
    kept = patient.keep_until

    Patient.objects.filter(pk=patient.pk).update(keep_until=date(2000, 1, 1))

    patient.refresh_from_db()
    assert patient.keep_until == kept


@pytest.mark.parametrize("how", ["instance", "bulk"])
def test_deleting_a_record_within_its_period_is_refused(yangpu, how):
    consultation = ConsultationFactory(patient=PatientFactory(hospital=yangpu))
    attachment = AttachmentFactory(patient=consultation.patient)

    for record in (consultation, attachment):
        with pytest.raises(DatabaseError, match="retention period"), transaction.atomic():
            if how == "bulk":
                type(record).objects.filter(pk=record.pk).delete()
            else:
                record.delete()

    assert Consultation.objects.filter(pk=consultation.pk).exists()
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_a_patient_within_the_period_cannot_be_deleted_even_without_records(yangpu):
    # No record at all, not even a remote-service consent (which would protect the row first).
    patient = PatientFactory(hospital=yangpu, service_consent=False)

    with pytest.raises(DatabaseError, match="retention period"), transaction.atomic():
        Patient.objects.filter(pk=patient.pk).delete()

    assert Patient.objects.filter(pk=patient.pk).exists()


def test_a_record_past_its_period_can_be_deleted(yangpu, specialist):
    consultation = ConsultationFactory(patient=PatientFactory(hospital=yangpu))
    message = Message.objects.create(
        consultation=consultation, author=specialist, body="旧消息", created_at=timezone.now() - timedelta(days=4 * 366)
    )
    message.refresh_from_db()
    assert message.keep_until < timezone.localdate()

    Message.objects.filter(pk=message.pk).delete()

    assert not Message.objects.filter(pk=message.pk).exists()


def test_the_admin_offers_no_delete_within_the_period(client, yangpu, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.com", "pw-Root-12345")
    enroll_totp(root)
    patient = PatientFactory(hospital=yangpu)
    client.force_login(root)

    response = client.post(f"/admin/patients/patient/{patient.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert Patient.objects.filter(pk=patient.pk).exists()
