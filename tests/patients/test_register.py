from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from cloudpeds.accounts.roles import Role
from cloudpeds.patients.models import Guardian, Patient

from ..factories import PatientFactory
from .conftest import make_user

URL = "/patients/new/"


def form_data(guardians: list[dict] | None = None, **overrides) -> dict:
    guardians = guardians if guardians is not None else [{"name": "陈静", "relation": "mother", "phone": "13900001111"}]
    data = {
        "name": "陈小雨",
        "sex": "female",
        "date_of_birth": "2021-06-01",
        "record_number": "YP0100",
        "national_id": "",
        "allergies": "青霉素过敏",
        "chronic_conditions": "",
        "gestational_age_weeks": "",
        "birth_weight_g": "",
        "guardians-TOTAL_FORMS": str(len(guardians)),
        "guardians-INITIAL_FORMS": "0",
        "guardians-MIN_NUM_FORMS": "1",
        "guardians-MAX_NUM_FORMS": "1000",
    }
    for i, guardian in enumerate(guardians):
        for key, value in guardian.items():
            data[f"guardians-{i}-{key}"] = value
    data.update(overrides)
    return data


def test_the_form_opens_with_one_required_guardian_row(doctor_client) -> None:
    response = doctor_client.get(URL)

    assert response.status_code == 200
    content = response.content.decode()
    assert "Register a child" in content
    assert 'name="guardians-0-phone"' in content
    assert 'id="guardians-empty-form"' in content  # the row patients.js clones
    assert "js/patients.js" in content


def test_registering_creates_the_child_with_guardians(doctor_client, doctor, yangpu) -> None:
    guardians = [
        {"name": "陈静", "relation": "mother", "phone": "139 0000-1111"},
        {"name": "陈伟", "relation": "father", "phone": "13800002222"},
    ]

    response = doctor_client.post(URL, form_data(guardians, name="陈 小雨"))

    patient = Patient.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/patients/{patient.public_id}/"
    assert patient.name == "陈小雨"
    assert patient.hospital == yangpu
    assert patient.registered_by == doctor
    assert patient.date_of_birth == date(2021, 6, 1)
    assert patient.allergies == "青霉素过敏"
    assert [(g.name, g.relation, g.phone) for g in patient.guardians.all()] == [
        ("陈静", "mother", "13900001111"),
        ("陈伟", "father", "13800002222"),
    ]
    # Registration records no sharing consent: that is the guardian's separate decision.
    assert not patient.has_sharing_consent()


def test_a_blank_extra_guardian_row_is_ignored(doctor_client) -> None:
    guardians = [
        {"name": "陈静", "relation": "mother", "phone": "13900001111"},
        {"name": "", "relation": "", "phone": ""},
    ]

    response = doctor_client.post(URL, form_data(guardians))

    assert response.status_code == 302
    assert Guardian.objects.count() == 1


def test_a_newborn_is_registered_with_birth_details(doctor_client) -> None:
    born = timezone.localdate() - timedelta(days=3)

    doctor_client.post(
        URL, form_data(date_of_birth=born.isoformat(), gestational_age_weeks="36", birth_weight_g="2450")
    )

    patient = Patient.objects.get()
    assert (patient.gestational_age_weeks, patient.birth_weight_g) == (36, 2450)
    assert patient.is_newborn


def test_without_a_guardian_nothing_is_stored(doctor_client) -> None:
    response = doctor_client.post(URL, form_data([{"name": "", "relation": "", "phone": ""}]))

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not Patient.objects.exists()
    assert not Guardian.objects.exists()


def test_with_no_guardian_rows_at_all_the_form_says_so(doctor_client) -> None:
    response = doctor_client.post(URL, form_data([]))

    assert response.status_code == 200
    assert "Enter at least one guardian with name, relation and phone." in response.content.decode()
    assert not Patient.objects.exists()


def test_a_bad_guardian_phone_is_refused(doctor_client) -> None:
    response = doctor_client.post(URL, form_data([{"name": "陈静", "relation": "mother", "phone": "12ab"}]))

    assert response.status_code == 200
    assert "Enter a phone number of 7 to 15 digits" in response.content.decode()
    assert not Patient.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "This field is required."),
        ("date_of_birth", "2021-02-30", "Enter a valid date."),
        ("gestational_age_weeks", "50", "Gestational age must be between 22 and 44 weeks."),
        ("birth_weight_g", "120", "Birth weight must be between 300 and 6500 g."),
    ],
)
def test_bad_input_is_explained_and_nothing_is_stored(doctor_client, field, value, message) -> None:
    response = doctor_client.post(URL, form_data(**{field: value}))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Patient.objects.exists()


