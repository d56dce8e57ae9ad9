"""A NUL or another control character in any query string or form field gets a 400 page that
says so (RejectControlCharactersMiddleware), never a 500 from the database."""

from __future__ import annotations

import pytest

from cloudpeds.accounts.roles import Role
from tests.factories import PatientFactory, UserFactory

pytestmark = pytest.mark.django_db

MESSAGE = "The address or the form contained a control character"


@pytest.fixture
def trainer(xinhua):
    return UserFactory(username="trainer", hospital=xinhua, roles=[Role.TRAINING_MANAGER])


@pytest.fixture
def english(doctor, trainer):
    for user in (doctor, trainer):
        user.preferred_language = "en"
        user.save(update_fields=["preferred_language"])


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("doctor", "/patients/"),
        ("doctor", "/handbook/triage/patients/"),
        ("trainer", "/training/certificates/manage/"),
    ],
)
@pytest.mark.parametrize("value", ["%00", "a%00b", "%1b[31m", "%7f"])
def test_a_control_character_in_the_query_string_gets_a_400_page(client, english, request, who, path, value):
    client.force_login(request.getfixturevalue(who))

    response = client.get(f"{path}?q={value}")

    assert response.status_code == 400
    assert MESSAGE in response.content.decode()


def test_a_control_character_in_a_parameter_name_gets_a_400(client, doctor, english):
    client.force_login(doctor)

    assert client.get("/patients/?q%00=x").status_code == 400


def test_a_control_character_in_a_posted_form_field_gets_a_400_and_nothing_changes(client, doctor, english):
    patient = PatientFactory(hospital=doctor.hospital, registered_by=doctor, allergies="青霉素")
    client.force_login(doctor)

    response = client.post(f"/patients/{patient.public_id}/edit/", {"name": "王\x00小明", "allergies": "无"})

    assert response.status_code == 400
    assert MESSAGE in response.content.decode()
    patient.refresh_from_db()
    assert patient.allergies == "青霉素"


def test_tabs_and_line_breaks_typed_in_a_text_area_are_fine(client, doctor, english):
    client.force_login(doctor)

    response = client.get("/patients/", {"q": "王\t小明\r\n"})

    assert response.status_code == 200


def test_the_400_page_is_translated(client, doctor):
    client.force_login(doctor)  # Chinese, the default

    response = client.get("/patients/?q=%00")

    assert response.status_code == 400
    assert MESSAGE not in response.content.decode()
