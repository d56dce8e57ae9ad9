"""The time limit lives on the server: deadline and grace arithmetic, the auto-submit job and
its time stamp (the deadline, not the time the job ran)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cloudpeds.notifications.models import Notification
from tests.factories import completed_enrolment, exam_with_bank
from training.models import ANSWER_GRACE, Attempt, ExamOverride, TrainingError
from training.tasks import submit_expired_attempts

pytestmark = pytest.mark.django_db


START = datetime(2025, 6, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


@pytest.fixture
def exam(doctor):
    exam = exam_with_bank(categories=1, per_category=4, draw=2, time_limit_minutes=20)
    completed_enrolment(exam.course, doctor)
    return exam


@pytest.fixture
def attempt(exam, doctor) -> Attempt:
    return exam.start_attempt(doctor, now=START)


def correct_index(item) -> int:
    correct = item.question.correct_choice_ids()
    return next(index for index, pk in enumerate(item.choice_order) if pk in correct)


def test_the_deadline_is_the_start_plus_the_time_limit(attempt):
    assert attempt.started_at == START
    assert attempt.deadline == START + timedelta(minutes=20)
    assert attempt.accepts_answers_until() == START + timedelta(minutes=20, seconds=60)
    assert timedelta(seconds=60) == ANSWER_GRACE


def test_extra_time_of_the_learner_extends_the_deadline(exam, doctor):
    ExamOverride.objects.create(exam=exam, user=doctor, extra_minutes=15)

    attempt = exam.start_attempt(doctor, now=START)

    assert attempt.deadline == START + timedelta(minutes=35)


def test_an_answer_in_the_grace_period_is_saved(attempt):
    moment = attempt.deadline + timedelta(seconds=60)

    item = attempt.answer(1, [0], now=moment)

    item.refresh_from_db()
    assert item.selected == [item.choice_order[0]]
    assert item.answered_at == moment


def test_an_answer_after_the_grace_period_is_refused(attempt):
    with pytest.raises(TrainingError, match="not saved"):
        attempt.answer(1, [0], now=attempt.deadline + timedelta(seconds=61))

    assert attempt.items.get(position=1).selected == []


def test_an_answer_to_a_submitted_attempt_is_refused(attempt):
    attempt.submit(now=START + timedelta(minutes=5))

    with pytest.raises(TrainingError):
        attempt.answer(1, [0], now=START + timedelta(minutes=6))


def test_answers_are_indexes_into_the_options_shown_and_validated(attempt):
    with pytest.raises(TrainingError):
        attempt.answer(1, [9], now=START)
    with pytest.raises(TrainingError):
        attempt.answer(1, [0, 1], now=START)  # single choice
    with pytest.raises(TrainingError):
        attempt.answer(7, [0], now=START)  # no such question


def test_a_submit_within_the_grace_period_keeps_its_own_time(attempt):
    moment = attempt.deadline + timedelta(seconds=30)

    assert attempt.submit(now=moment) is True

    attempt.refresh_from_db()
    assert attempt.submitted_at == moment
    assert attempt.finished_by == "learner"


def test_a_submit_after_the_grace_period_counts_at_the_deadline(attempt):
    assert attempt.submit(now=attempt.deadline + timedelta(hours=2)) is True

    attempt.refresh_from_db()
    assert attempt.submitted_at == attempt.deadline
    assert attempt.finished_by == "time_limit"


def test_the_job_submits_an_abandoned_attempt_as_of_its_deadline(attempt, doctor):
    item = attempt.items.select_related("question").get(position=1)
    attempt.answer(1, [correct_index(item)], now=START + timedelta(minutes=3))
    job_time = attempt.deadline + timedelta(minutes=47)

    assert submit_expired_attempts.delay(job_time.isoformat()).get() == 1

    attempt.refresh_from_db()
    assert attempt.status == "submitted"
    assert attempt.submitted_at == attempt.deadline  # not job_time
    assert attempt.finished_by == "time_limit"
    assert (attempt.correct_count, attempt.question_count) == (1, 2)
    assert attempt.score_percent == 50
    assert attempt.passed is False
    note = Notification.objects.get(recipient=doctor, kind="training.attempt_timed_out")
    assert note.context["score"] == "50.00"


def test_the_job_leaves_attempts_within_their_grace_alone(attempt):
    assert submit_expired_attempts(now=(attempt.deadline + timedelta(seconds=59)).isoformat()) == 0

    attempt.refresh_from_db()
    assert attempt.status == "open"


def test_the_job_is_idempotent(attempt):
    later = attempt.deadline + timedelta(minutes=5)
    assert submit_expired_attempts(now=later.isoformat()) == 1
    assert submit_expired_attempts(now=(later + timedelta(minutes=1)).isoformat()) == 0

    attempt.refresh_from_db()
    assert attempt.submitted_at == attempt.deadline


def test_returning_after_the_deadline_submits_the_attempt_as_of_its_deadline(exam, attempt, doctor):
    standing = exam.standing(doctor, now=attempt.deadline + timedelta(days=1))

    attempt.refresh_from_db()
    assert attempt.status == "submitted"
    assert attempt.submitted_at == attempt.deadline
    assert standing.open_attempt is None
    assert standing.last_attempt.pk == attempt.pk
