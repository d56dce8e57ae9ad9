"""Who may start an attempt, and when: enrolment and course completion, attempts allowed,
the waiting time between attempts, per-learner overrides, a valid certificate and its
renewal window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from tests.factories import CertificateFactory, EnrolmentFactory, completed_enrolment, exam_with_bank
from training.models import Attempt, ExamOverride, TrainingError

pytestmark = pytest.mark.django_db


START = datetime(2025, 6, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def exam(doctor):
    exam = exam_with_bank(categories=1, per_category=4, draw=2, attempts_allowed=2, wait_minutes=60)
    completed_enrolment(exam.course, doctor)
    return exam


def fail(exam, user, at: datetime) -> Attempt:
    """Start an attempt and hand it in blank five minutes later (0%)."""
    attempt = exam.start_attempt(user, now=at)
    attempt.submit(now=at + timedelta(minutes=5))
    return attempt


def test_the_exam_is_locked_until_the_course_is_completed(doctor):
    exam = exam_with_bank()
    enrolment = EnrolmentFactory(course=exam.course, user=doctor)

    assert exam.standing(doctor).state == "locked"
    with pytest.raises(TrainingError, match="completed every lesson"):
        exam.start_attempt(doctor)

    enrolment.completed_at = timezone.now()
    enrolment.save()
    assert exam.standing(doctor).state == "can_start"


def test_an_exam_without_the_completion_requirement_needs_only_enrolment(doctor):
    exam = exam_with_bank(requires_completion=False)
    assert exam.standing(doctor).state == "not_enrolled"

    EnrolmentFactory(course=exam.course, user=doctor)

    assert exam.standing(doctor).state == "can_start"


def test_a_draft_exam_cannot_be_started(doctor):
    exam = exam_with_bank(publish=False)
    completed_enrolment(exam.course, doctor)

    assert exam.standing(doctor).state == "unavailable"
    with pytest.raises(TrainingError):
        exam.start_attempt(doctor)


def test_the_waiting_time_runs_from_the_previous_submission(exam, doctor):
    fail(exam, doctor, START)
    submitted = START + timedelta(minutes=5)

    standing = exam.standing(doctor, now=submitted + timedelta(minutes=59))
    assert standing.state == "waiting"
    assert standing.next_start_at == submitted + timedelta(minutes=60)
    with pytest.raises(TrainingError):
        exam.start_attempt(doctor, now=submitted + timedelta(minutes=59))

    second = exam.start_attempt(doctor, now=submitted + timedelta(minutes=60))
    assert second.number == 2


def test_the_waiting_time_of_an_abandoned_attempt_runs_from_its_deadline(exam, doctor):
    attempt = exam.start_attempt(doctor, now=START)

    standing = exam.standing(doctor, now=attempt.deadline + timedelta(minutes=30))

    assert standing.state == "waiting"
    assert standing.next_start_at == attempt.deadline + timedelta(minutes=60)


def test_attempts_run_out(exam, doctor):
    fail(exam, doctor, START)
    fail(exam, doctor, START + timedelta(hours=2))

    standing = exam.standing(doctor, now=START + timedelta(days=1))
    assert (standing.state, standing.attempts_used, standing.attempts_allowed) == ("exhausted", 2, 2)
    with pytest.raises(TrainingError, match="all your attempts"):
        exam.start_attempt(doctor, now=START + timedelta(days=1))


def test_extra_attempts_of_the_learner_reopen_the_exam(exam, doctor):
    fail(exam, doctor, START)
    fail(exam, doctor, START + timedelta(hours=2))
    ExamOverride.objects.create(exam=exam, user=doctor, extra_attempts=1)

    third = exam.start_attempt(doctor, now=START + timedelta(days=1))

    assert third.number == 3
    assert exam.standing(doctor, now=START + timedelta(days=1)).attempts_allowed == 3


def test_a_pass_certifies_and_closes_the_exam(exam, doctor):
    attempt = exam.start_attempt(doctor)
    for item in attempt.items.select_related("question"):
        correct = item.question.correct_choice_ids()
        attempt.answer(item.position, [i for i, pk in enumerate(item.choice_order) if pk in correct])
    attempt.submit()

    standing = exam.standing(doctor)
    assert standing.state == "certified"
    assert standing.certificate.attempt_id == attempt.pk
    with pytest.raises(TrainingError, match="valid certificate"):
        exam.start_attempt(doctor)


def test_the_exam_reopens_for_renewal_90_days_before_expiry_with_fresh_attempts(exam, doctor):
    fail(exam, doctor, START)
    passed = Attempt.objects.create(
        exam=exam, user=doctor, number=2, status="submitted", started_at=START, deadline=START, passed=True
    )
    today = timezone.localdate()
    CertificateFactory(holder=doctor, course=exam.course, attempt=passed, expires_on=today + timedelta(days=91))
    assert exam.standing(doctor).state == "certified"

    CertificateFactory._meta.model.objects.filter(holder=doctor).update(expires_on=today + timedelta(days=90))

    standing = exam.standing(doctor)
    assert standing.state == "can_start"
    assert standing.attempts_used == 0
