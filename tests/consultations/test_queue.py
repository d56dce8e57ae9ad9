"""The specialty queue and "my cases" (`consultations:queue`)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consultations.models import Consultation, Status

from ..factories import ConsultationFactory, DepartmentFactory, HospitalFactory, PatientFactory

pytestmark = pytest.mark.django_db

QUEUE = "/consultations/queue/"


@pytest.fixture
def patient(doctor):
    return PatientFactory(hospital=doctor.hospital, registered_by=doctor, name="王小明")


def case(patient, department, *, due_in_hours: float, **fields) -> Consultation:
    now = timezone.now()
    return ConsultationFactory(
        patient=patient,
        department=department,
        submitted_at=now - timedelta(hours=1),
        due_at=now + timedelta(hours=due_in_hours),
        **fields,
    )


def row_ids(page: str) -> list[str]:
    return re.findall(r'data-testid="case-([0-9a-f-]{36})"', page)


def test_the_url_is_named():
    assert reverse("consultations:queue") == QUEUE


def test_a_specialist_sees_their_specialty_overdue_first_then_by_due_time(client, specialist, patient, neurology):
    later = case(patient, specialist.department, due_in_hours=30)
    sooner = case(patient, specialist.department, due_in_hours=2, urgency="urgent")
    overdue = case(patient, specialist.department, due_in_hours=-3)
    elsewhere = case(patient, neurology, due_in_hours=1)
    client.force_login(specialist)

    response = client.get(QUEUE)

    assert response.status_code == 200
    page = response.content.decode()
    assert row_ids(page) == [str(overdue.public_id), str(sooner.public_id), str(later.public_id)]
    assert str(elsewhere.public_id) not in page
    assert "Pediatric Respiratory" in page
    assert "Overdue by 3\xa0hours" in page
    assert "Urgent" in page
    assert "王小明" in page
    assert patient.age_display() in page
    assert "Yangpu District Central Hospital" in page
    assert page.count(reverse("consultations:claim", args=[later.public_id])) == 1


def test_drafts_and_finished_cases_are_not_in_the_queue(client, specialist, patient, doctor):
    draft = case(patient, specialist.department, due_in_hours=5, status=Status.DRAFT)
    answered = case(patient, specialist.department, due_in_hours=5, answered=True, assigned_to=specialist)
    client.force_login(specialist)

    page = client.get(QUEUE).content.decode()

    assert str(draft.public_id) not in page
    assert str(answered.public_id) not in page
    assert "No open cases in this specialty." in page


def test_a_case_with_a_colleague_shows_who_has_it_and_no_claim_button(client, specialist, colleague, patient):
    taken = case(patient, specialist.department, due_in_hours=5)
    taken.claim(colleague)
    client.force_login(specialist)

    page = client.get(QUEUE).content.decode()

    assert f"With {colleague.display_name}" in page
    assert reverse("consultations:claim", args=[taken.public_id]) not in page


def test_my_cases_lists_what_i_handle_and_what_waits_for_information(client, specialist, colleague, patient):
    mine = case(patient, specialist.department, due_in_hours=5)
    mine.claim(specialist)
    asked = case(patient, specialist.department, due_in_hours=8)
    asked.claim(specialist)
    asked.request_info(specialist, "请提供胸片")
    theirs = case(patient, specialist.department, due_in_hours=6)
    theirs.claim(colleague)
    client.force_login(specialist)

    page = client.get(QUEUE).content.decode()

    my_section = page.split('id="mine-title"', 1)[1]
    assert row_ids(my_section) == [str(mine.public_id), str(asked.public_id)]
    assert "Waiting for information" in my_section
    assert "Paused" in my_section


def test_the_queue_pages_by_20(client, specialist, patient):
    for hours in range(30):
        case(patient, specialist.department, due_in_hours=hours + 1)
    client.force_login(specialist)

    first = client.get(QUEUE).content.decode()
    second = client.get(QUEUE, {"page": 2}).content.decode()

    assert len(row_ids(first)) == 20
    assert len(row_ids(second)) == 10
    assert not set(row_ids(first)) & set(row_ids(second))
    assert "Page 1 of 2" in first


def test_my_cases_page_by_10(client, specialist, patient):
    for hours in range(12):
        case(patient, specialist.department, due_in_hours=hours + 1, status=Status.CLAIMED, assigned_to=specialist)
    client.force_login(specialist)

    first = client.get(QUEUE).content.decode()
    second = client.get(QUEUE, {"mine": 2}).content.decode()

    mine_first = row_ids(first.split('id="mine-title"')[1])
    mine_second = row_ids(second.split('id="mine-title"')[1])
    assert (len(mine_first), len(mine_second)) == (10, 2)
    assert not set(mine_first) & set(mine_second)


def test_a_specialist_cannot_look_at_another_specialty(client, specialist, patient, neurology):
    elsewhere = case(patient, neurology, due_in_hours=1)
    client.force_login(specialist)

    page = client.get(QUEUE, {"department": neurology.pk}).content.decode()

    assert "Choose one of the specialties listed." in page
    assert str(elsewhere.public_id) not in page


def test_a_group_administrator_picks_any_xinhua_specialty_and_sees_ages_not_names(
    client, group_admin, specialist, patient, neurology
):
    elsewhere = case(patient, neurology, due_in_hours=1)
    district = DepartmentFactory(hospital=HospitalFactory(code="baoshan"), specialty="general_pediatrics")
    client.force_login(group_admin)

    page = client.get(QUEUE, {"department": neurology.pk}).content.decode()

    assert row_ids(page) == [str(elsewhere.public_id)]
    assert patient.age_display() in page
    assert "王小明" not in page
    options = re.findall(r'<option value="(\d+)"', page)
    assert str(neurology.pk) in options
    assert str(specialist.department.pk) in options
    assert str(district.pk) not in options
    assert reverse("consultations:claim", args=[elsewhere.public_id]) not in page


def test_a_grassroots_doctor_gets_403(client, doctor):
    client.force_login(doctor)

    assert client.get(QUEUE).status_code == 403


def test_another_hospitals_doctor_gets_403(client, outsider):
    client.force_login(outsider)

    assert client.get(QUEUE).status_code == 403


def test_a_specialist_sees_no_other_hospitals_draft_or_department(client, specialist, outsider):
    # Cases are scoped by visible_to: a Baoshan case to another department never appears.
    baoshan_case = ConsultationFactory(
        patient=PatientFactory(hospital=outsider.hospital, registered_by=outsider),
        department=DepartmentFactory(hospital=specialist.hospital, specialty="cardiology"),
    )
    client.force_login(specialist)

    assert str(baoshan_case.public_id) not in client.get(QUEUE).content.decode()


def test_signed_out_goes_to_sign_in(client):
    response = client.get(QUEUE)

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_post_is_not_allowed(client, specialist):
    client.force_login(specialist)

    assert client.post(QUEUE).status_code == 405


def test_htmx_refresh_returns_the_lists_only(client, specialist, patient):
    waiting = case(patient, specialist.department, due_in_hours=5)
    client.force_login(specialist)

    response = client.get(QUEUE, headers={"HX-Request": "true"})

    page = response.content.decode()
    assert "<html" not in page
    assert page.lstrip().startswith('<div id="queue-lists"')
    assert row_ids(page) == [str(waiting.public_id)]


def _fill(specialist, patients, department, count: int, start: int) -> None:
    """`count` cases, one in ten with this specialist, written in one statement."""
    now = timezone.now()
    rows = []
    for index in range(start, start + count):
        patient = patients[index % len(patients)]
        mine = index % 10 == 0
        rows.append(
            Consultation(
                patient=patient,
                requesting_hospital_id=patient.hospital_id,
                requested_by=patient.registered_by,
                department=department,
                urgency="urgent" if index % 3 == 0 else "routine",
                status=Status.CLAIMED if mine else Status.SUBMITTED,
                assigned_to=specialist if mine else None,
                question="咳嗽",
                submitted_at=now - timedelta(hours=1),
                due_at=now + timedelta(minutes=index - 50),
            )
        )
    Consultation.objects.bulk_create(rows)


def _queries(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(QUEUE)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_the_query_count_does_not_grow_with_the_queue(client, specialist, doctor, outsider):
    patients = [PatientFactory(hospital=doctor.hospital, registered_by=doctor) for _ in range(3)]
    patients.append(PatientFactory(hospital=outsider.hospital, registered_by=outsider))
    client.force_login(specialist)
    _fill(specialist, patients, specialist.department, 10, start=0)

    small, small_page = _queries(client)
    _fill(specialist, patients, specialist.department, 990, start=10)
    large, large_page = _queries(client)

    assert len(row_ids(small_page)) == 9 + 1  # the queue, and my one case under "my cases" only
    assert len(row_ids(large_page)) == 20 + 10  # a page of the queue, a page of my cases
    assert small == large


def test_a_row_shows_the_clinical_questions_first_line(client, specialist, patient):
    case(patient, specialist.department, due_in_hours=5, question="\n反复咳嗽3周，夜间加重\n既往史：湿疹")
    client.force_login(specialist)

    page = client.get(QUEUE).content.decode()

    assert '<td class="small" data-testid="question">反复咳嗽3周，夜间加重</td>' in page
    assert "既往史" not in page


def test_cases_waiting_for_the_requesting_doctor_leave_the_top(client, specialist, colleague, patient):
    waiting = case(patient, specialist.department, due_in_hours=-2)
    waiting.claim(colleague)
    waiting.request_info(colleague, "请提供胸片")
    later = case(patient, specialist.department, due_in_hours=30)
    client.force_login(specialist)

    page = client.get(QUEUE).content.decode()

    assert row_ids(page) == [str(later.public_id), str(waiting.public_id)]


def test_my_own_case_is_listed_once_under_my_cases(client, specialist, patient):
    mine = case(patient, specialist.department, due_in_hours=5)
    mine.claim(specialist)
    other = case(patient, specialist.department, due_in_hours=6)
    client.force_login(specialist)

    page = client.get(QUEUE).content.decode()

    queue_section, my_section = page.split('id="mine-title"', 1)
    assert row_ids(queue_section) == [str(other.public_id)]
    assert row_ids(my_section) == [str(mine.public_id)]
