"""The home page's work items are cached per person (issue 17): counted once, served again until
a row they count changes; a person's own action shows at once, and no one is served another
person's, department's or language's items."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cloudpeds.accounts.models import User
from cloudpeds.accounts.roles import Role
from referrals.models import BedState
from tests.conftest import app_queries
from tests.factories import ConsultationFactory, DepartmentFactory, TopicVersionFactory, UserFactory

pytestmark = pytest.mark.django_db


def _work(client, user, language: str = "en") -> dict[str, int]:
    User.objects.filter(pk=user.pk).update(preferred_language=language)
    client.force_login(user)
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    items = re.findall(
        r'data-testid="work-item">\s*<i[^>]*></i>\s*<span class="flex-grow-1">([^<]+)</span>\s*<span[^>]*>(\d+)</span>',
        response.content.decode(),
    )
    return {label: int(count) for label, count in items}


def _consultation_queries(client) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/", HTTP_ACCEPT_LANGUAGE="en").status_code == 200
    return [query["sql"] for query in app_queries(captured) if '"consultations_consultation"' in query["sql"]]


def test_the_counts_are_read_once_then_served_from_the_cache(client, specialist):
    ConsultationFactory()
    client.force_login(specialist)

    assert _consultation_queries(client)  # counted
    assert _consultation_queries(client) == []  # then served
    ConsultationFactory(urgency="urgent")  # a new case in her department's queue
    assert _consultation_queries(client)  # counted again
    assert _work(client, specialist)["Urgent cases waiting"] == 1


def test_a_specialists_own_claim_shows_on_her_home_page_at_once(client, specialist):
    case = ConsultationFactory()
    before = _work(client, specialist)
    assert (before["Routine cases waiting"], before["Cases you are handling"]) == (1, 0)

    case.claim(specialist)

    after = _work(client, specialist)
    assert (after["Routine cases waiting"], after["Cases you are handling"]) == (0, 1)


def test_a_case_taken_by_a_colleague_leaves_the_others_queue_count_at_once(client, specialist):
    colleague = UserFactory(hospital=specialist.hospital, department=specialist.department, roles=[Role.SPECIALIST])
    case = ConsultationFactory()
    assert _work(client, specialist)["Routine cases waiting"] == 1

    case.claim(colleague)

    assert _work(client, specialist)["Routine cases waiting"] == 0


def test_each_department_has_its_own_counts(client, specialist, xinhua):
    cardiology = DepartmentFactory(hospital=xinhua, specialty="cardiology", name_zh="小儿心内科", name_en="Cardiology")
    cardiologist = UserFactory(hospital=xinhua, department=cardiology, roles=[Role.SPECIALIST])
    ConsultationFactory()

    assert _work(client, specialist)["Routine cases waiting"] == 1
    assert _work(client, cardiologist)["Routine cases waiting"] == 0

    # Moved to respiratory, the cardiologist counts that queue, not the one cached for her.
    User.objects.filter(pk=cardiologist.pk).update(department=specialist.department)
    cardiologist.refresh_from_db()
    assert _work(client, cardiologist)["Routine cases waiting"] == 1


def test_each_language_has_its_own_labels(client, specialist):
    ConsultationFactory()

    assert "Routine cases waiting" in _work(client, specialist, "en")
    chinese = _work(client, specialist, "zh-hans")
    assert chinese["等待中的常规病例"] == 1
    assert "Routine cases waiting" not in chinese


def test_an_editors_new_draft_shows_at_once(client):
    editor = UserFactory(roles=[Role.HANDBOOK_EDITOR])
    assert _work(client, editor)["Your drafts"] == 0

    TopicVersionFactory(author=editor)

    assert _work(client, editor)["Your drafts"] == 1


def test_the_census_a_transfer_administrator_enters_shows_in_free_beds_at_once(client, transfer_admin, xinhua):
    ward = DepartmentFactory(hospital=xinhua, specialty="respiratory", bed_count=20)
    assert _work(client, transfer_admin)["Free beds"] == 20

    BedState.objects.create(department=ward, occupied=15)

    assert _work(client, transfer_admin)["Free beds"] == 5


def test_notifications_are_counted_on_every_request(client, doctor):
    from tests.factories import NotificationFactory

    assert _work(client, doctor)["Unread notifications"] == 0

    NotificationFactory(recipient=doctor)

    assert _work(client, doctor)["Unread notifications"] == 1


def test_a_learners_own_enrolment_and_finished_course_show_at_once(client, doctor):
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories import CourseFactory, LessonFactory, ModuleFactory

    lesson = LessonFactory(module=ModuleFactory(course=CourseFactory(is_open=True)))
    assert _work(client, doctor)["Courses in progress"] == 0

    enrolment = lesson.module.course.enrol_self(doctor)

    assert _work(client, doctor)["Courses in progress"] == 1
    progress = enrolment.progress_for(lesson)
    progress.open(timezone.now() - timedelta(hours=1))
    progress.confirm_reading()
    enrolment.refresh_from_db()
    assert enrolment.completed_at is not None
    assert _work(client, doctor)["Courses in progress"] == 0


def test_a_due_date_the_training_manager_sets_shows_on_her_home_page_at_once(client, doctor):
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories import EnrolmentFactory

    manager = UserFactory(roles=[Role.TRAINING_MANAGER])
    enrolment = EnrolmentFactory(user=doctor)
    assert _work(client, manager)["Learners past their due date"] == 0

    enrolment.set_due_date(manager, timezone.localdate() - timedelta(days=1))

    assert _work(client, manager)["Learners past their due date"] == 1
