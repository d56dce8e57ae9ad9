"""The requesting hospital's consultations: /consultations/ with filters and pages."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cloudpeds.accounts.roles import Role
from tests.factories import ConsultationFactory, DepartmentFactory, PatientFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/consultations/"


@pytest.fixture
def colleague(yangpu):
    return UserFactory(username="colleague", hospital=yangpu, roles=[Role.GRASSROOTS_DOCTOR])


@pytest.fixture
def patient(doctor):
    return PatientFactory(hospital=doctor.hospital, registered_by=doctor, name="张小宝")


def _make(count: int, patient, department, **kwargs) -> list:
    return ConsultationFactory.create_batch(count, patient=patient, department=department, **kwargs)


def _ids(response) -> set:
    return {consultation.pk for consultation in response.context["page"].object_list}


def test_the_hospitals_cases_drafts_included_and_no_one_elses(
    client, doctor, colleague, patient, specialist, outsider
) -> None:
    mine = ConsultationFactory(patient=patient, department=specialist.department)
    draft = ConsultationFactory(patient=patient, department=specialist.department, status="draft", submitted_at=None)
    by_colleague = ConsultationFactory(patient=patient, requested_by=colleague, department=specialist.department)
    elsewhere = ConsultationFactory(
        patient=PatientFactory(hospital=outsider.hospital, registered_by=outsider), department=specialist.department
    )
    client.force_login(doctor)

    response = client.get(URL)

    assert response.status_code == 200
    assert _ids(response) == {mine.pk, draft.pk, by_colleague.pk}
    assert elsewhere.pk not in _ids(response)
    body = response.content.decode()
    assert "张小宝" in body and "Draft" in body and "Waiting for a specialist" in body


def test_filter_by_status_specialty_and_mine(client, doctor, colleague, patient, specialist, xinhua) -> None:
    neurology = DepartmentFactory(hospital=xinhua, specialty="neurology")
    respiratory = ConsultationFactory(patient=patient, department=specialist.department)
    neuro = ConsultationFactory(patient=patient, department=neurology)
    draft = ConsultationFactory(patient=patient, department=neurology, status="draft", submitted_at=None)
    theirs = ConsultationFactory(patient=patient, department=neurology, requested_by=colleague)
    client.force_login(doctor)

    assert _ids(client.get(URL, {"status": "draft"})) == {draft.pk}
    assert _ids(client.get(URL, {"department": neurology.pk})) == {neuro.pk, draft.pk, theirs.pk}
    assert _ids(client.get(URL, {"department": neurology.pk, "mine": "on"})) == {neuro.pk, draft.pk}
    assert _ids(client.get(URL, {"status": "submitted", "department": specialist.department_id})) == {respiratory.pk}


def test_an_unknown_filter_value_is_ignored_not_an_error(client, doctor, patient, specialist) -> None:
    ConsultationFactory(patient=patient, department=specialist.department)
    client.force_login(doctor)

    response = client.get(URL, {"status": "nonsense"})

    assert response.status_code == 200
    assert len(_ids(response)) == 1


def test_pages_of_25_keeping_the_filters(client, doctor, patient, specialist) -> None:
    _make(30, patient, specialist.department)
    client.force_login(doctor)

    first = client.get(URL, {"status": "submitted"})
    second = client.get(URL, {"status": "submitted", "page": 2})

    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 5
    assert "?status=submitted&amp;page=2" in first.content.decode()


def _queries_for_list(client, count: int, patient, department, specialist) -> list[str]:
    cases = _make(count, patient, department)
    for consultation in cases[::3]:
        consultation.claim(specialist)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(count, 25)
    return [query["sql"] for query in queries.captured_queries]


def test_the_query_count_does_not_grow_with_the_number_of_cases(client, doctor, patient, specialist) -> None:
    client.force_login(doctor)

    small = _queries_for_list(client, 10, patient, specialist.department, specialist)
    large = _queries_for_list(client, 190, patient, specialist.department, specialist)  # 200 in all

    assert len(small) == len(large), "\n".join(sql[:200] for sql in large)


def test_a_specialist_lands_on_the_queue(client, specialist) -> None:
    client.force_login(specialist)

    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == reverse("consultations:queue")


def test_people_without_a_doctor_role_get_403(client, yangpu) -> None:
    client.force_login(UserFactory(hospital=yangpu, roles=[Role.TRAINING_MANAGER]))

    assert client.get(URL).status_code == 403


def test_post_is_not_allowed(client, doctor) -> None:
    client.force_login(doctor)

    assert client.post(URL).status_code == 405


def test_an_empty_list_invites_a_first_consultation(client, doctor) -> None:
    client.force_login(doctor)

    body = client.get(URL).content.decode()

    assert 'data-testid="empty"' in body
    assert 'href="/consultations/new/"' in body
