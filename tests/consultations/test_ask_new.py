"""Choosing the child for a new consultation: /consultations/new/ lists the hospital's own patients."""

from __future__ import annotations

import pytest

from cloudpeds.accounts.roles import Role
from tests.factories import PatientFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/consultations/new/"


@pytest.fixture
def children(doctor, outsider):
    return {
        "wang": PatientFactory(hospital=doctor.hospital, registered_by=doctor, name="王小明", record_number="YP0001"),
        "li": PatientFactory(
            hospital=doctor.hospital, registered_by=doctor, name="李小红", record_number="YP0002", consent=False
        ),
        "elsewhere": PatientFactory(
            hospital=outsider.hospital, registered_by=outsider, name="王小明", record_number="BS0001"
        ),
    }


def _names(response) -> list[str]:
    return [patient.record_number for patient in response.context["page"].object_list]


def test_lists_the_hospitals_children_with_their_consent(client, doctor, children) -> None:
    client.force_login(doctor)

    response = client.get(URL)

    assert response.status_code == 200
    assert sorted(_names(response)) == ["YP0001", "YP0002"]
    body = response.content.decode()
    assert f'href="/consultations/new/{children["wang"].public_id}/"' in body
    assert "No consent to share yet" in body
    assert 'data-testid="emergency-alert"' in body


@pytest.mark.parametrize(("query", "expected"), [("王", ["YP0001"]), ("yp0002", ["YP0002"]), ("赵", [])])
def test_search_by_name_or_record_number(client, doctor, children, query, expected) -> None:
    client.force_login(doctor)

    assert _names(client.get(URL, {"q": query})) == expected


def test_a_child_shared_from_another_hospital_is_not_offered(client, doctor, children) -> None:
    children["elsewhere"].grant(hospital=doctor.hospital, reason="转诊")
    client.force_login(doctor)

    assert "BS0001" not in _names(client.get(URL, {"q": "王小明"}))


def test_htmx_search_returns_only_the_results(client, doctor, children) -> None:
    client.force_login(doctor)

    response = client.get(URL, {"q": "王"}, HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert body.lstrip().startswith('<div id="patient-results">')
    assert "<html" not in body and "王小明" in body


def test_people_without_a_doctor_role_get_403(client, yangpu) -> None:
    client.force_login(UserFactory(hospital=yangpu, roles=[Role.HANDBOOK_EDITOR]))

    assert client.get(URL).status_code == 403


def test_post_is_not_allowed(client, doctor) -> None:
    client.force_login(doctor)

    assert client.post(URL).status_code == 405
