"""Due-date reminders (training.tasks.send_due_date_reminders): 7 days and 1 day before, once each."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from cloudpeds.accounts.roles import Role
from cloudpeds.notifications.models import Notification
from training.models import Course, EnrolmentReminder
from training.tasks import send_due_date_reminders

from ..factories import CourseFactory, EnrolmentFactory, LessonFactory, ModuleFactory, UserFactory


@pytest.fixture
def course(db) -> Course:
    course = CourseFactory(slug="fever", title_zh="发热儿童的规范化管理", title_en="Managing fever")
    LessonFactory(module=ModuleFactory(course=course))
    return course


def _enrol(course: Course, days_left: int | None, **kwargs):
    due = timezone.localdate() + timedelta(days=days_left) if days_left is not None else None
    user = UserFactory(roles=[Role.GRASSROOTS_DOCTOR])
    return EnrolmentFactory(course=course, user=user, due_date=due, **kwargs)


def _run(capture) -> int:
    with capture(execute=True):
        return send_due_date_reminders.delay().get()


def test_learners_due_in_7_days_and_1_day_are_reminded(course, django_capture_on_commit_callbacks) -> None:
    week = _enrol(course, 7)
    day = _enrol(course, 1)
    _enrol(course, 8)  # not yet
    _enrol(course, None)  # no due date
    _enrol(course, -1)  # already past: no reminder
    assert _run(django_capture_on_commit_callbacks) == 2
    reminders = {(r.enrolment_id, r.kind) for r in EnrolmentReminder.objects.all()}
    assert reminders == {(week.pk, "7d"), (day.pk, "1d")}
    notifications = Notification.objects.filter(kind="training.due_soon")
    assert {n.recipient_id for n in notifications} == {week.user_id, day.user_id}
    assert {n.context["days_left"] for n in notifications} == {7, 1}
    assert len(mail.outbox) == 2


def test_running_twice_sends_once(course, django_capture_on_commit_callbacks) -> None:
    _enrol(course, 7)
    _enrol(course, 1)
    assert _run(django_capture_on_commit_callbacks) == 2
    assert _run(django_capture_on_commit_callbacks) == 0
    assert Notification.objects.filter(kind="training.due_soon").count() == 2
    assert EnrolmentReminder.objects.count() == 2
    assert len(mail.outbox) == 2


def test_completed_enrolments_are_not_reminded(course, django_capture_on_commit_callbacks) -> None:
    _enrol(course, 1, completed_at=timezone.now())
    assert _run(django_capture_on_commit_callbacks) == 0
    assert not Notification.objects.exists()


def test_a_missed_day_still_sends_the_week_reminder_once(course) -> None:
    enrolment = _enrol(course, 6)
    assert enrolment.send_due_reminder() is True
    assert enrolment.send_due_reminder() is False
    assert EnrolmentReminder.objects.get().kind == "7d"


def test_the_day_reminder_follows_the_week_one(course) -> None:
    enrolment = _enrol(course, 7)
    today = timezone.localdate()
    assert enrolment.send_due_reminder(today) is True
    assert enrolment.send_due_reminder(today + timedelta(days=3)) is False  # still the week window: sent
    assert enrolment.send_due_reminder(today + timedelta(days=6)) is True
    assert sorted(EnrolmentReminder.objects.values_list("kind", flat=True)) == ["1d", "7d"]


def test_a_moved_due_date_gets_its_own_reminders(course) -> None:
    enrolment = _enrol(course, 1)
    assert enrolment.send_due_reminder() is True
    enrolment.due_date = timezone.localdate() + timedelta(days=1)
    enrolment.save()
    assert enrolment.send_due_reminder() is False
    enrolment.due_date = timezone.localdate() + timedelta(days=5)
    enrolment.save()
    assert enrolment.send_due_reminder() is True
    assert EnrolmentReminder.objects.count() == 2


def test_the_reminder_email_names_the_course_in_the_recipients_language(
    course, django_capture_on_commit_callbacks
) -> None:
    enrolment = _enrol(course, 1)
    enrolment.user.preferred_language = "en"
    enrolment.user.save()
    _run(django_capture_on_commit_callbacks)
    assert "Managing fever" in mail.outbox[0].subject
    assert "due tomorrow" in mail.outbox[0].subject
