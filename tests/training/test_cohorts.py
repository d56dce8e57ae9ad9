"""Enrolling a cohort: hospital × role × professional title, any of the three; idempotent."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cloudpeds.accounts.roles import Role
from cloudpeds.notifications.models import Notification
from tests.conftest import app_queries
from training.models import Course, Enrolment, TrainingError

from ..factories import CourseFactory, HospitalFactory, LessonFactory, ModuleFactory, UserFactory


@pytest.fixture
def course(db) -> Course:
    course = CourseFactory(slug="fever")
    LessonFactory(module=ModuleFactory(course=course))
    return course


@pytest.fixture
def people(db) -> dict[str, object]:
    yangpu, chongming = HospitalFactory(code="yangpu"), HospitalFactory(code="chongming")
    gp = Role.GRASSROOTS_DOCTOR
    return {
        "yangpu_attending": UserFactory(hospital=yangpu, title="主治医师", roles=[gp]),
        "yangpu_resident": UserFactory(hospital=yangpu, title="住院医师", roles=[gp]),
        "yangpu_specialist": UserFactory(hospital=yangpu, title="主治医师", roles=[Role.SPECIALIST]),
        "chongming_attending": UserFactory(hospital=chongming, title="主治医师", roles=[gp]),
        "yangpu_inactive": UserFactory(hospital=yangpu, title="主治医师", roles=[gp], is_active=False),
        "yangpu_admin": UserFactory(hospital=yangpu, title="主治医师", roles=[Role.TRANSFER_ADMIN]),
    }


def _enrolled() -> set[int]:
    return set(Enrolment.objects.values_list("user_id", flat=True))


def test_a_hospital_cohort_enrols_its_active_doctors(course, manager, people) -> None:
    _all, created = course.enrol_cohort(by=manager, hospital=people["yangpu_attending"].hospital)
    assert created == 3
    assert _enrolled() == {people[k].pk for k in ("yangpu_attending", "yangpu_resident", "yangpu_specialist")}
    assert set(Enrolment.objects.values_list("source", flat=True)) == {"cohort"}


def test_hospital_role_and_title_together(course, manager, people) -> None:
    course.enrol_cohort(
        by=manager, hospital=people["yangpu_attending"].hospital, role=Role.GRASSROOTS_DOCTOR, title="主治医师"
    )
    assert _enrolled() == {people["yangpu_attending"].pk}


def test_a_title_across_hospitals(course, manager, people) -> None:
    course.enrol_cohort(by=manager, title="主治医师")
    expected = {people[k].pk for k in ("yangpu_attending", "yangpu_specialist", "chongming_attending")}
    assert _enrolled() == expected


def test_enrolling_a_cohort_twice_creates_no_duplicates(course, manager, people) -> None:
    hospital = people["yangpu_attending"].hospital
    _first, created_first = course.enrol_cohort(by=manager, hospital=hospital)
    matching, created_again = course.enrol_cohort(by=manager, hospital=hospital)
    assert (created_first, created_again) == (3, 0)
    assert len(matching) == 3
    assert Enrolment.objects.count() == 3
    assert Notification.objects.filter(kind="training.enrolled").count() == 3


def test_an_overlapping_cohort_adds_only_the_new_people(course, manager, people) -> None:
    course.enrol_cohort(by=manager, hospital=people["yangpu_attending"].hospital)
    _matching, created = course.enrol_cohort(by=manager, title="主治医师")
    assert created == 1  # Chongming's attending; Yangpu's were enrolled already
    assert Enrolment.objects.count() == 4


def test_a_cohort_needs_at_least_one_criterion(course, manager, people) -> None:
    with pytest.raises(TrainingError):
        course.enrol_cohort(by=manager)
    assert not Enrolment.objects.exists()


def test_the_cohort_page_enrols_and_reports(client, course, manager, people, english) -> None:
    client.force_login(manager)
    url = reverse("training:enrol_cohort", args=["fever"])
    data = {"hospital": people["yangpu_attending"].hospital.pk, "role": "", "title": "", "due_date": "2030-03-01"}
    response = client.post(url, data)
    assert response.status_code == 302
    assert Enrolment.objects.count() == 3
    assert {str(d) for d in Enrolment.objects.values_list("due_date", flat=True)} == {"2030-03-01"}
    response = client.post(url, data, follow=True)
    assert Enrolment.objects.count() == 3
    assert "0 newly enrolled" in str(list(response.context["messages"])[-1])


def test_the_cohort_form_refuses_an_empty_pick(client, course, manager, people) -> None:
    client.force_login(manager)
    response = client.post(reverse("training:enrol_cohort", args=["fever"]), {"hospital": "", "role": "", "title": ""})
    assert response.status_code == 200
    assert not Enrolment.objects.exists()


def test_the_cohort_page_is_refused_to_doctors(client, course, people) -> None:
    client.force_login(people["yangpu_attending"])
    url = reverse("training:enrol_cohort", args=["fever"])
    assert client.post(url, {"title": "主治医师"}).status_code == 403
    assert not Enrolment.objects.exists()


def test_the_cohort_page_rejects_delete(client, course, manager) -> None:
    client.force_login(manager)
    assert client.delete(reverse("training:enrol_cohort", args=["fever"])).status_code == 405


def test_a_large_cohort_is_enrolled_and_told_in_a_fixed_number_of_queries(course, manager) -> None:
    from django.contrib.auth.models import Group

    from cloudpeds.accounts.models import User

    hospital = HospitalFactory(code="baoshan")
    users = User.objects.bulk_create([User(username=f"gp{i}", hospital=hospital) for i in range(300)])
    Group.objects.get_or_create(name=Role.GRASSROOTS_DOCTOR)[0].user_set.add(*users)
    with CaptureQueriesContext(connection) as captured:
        _matching, created = course.enrol_cohort(by=manager, hospital=hospital)
    # The application's queries; without Redis the home pages' cache tokens of the 300
    # learners are rows of the cache table, written one by one by Django's database cache.
    assert len(app_queries(captured)) <= 20, [query["sql"] for query in app_queries(captured)]
    assert created == 300
    assert Notification.objects.filter(kind="training.enrolled").count() == 300
