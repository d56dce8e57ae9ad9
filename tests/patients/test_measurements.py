from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cloudpeds.audit.models import AccessEvent
from cloudpeds.patients.models import GrowthMeasurement


def _url(patient) -> str:
    return f"/patients/{patient.public_id}/measurements/"


VALID = {"measured_on": "2024-02-01", "weight_kg": "15.4", "height_cm": "101.5", "head_circumference_cm": "49.0"}


def test_adding_a_measurement(doctor_client, doctor, patient) -> None:
    response = doctor_client.post(_url(patient), VALID)

    assert response.status_code == 302
    assert response["Location"] == f"/patients/{patient.public_id}/#measurements"
    measurement = GrowthMeasurement.objects.get()
    assert measurement.patient == patient
    assert measurement.recorded_by == doctor
    assert measurement.measured_on == date(2024, 2, 1)
    assert (measurement.weight_kg, measurement.height_cm, measurement.head_circumference_cm) == (
        Decimal("15.40"),
        Decimal("101.5"),
        Decimal("49.0"),
    )


def test_one_value_is_enough(doctor_client, patient) -> None:
    response = doctor_client.post(_url(patient), {"measured_on": "2024-02-01", "weight_kg": "15.4"})

    assert response.status_code == 302
    assert GrowthMeasurement.objects.get().height_cm is None


def test_with_htmx_the_section_is_returned_with_the_new_row(doctor_client, patient) -> None:
    response = doctor_client.post(_url(patient), VALID, headers={"HX-Request": "true"})

    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<section class="card mb-4"')
    assert "<html" not in content
    assert "The measurement is added." in content
    assert "101.5" in content
    assert GrowthMeasurement.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("weight_kg", "0.2", "Weight must be between 0.3 and 150 kg."),
        ("weight_kg", "151", "Weight must be between 0.3 and 150 kg."),
        ("height_cm", "19.9", "Height or length must be between 20 and 220 cm."),
        ("height_cm", "221", "Height or length must be between 20 and 220 cm."),
        ("head_circumference_cm", "19", "Head circumference must be between 20 and 70 cm."),
        ("head_circumference_cm", "70.1", "Head circumference must be between 20 and 70 cm."),
        ("weight_kg", "abc", "Enter a number."),
    ],
)
def test_implausible_values_are_refused_naming_the_field(doctor_client, patient, field, value, message) -> None:
    response = doctor_client.post(_url(patient), {**VALID, field: value}, headers={"HX-Request": "true"})

    content = response.content.decode()
    assert response.status_code == 200
    assert message in content
    assert f'id="id_{field}"' in content and "is-invalid" in content
    assert not GrowthMeasurement.objects.exists()


@pytest.mark.parametrize(("field", "value"), [("weight_kg", "0.3"), ("weight_kg", "150"), ("height_cm", "20")])
def test_the_limits_themselves_are_plausible(doctor_client, patient, field, value) -> None:
    doctor_client.post(_url(patient), {"measured_on": "2024-02-01", field: value})

    assert GrowthMeasurement.objects.count() == 1


def test_a_date_in_the_future_is_refused(doctor_client, patient) -> None:
    tomorrow = timezone.localdate() + timedelta(days=1)

    response = doctor_client.post(_url(patient), {**VALID, "measured_on": tomorrow.isoformat()})

    assert "The measurement date cannot be in the future." in response.content.decode()
    assert not GrowthMeasurement.objects.exists()


def test_a_date_before_birth_is_refused(doctor_client, patient) -> None:
    response = doctor_client.post(_url(patient), {**VALID, "measured_on": "2020-03-14"})

    assert "The measurement date cannot be before the date of birth." in response.content.decode()
    assert not GrowthMeasurement.objects.exists()


def test_the_day_of_birth_is_allowed(doctor_client, patient) -> None:
    doctor_client.post(_url(patient), {"measured_on": "2020-03-15", "weight_kg": "3.3"})

    assert GrowthMeasurement.objects.count() == 1


def test_at_least_one_value_is_needed(doctor_client, patient) -> None:
    response = doctor_client.post(_url(patient), {"measured_on": "2024-02-01"})

    assert "Enter at least one measurement, or record oedema of both feet." in response.content.decode()
    assert not GrowthMeasurement.objects.exists()


def test_without_htmx_errors_show_on_the_full_page(doctor_client, patient) -> None:
    response = doctor_client.post(_url(patient), {**VALID, "weight_kg": "1500"})

    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" in content
    assert "Weight must be between 0.3 and 150 kg." in content
    assert not GrowthMeasurement.objects.exists()
    assert AccessEvent.objects.count() == 1  # the whole record was shown again


def test_another_hospital_gets_404(client, outsider, patient) -> None:
    client.force_login(outsider)

    assert client.post(_url(patient), VALID).status_code == 404
    assert not GrowthMeasurement.objects.exists()


def test_a_grant_viewer_gets_403(client, specialist, patient) -> None:
    patient.grant(user=specialist, reason="consultation")
    client.force_login(specialist)

    assert client.post(_url(patient), VALID).status_code == 403
    assert not GrowthMeasurement.objects.exists()


def test_a_transfer_administrator_gets_403(client, login_2fa, yangpu_transfer_admin, patient) -> None:
    login_2fa(yangpu_transfer_admin)

    assert client.post(_url(patient), VALID).status_code == 403
    assert not GrowthMeasurement.objects.exists()


def test_wrong_method(doctor_client, patient) -> None:
    assert doctor_client.get(_url(patient)).status_code == 405
