"""The weight and height entered in a consultation land once on the child's growth record."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cloudpeds.patients.models import GrowthMeasurement
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def _url(patient) -> str:
    return f"/consultations/new/{patient.public_id}/"


def _case(specialist, **overrides) -> dict:
    data = {
        "department": str(specialist.department_id),
        "urgency": "routine",
        "question": "是否需要住院?",
        "history": "发热三天",
        "temperature_c": "38.6",
        "weight_kg": "13.2",
        "height_cm": "90",
        "file_kind": "photo",
        "action": "submit",
    }
    return {**data, **overrides}


@pytest.fixture
def patient(doctor):
    return PatientFactory(
        hospital=doctor.hospital, registered_by=doctor, date_of_birth=timezone.localdate() - timedelta(days=920)
    )


def test_sending_a_consultation_records_its_weight_and_height_on_the_child(client, doctor, specialist, patient):
    client.force_login(doctor)

    response = client.post(_url(patient), _case(specialist))

    assert response.status_code == 302
    measurement = GrowthMeasurement.objects.get(patient=patient)
    assert measurement.weight_kg == Decimal("13.2")
    assert measurement.height_cm == Decimal("90")
    assert measurement.measured_on == timezone.localdate()
    assert measurement.recorded_by == doctor
    page = client.get(patient.get_absolute_url()).content.decode()
    assert "13.2" in page


def test_a_draft_records_nothing_until_it_is_sent(client, doctor, specialist, patient):
    client.force_login(doctor)

    client.post(_url(patient), _case(specialist, action="save"))

    assert not GrowthMeasurement.objects.filter(patient=patient).exists()


def test_the_same_values_on_the_same_day_are_recorded_once(client, doctor, specialist, patient):
    GrowthMeasurement.objects.create(
        patient=patient,
        measured_on=timezone.localdate(),
        weight_kg=Decimal("13.2"),
        height_cm=Decimal("90"),
        recorded_by=doctor,
    )
    client.force_login(doctor)

    client.post(_url(patient), _case(specialist))
    client.post(_url(patient), _case(specialist))

    assert GrowthMeasurement.objects.filter(patient=patient).count() == 1


def test_a_consultation_without_weight_or_height_records_nothing(client, doctor, specialist, patient):
    client.force_login(doctor)

    client.post(_url(patient), _case(specialist, weight_kg="", height_cm=""))

    assert not GrowthMeasurement.objects.filter(patient=patient).exists()


def test_record_measurement_leaves_out_an_implausible_value(doctor, patient):
    assert (
        patient.record_measurement(recorded_by=doctor, measured_on=timezone.localdate(), weight_kg=Decimal("400"))
        is None
    )
    assert not GrowthMeasurement.objects.exists()
