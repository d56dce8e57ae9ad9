"""Clinical history: database triggers record every change, bulk updates included, with
the acting user of a page request in the pghistory context."""

from __future__ import annotations

from django.apps import apps

from cloudpeds.patients.models import Patient

from ..factories import PatientFactory
from .test_edit import edit_data

PatientEvent = apps.get_model("patients", "PatientEvent")
GrowthMeasurementEvent = apps.get_model("patients", "GrowthMeasurementEvent")
ConsentEvent = apps.get_model("patients", "ConsentEvent")


def test_registration_writes_an_insert_event(patient) -> None:
    assert list(PatientEvent.objects.filter(pgh_obj=patient).values_list("pgh_label", flat=True)) == ["insert"]


def test_a_bulk_update_is_recorded_for_every_row(yangpu, patient) -> None:
    other = PatientFactory(hospital=yangpu)

    updated = Patient.objects.filter(hospital=yangpu).update(allergies="青霉素过敏")

    assert updated == 2
    events = PatientEvent.objects.filter(pgh_label="update")
    assert sorted(events.values_list("pgh_obj_id", flat=True)) == sorted([patient.pk, other.pk])
    assert set(events.values_list("allergies", flat=True)) == {"青霉素过敏"}


def test_an_edit_through_the_page_records_the_user(doctor_client, doctor, patient) -> None:
    mother = patient.guardians.get()
    guardians = [{"id": mother.pk, "name": mother.name, "relation": "mother", "phone": mother.phone}]

    response = doctor_client.post(
        f"/patients/{patient.public_id}/edit/", edit_data(patient, guardians, chronic_conditions="哮喘")
    )

    assert response.status_code == 302
    event = PatientEvent.objects.get(pgh_obj=patient, pgh_label="update")
    assert event.chronic_conditions == "哮喘"
    assert event.pgh_context is not None
    assert event.pgh_context.metadata["user"] == doctor.pk
    assert event.pgh_context.metadata["url"] == f"/patients/{patient.public_id}/edit/"


def test_a_measurement_added_on_the_page_records_the_user(doctor_client, doctor, patient) -> None:
    doctor_client.post(f"/patients/{patient.public_id}/measurements/", {"measured_on": "2024-02-01", "weight_kg": "15"})

    event = GrowthMeasurementEvent.objects.get(pgh_label="insert")
    assert event.pgh_context.metadata["user"] == doctor.pk


def test_a_consent_withdrawal_is_recorded(doctor_client, doctor, patient) -> None:
    doctor_client.post(f"/patients/{patient.public_id}/consent/withdraw/")

    event = ConsentEvent.objects.get(pgh_label="update")
    assert event.withdrawn_at is not None
    assert event.withdrawn_by_id == doctor.pk
    assert event.pgh_context.metadata["user"] == doctor.pk
