"""The lists of training/views/teaching.py: teaching cases, the consultations to teach from
and the CME credit ledger paginate, and take the same number of queries for 3 rows as for
a full page; the candidates are the training manager's only; wrong method refused."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cloudpeds.accounts.roles import Role
from tests.factories import ConsultationFactory, CourseFactory, PatientFactory, TopicFactory, UserFactory
from training.models import CaseConference, CmeCredit, TeachingCase
from training.views.teaching import PAGE_SIZE

pytestmark = pytest.mark.django_db

CLEAN = "10月龄男婴，发热第3天，精神好。"


@pytest.fixture
def manager(xinhua):
    return UserFactory(username="trainer", hospital=xinhua, roles=[Role.TRAINING_MANAGER], preferred_language="en")


@pytest.fixture
def make_closed(doctor, specialist):
    patient = PatientFactory(hospital=doctor.hospital, registered_by=doctor)

    def make(count: int) -> list:
        return [
            ConsultationFactory(
                patient=patient,
                requested_by=doctor,
                department=specialist.department,
                assigned_to=specialist,
                closed=True,
            )
            for _ in range(count)
        ]

    return make


@pytest.fixture
def make_cases(make_closed, manager):
    course, topic = CourseFactory(slug="fever-course"), TopicFactory(slug="fever")

    def make(count: int) -> list[TeachingCase]:
        return [
            TeachingCase.objects.create(
                consultation=consultation,
                course=course,
                topic=topic,
                title=f"病例{n}",
                summary=CLEAN,
                teaching_points=CLEAN,
                created_by=manager,
            )
            for n, consultation in enumerate(make_closed(count))
        ]

    return make


def _queries(client, url: str) -> int:
    client.get(url)  # warm: session, translations, content types
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_candidates_paginate_with_constant_queries(make_closed, manager, client):
    client.force_login(manager)
    url = reverse("training:teaching_candidates")
    make_closed(3)
    few = _queries(client, url)
    make_closed(PAGE_SIZE)
    many = _queries(client, url)
    assert many == few
    first = client.get(url)
    assert len(first.context["page"]) == PAGE_SIZE and first.context["page"].paginator.count == PAGE_SIZE + 3
    assert len(client.get(url, {"page": 2}).context["page"]) == 3
    assert "page=2" in first.content.decode()


def test_candidates_leave_out_cases_already_taught(make_cases, make_closed, manager, client):
    taught = make_cases(1)[0].consultation
    waiting = make_closed(1)[0]
    client.force_login(manager)
    listed = list(client.get(reverse("training:teaching_candidates")).context["page"])
    assert listed == [waiting] and taught not in listed


def test_candidates_are_the_managers_only(doctor, group_admin, client):
    for user in (doctor, group_admin):
        client.force_login(user)
        assert client.get(reverse("training:teaching_candidates")).status_code == 403


def test_candidates_refuse_post(manager, client):
    client.force_login(manager)
    assert client.post(reverse("training:teaching_candidates")).status_code == 405


def test_teaching_cases_list_has_constant_queries(make_cases, manager, doctor, client):
    url = reverse("training:teaching_cases")
    make_cases(3)
    counts = {}
    for user in (manager, doctor):  # the manager's page shows conferences too
        client.force_login(user)
        counts[user.username] = _queries(client, url)
    make_cases(PAGE_SIZE)
    for user in (manager, doctor):
        client.force_login(user)
        assert _queries(client, url) == counts[user.username]
        page = client.get(url).context["page"]
        assert len(page) == PAGE_SIZE and page.paginator.count == PAGE_SIZE + 3


def test_the_ledger_paginates_with_constant_queries(manager, doctor, client):
    def attend(count: int, start: int) -> None:
        for n in range(start, start + count):
            conference = CaseConference.objects.create(
                title=f"病例讨论{n}", held_on=date(2025, 1, 1) + timedelta(days=n), created_by=manager
            )
            conference.record_attendance(manager, [doctor])

    own, of_doctor = reverse("training:ledger"), reverse("training:ledger_of", args=[doctor.username])
    attend(3, 0)
    client.force_login(doctor)
    few = _queries(client, own)
    client.force_login(manager)
    few_of = _queries(client, of_doctor)
    attend(PAGE_SIZE, 3)
    assert _queries(client, of_doctor) == few_of
    client.force_login(doctor)
    assert _queries(client, own) == few
    page = client.get(own)
    assert len(page.context["page"]) == PAGE_SIZE
    assert page.context["total"] == CmeCredit.objects.filter(user=doctor).count()  # 1.0 credit each
    assert len(client.get(own, {"page": 2}).context["page"]) == 3