def test_a_birth_date_in_the_future_is_refused(doctor_client) -> None:
    tomorrow = timezone.localdate() + timedelta(days=1)

    response = doctor_client.post(URL, form_data(date_of_birth=tomorrow.isoformat()))

    assert "The date of birth cannot be in the future." in response.content.decode()
    assert not Patient.objects.exists()


def test_a_record_number_is_unique_within_the_hospital(doctor_client, doctor, yangpu) -> None:
    PatientFactory(hospital=yangpu, record_number="YP0100")

    response = doctor_client.post(URL, form_data(record_number=" YP0100 "))

    assert response.status_code == 200
    assert "Another child of your hospital already has this medical record number." in response.content.decode()
    assert Patient.objects.count() == 1


def test_another_hospital_may_use_the_same_record_number(doctor_client, baoshan) -> None:
    PatientFactory(hospital=baoshan, record_number="YP0100")

    response = doctor_client.post(URL, form_data(record_number="YP0100"))

    assert response.status_code == 302
    assert Patient.objects.filter(record_number="YP0100").count() == 2


def test_a_specialist_registers_at_xinhua(client, specialist, xinhua) -> None:
    client.force_login(specialist)

    client.post(URL, form_data())

    assert Patient.objects.get().hospital == xinhua


@pytest.mark.parametrize("role", [Role.TRAINING_MANAGER, Role.HANDBOOK_EDITOR])
def test_other_roles_cannot_register(client, yangpu, role) -> None:
    client.force_login(make_user("someone", yangpu, role))

    assert client.get(URL).status_code == 403
    assert client.post(URL, form_data()).status_code == 403
    assert not Patient.objects.exists()


def test_a_transfer_administrator_cannot_register(client, login_2fa, transfer_admin) -> None:
    login_2fa(transfer_admin)

    assert client.post(URL, form_data()).status_code == 403
    assert not Patient.objects.exists()


def test_wrong_method(doctor_client) -> None:
    assert doctor_client.put(URL).status_code == 405
    assert doctor_client.delete(URL).status_code == 405


# --- Duplicates -------------------------------------------------------------------------


@pytest.fixture
def existing(doctor, yangpu):
    return PatientFactory(
        hospital=yangpu,
        registered_by=doctor,
        name="陈小雨",
        record_number="YP0001",
        date_of_birth=date(2021, 6, 1),
        guardians=[],
    )


@pytest.fixture
def existing_with_guardian(existing):
    existing.guardians.create(name="陈静", relation="mother", phone="13900001111")
    return existing


def test_a_likely_duplicate_warns_and_links_to_the_existing_record(doctor_client, existing_with_guardian) -> None:
    response = doctor_client.post(URL, form_data())

    content = response.content.decode()
    assert response.status_code == 200
    assert "This child may already be registered" in content
    assert f'href="/patients/{existing_with_guardian.public_id}/"' in content
    assert "This is a different child: register a new record anyway" in content
    assert Patient.objects.count() == 1


def test_the_phone_matches_whatever_its_spacing(doctor_client, existing_with_guardian) -> None:
    response = doctor_client.post(URL, form_data([{"name": "陈静", "relation": "mother", "phone": "139-0000-1111"}]))

    assert "This child may already be registered" in response.content.decode()
    assert Patient.objects.count() == 1


def test_the_doctor_can_confirm_it_is_a_different_child(doctor_client, existing_with_guardian) -> None:
    response = doctor_client.post(URL, form_data(confirm_not_duplicate="on"))

    assert response.status_code == 302
    assert Patient.objects.filter(name="陈小雨", date_of_birth=date(2021, 6, 1)).count() == 2


@pytest.mark.parametrize(
    "change",
    [
        {"name": "陈小雪"},
        {"date_of_birth": "2021-06-02"},
        {"guardians-0-phone": "13900009999"},
    ],
)
def test_a_different_name_birth_date_or_phone_is_no_duplicate(doctor_client, existing_with_guardian, change) -> None:
    response = doctor_client.post(URL, form_data(**change))

    assert response.status_code == 302
    assert Patient.objects.count() == 2


def test_a_match_at_another_hospital_is_neither_shown_nor_a_duplicate(doctor_client, baoshan) -> None:
    other = PatientFactory(hospital=baoshan, name="陈小雨", date_of_birth=date(2021, 6, 1), guardians=[])
    other.guardians.create(name="陈静", relation="mother", phone="13900001111")

    response = doctor_client.post(URL, form_data())

    assert response.status_code == 302
    assert Patient.objects.count() == 2
