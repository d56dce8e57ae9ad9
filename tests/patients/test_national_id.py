from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from cloudpeds.accounts.roles import Role
from cloudpeds.patients.models import Patient
from cloudpeds.patients.national_id import mask_national_id, validate_national_id

from .conftest import make_user, valid_national_id

BORN = date(2020, 3, 15)
VALID = valid_national_id(BORN)


def _codes(number: str) -> list[str]:
    with pytest.raises(ValidationError) as excinfo:
        validate_national_id(number)
    return [error.code for error in excinfo.value.error_list]


def test_a_valid_number_passes() -> None:
    validate_national_id(VALID)
    validate_national_id(VALID.lower())  # a lowercase x check character is the same number


def test_a_number_with_x_as_check_character_passes() -> None:
    # Search a serial number whose check character comes out as X.
    number = next(
        valid_national_id(BORN, serial=f"{n:03d}")
        for n in range(1000)
        if valid_national_id(BORN, serial=f"{n:03d}").endswith("X")
    )
    validate_national_id(number)


def test_a_wrong_check_digit_is_refused() -> None:
    wrong = VALID[:17] + ("0" if VALID[17] != "0" else "1")
    assert _codes(wrong) == ["checksum"]


def test_an_impossible_birth_date_is_refused() -> None:
    first17 = "31011020150230123"  # 30 February
    assert _codes(first17 + "0") == ["birth_date"]


@pytest.mark.parametrize("number", [VALID[:17], VALID + "1", "31011020200315ABC1", ""])
def test_a_wrong_length_or_letters_is_refused(number: str) -> None:
    assert _codes(number) == ["format"]


def test_masking_keeps_the_last_four_characters() -> None:
    assert mask_national_id(VALID) == "**************" + VALID[-4:]
    assert mask_national_id("") == ""


def _form_data(**overrides) -> dict:
    data = {
        "name": "陈小雨",
        "sex": "female",
        "date_of_birth": BORN.isoformat(),
        "record_number": "YP0100",
        "national_id": VALID,
        "allergies": "",
        "chronic_conditions": "",
        "gestational_age_weeks": "",
        "birth_weight_g": "",
        "guardians-TOTAL_FORMS": "1",
        "guardians-INITIAL_FORMS": "0",
        "guardians-MIN_NUM_FORMS": "1",
        "guardians-MAX_NUM_FORMS": "1000",
        "guardians-0-name": "陈静",
        "guardians-0-relation": "mother",
        "guardians-0-phone": "13900001111",
    }
    data.update(overrides)
    return data


def test_registering_with_a_valid_number_stores_it(doctor_client) -> None:
    response = doctor_client.post("/patients/new/", _form_data(national_id=VALID.lower()))

    assert response.status_code == 302
    assert Patient.objects.get(record_number="YP0100").national_id == VALID.upper()


@pytest.mark.parametrize(
    ("number", "message"),
    [
        (VALID[:17] + ("0" if VALID[17] != "0" else "1"), "check digit is wrong"),
        ("31011020150230123" + "0", "does not contain a valid date of birth"),
        (VALID[:16], "An ID number has 18 characters"),
    ],
)
def test_registering_with_a_bad_number_shows_the_error_and_stores_nothing(doctor_client, number, message) -> None:
    response = doctor_client.post("/patients/new/", _form_data(national_id=number))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Patient.objects.exists()


def test_the_number_must_match_the_date_of_birth(doctor_client) -> None:
    response = doctor_client.post("/patients/new/", _form_data(national_id=valid_national_id(date(2019, 1, 2))))

    assert response.status_code == 200
    assert "The date of birth in the ID number does not match the date of birth." in response.content.decode()
    assert not Patient.objects.exists()


def test_the_registering_hospital_sees_the_full_number(doctor_client, patient) -> None:
    response = doctor_client.get(f"/patients/{patient.public_id}/")

    assert patient.national_id in response.content.decode()


def test_a_specialist_with_a_grant_sees_only_the_last_four_characters(client, patient, specialist) -> None:
    patient.grant(user=specialist, reason="consultation")
    client.force_login(specialist)

    content = client.get(f"/patients/{patient.public_id}/").content.decode()

    assert patient.national_id not in content
    assert patient.masked_national_id in content
    assert patient.national_id[:14] not in content


def test_the_model_predicate(patient, doctor, specialist, yangpu) -> None:
    yangpu_admin = make_user("adm", yangpu, Role.TRANSFER_ADMIN)
    assert patient.can_see_full_national_id(doctor)
    assert patient.can_see_full_national_id(yangpu_admin)
    assert not patient.can_see_full_national_id(specialist)
