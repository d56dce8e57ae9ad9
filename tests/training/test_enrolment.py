"""Enrolment: doctors enrol themselves in open courses; managers enrol people one by one."""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail
from django.urls import reverse

from cloudpeds.accounts.roles import Role
from cloudpeds.notifications.models import Notification
from training.models import Course, Enrolment

from ..factories import CourseFactory, EnrolmentFactory, LessonFactory, ModuleFactory, UserFactory


@pytest.fixture
def course(db) -> Course:
    course = CourseFactory(slug="fever", is_open=True)
    LessonFactory(module=ModuleFactory(course=course))
    return course


def test_a_doctor_enrols_in_an_open_course(client, doctor, course) -> None:
    client.force_login(doctor)
    response = client.post(reverse("training:enrol_self", args=["fever"]))
    assert response.status_code == 302
    assert response["Location"] == reverse("training:course", args=["fever"])
    enrolment = Enrolment.objects.get()
    assert (enrolment.user, enrolment.source, enrolment.enrolled_by) == (doctor, "self", doctor)
    assert not Notification.objects.exists()  # nobody to tell: they did it themselves


def test_enrolling_oneself_twice_keeps_one_enrolment(client, doctor, course) -> None:
    client.force_login(doctor)
    client.post(reverse("training:enrol_self", args=["fever"]))
    client.post(reverse("training:enrol_self", args=["fever"]))
    assert Enrolment.objects.count() == 1


def test_a_closed_course_refuses_self_enrolment(client, doctor) -> None:
    CourseFactory(slug="closed", is_open=False)
    client.force_login(doctor)
    response = client.post(reverse("training:enrol_self", args=["closed"]))
    assert response.status_code == 302
    assert not Enrolment.objects.exists()


def test_a_draft_course_is_404_for_self_enrolment(client, doctor) -> None:
    CourseFactory(slug="draft", is_open=True, status="draft")
    client.force_login(doctor)
    assert client.post(reverse("training:enrol_self", args=["draft"])).status_code == 404
    assert not Enrolment.objects.exists()


def test_self_enrolment_is_for_doctors(client, course) -> None:
    client.force_login(UserFactory(roles=[Role.HANDBOOK_EDITOR]))
    client.post(reverse("training:enrol_self", args=["fever"]))
    assert not Enrolment.objects.exists()


def test_self_enrolment_is_post_only(client, doctor, course) -> None:
    client.force_login(doctor)
    assert client.get(reverse("training:enrol_self", args=["fever"])).status_code == 405


def test_a_manager_enrols_a_person_with_a_due_date_and_they_are_told(
    client, manager, doctor, course, django_capture_on_commit_callbacks
) -> None:
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("training:enrol_person", args=["fever"]), {"username": "doc", "due_date": "2030-06-30"}
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("training:course_progress", args=["fever"])
    enrolment = Enrolment.objects.get()
    assert (enrolment.user, enrolment.source, enrolment.enrolled_by) == (doctor, "manager", manager)
    assert enrolment.due_date == date(2030, 6, 30)
    notification = Notification.objects.get()
    assert (notification.kind, notification.recipient) == ("training.enrolled", doctor)
    assert notification.context["due_date"] == "2030-06-30"
    assert len(mail.outbox) == 1
    assert "2030-06-30" in mail.outbox[0].body


def test_enrolling_a_person_twice_creates_no_duplicate_nor_second_notice(client, manager, doctor, course) -> None:
    client.force_login(manager)
    for _ in range(2):
        client.post(reverse("training:enrol_person", args=["fever"]), {"username": "doc", "due_date": ""})
    assert Enrolment.objects.count() == 1
    assert Notification.objects.count() == 1


def test_enrolling_an_unknown_username_is_a_form_error(client, manager, course) -> None:
    client.force_login(manager)
    response = client.post(reverse("training:enrol_person", args=["fever"]), {"username": "nobody"})
    assert response.status_code == 200
    assert not Enrolment.objects.exists()


def test_a_draft_course_takes_no_enrolment(manager, doctor) -> None:
    from training.models import TrainingError

    draft = CourseFactory(status="draft")
    with pytest.raises(TrainingError):
        draft.enrol([doctor], by=manager)
    assert not Enrolment.objects.exists()


def test_doctors_cannot_enrol_others(client, doctor, course) -> None:
    client.force_login(doctor)
    other = UserFactory(username="other", roles=[Role.GRASSROOTS_DOCTOR])
    response = client.post(reverse("training:enrol_person", args=["fever"]), {"username": other.username})
    assert response.status_code == 403
    assert not Enrolment.objects.exists()


def test_the_database_refuses_a_duplicate_enrolment(doctor, course) -> None:
    from django.db import IntegrityError, transaction

    EnrolmentFactory(course=course, user=doctor)
    with pytest.raises(IntegrityError), transaction.atomic():
        EnrolmentFactory(course=course, user=doctor)


def test_a_manager_sets_a_due_date(client, manager, doctor, course) -> None:
    enrolment = EnrolmentFactory(course=course, user=doctor)
    client.force_login(manager)
    url = reverse("training:set_due_date", args=[enrolment.public_id])
    response = client.post(url, {"due_date": "2031-01-15"})
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.due_date == date(2031, 1, 15)
    assert client.get(url).status_code == 405


def test_a_doctor_cannot_set_a_due_date(client, doctor, course) -> None:
    enrolment = EnrolmentFactory(course=course, user=doctor)
    client.force_login(doctor)
    response = client.post(reverse("training:set_due_date", args=[enrolment.public_id]), {"due_date": "2031-01-15"})
    assert response.status_code == 403
    enrolment.refresh_from_db()
    assert enrolment.due_date is None
