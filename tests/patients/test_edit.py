from __future__ import annotations

import pytest

from cloudpeds.audit.models import AccessEvent
from cloudpeds.patients.models import Guardian


def edit_data(patient, guardians: list[dict], **overrides) -> dict:
    data = {
        "name": patient.name,
        "sex": patient.sex,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "record_number": patient.record_number,
        "national_id": patient.national_id,
        "allergies": patient.allergies,
        "chronic_conditions": patient.chronic_conditions,
        "gestational_age_weeks": "",
        "birth_weight_g": "",
        "guardians-TOTAL_FORMS": str(len(guardians)),
        "guardians-INITIAL_FORMS": str(sum(1 for g in guardians if g.get("id"))),
        "guardians-MIN_NUM_FORMS": "1",
        "guardians-MAX_NUM_FORMS": "1000",
    }
    for i, guardian in enumerate(guardians):
        for key, value in guardian.items():
            data[f"guardians-{i}-{key}"] = value
    data.update(overrides)
    return data


@pytest.fixture
def mother(patient) -> Guardian:
    return patient.guardians.get()


def _url(patient) -> str:
    return f"/patients/{patient.public_id}/edit/"


def test_the_form_shows_the_record(doctor_client, patient, mother) -> None:
    response = doctor_client.get(_url(patient))

    content = response.content.decode()
    assert response.status_code == 200
    assert 'value="王小明"' in content
    assert f'value="{mother.phone}"' in content


def test_opening_the_form_is_logged_as_a_view(doctor_client, doctor, patient) -> None:
    doctor_client.get(_url(patient))

    event = AccessEvent.objects.get()
    assert (event.user, event.patient, event.action) == (doctor, patient, AccessEvent.Action.VIEW)


def test_saving_changes_the_record_and_its_guardians(doctor_client, patient, mother) -> None:
    guardians = [
        {"id": mother.pk, "name": mother.name, "relation": "mother", "phone": "13900003333"},
        {"name": "王强", "relation": "father", "phone": "13800004444"},
    ]

    response = doctor_client.post(_url(patient), edit_data(patient, guardians, allergies="青霉素过敏"))

    assert response.status_code == 302
    assert response["Location"] == f"/patients/{patient.public_id}/"
    patient.refresh_from_db()
    assert patient.allergies == "青霉素过敏"
    assert sorted(patient.guardians.values_list("name", "phone")) == [
        (mother.name, "13900003333"),
        ("王强", "13800004444"),
    ]
    assert not AccessEvent.objects.exists()  # a save is a write, recorded by the history


def test_a_guardian_can_be_removed_but_not_the_last_one(doctor_client, patient, mother) -> None:
    father = patient.guardians.create(name="王强", relation="father", phone="13800004444")
    keep_father = [
        {"id": mother.pk, "name": mother.name, "relation": "mother", "phone": mother.phone, "DELETE": "on"},
        {"id": father.pk, "name": father.name, "relation": "father", "phone": father.phone},
    ]

    assert doctor_client.post(_url(patient), edit_data(patient, keep_father)).status_code == 302
    assert list(patient.guardians.all()) == [father]

    remove_all = [{"id": father.pk, "name": father.name, "relation": "father", "phone": father.phone, "DELETE": "on"}]
    response = doctor_client.post(_url(patient), edit_data(patient, remove_all))

    assert response.status_code == 200
    assert "Enter at least one guardian with name, relation and phone." in response.content.decode()
    assert list(patient.guardians.all()) == [father]


def test_bad_input_changes_nothing(doctor_client, patient, mother) -> None:
    guardians = [{"id": mother.pk, "name": mother.name, "relation": "mother", "phone": mother.phone}]

    response = doctor_client.post(_url(patient), edit_data(patient, guardians, name="", allergies="x"))

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    patient.refresh_from_db()
    assert (patient.name, patient.allergies) == ("王小明", "")


def test_the_record_number_may_stay_but_not_clash(doctor_client, patient, mother, yangpu) -> None:
    from ..factories import PatientFactory

    PatientFactory(hospital=yangpu, record_number="YP0002")
    guardians = [{"id": mother.pk, "name": mother.name, "relation": "mother", "phone": mother.phone}]

    assert doctor_client.post(_url(patient), edit_data(patient, guardians)).status_code == 302
    response = doctor_client.post(_url(patient), edit_data(patient, guardians, record_number="YP0002"))

    assert "Another child of your hospital already has this medical record number." in response.content.decode()
    patient.refresh_from_db()
    assert patient.record_number == "YP0001"


def test_another_doctor_of_the_hospital_may_edit(client, colleague, patient, mother) -> None:
    client.force_login(colleague)
    guardians = [{"id": mother.pk, "name": mother.name, "relation": "mother", "phone": mother.phone}]

    assert client.post(_url(patient), edit_data(patient, guardians, chronic_conditions="哮喘")).status_code == 302
    patient.refresh_from_db()
    assert patient.chronic_conditions == "哮喘"


def test_wrong_method(doctor_client, patient) -> None:
    assert doctor_client.delete(_url(patient)).status_code == 405
