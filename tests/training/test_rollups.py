"""The training daily roll-up (training/rollups.py): enrolments, completions, attempts and
passes each on the day they happened, per learner's hospital and course."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.factories import CourseFactory, EnrolmentFactory, ExamFactory, UserFactory
from training import rollups
from training.models import Attempt, TrainingDay

pytestmark = pytest.mark.django_db


def at(day: int) -> datetime:
    return datetime(2025, 4, day, 3, tzinfo=UTC)  # 11:00 in Shanghai


def test_counts_on_the_day_each_thing_happened(doctor, outsider):
    course = CourseFactory()
    exam = ExamFactory(course=course)
    EnrolmentFactory(course=course, user=doctor, created_at=at(1), completed_at=at(3))
    EnrolmentFactory(course=course, user=outsider, created_at=at(1))
    colleague = UserFactory(username="doc2", hospital=doctor.hospital)
    EnrolmentFactory(course=course, user=colleague, created_at=at(2), completed_at=at(3))
    for number, (user, passed) in enumerate([(doctor, False), (doctor, True), (colleague, True)], start=1):
        Attempt.objects.create(
            exam=exam,
            user=user,
            number=number,
            status="submitted",
            started_at=at(3) - timedelta(hours=1),
            deadline=at(3),
            submitted_at=at(3),
            passed=passed,
        )
    # A learner with no hospital is left out.
    EnrolmentFactory(course=course, user=UserFactory(username="nohospital", hospital=None), created_at=at(1))

    assert rollups.rebuild(date(2025, 4, 1), date(2025, 4, 30)) == 4
    rows = {
        (row.day.day, row.hospital_id): (row.enrolled, row.completed, row.attempts, row.passed)
        for row in TrainingDay.objects.all()
    }
    assert rows == {
        (1, doctor.hospital_id): (1, 0, 0, 0),
        (1, outsider.hospital_id): (1, 0, 0, 0),
        (2, doctor.hospital_id): (1, 0, 0, 0),
        (3, doctor.hospital_id): (0, 2, 3, 2),
    }
