"""The rules that decide when a video lesson counts as watched (LessonProgress.record_play)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cloudpeds.accounts.roles import Role
from training.models import Lesson, LessonProgress, merge_intervals, total_length
from training.models.courses import HEARTBEAT_MAX_GAP_SECONDS, HEARTBEAT_SLACK_SECONDS

from ..factories import CourseFactory, EnrolmentFactory, LessonFactory, ModuleFactory, UserFactory

DURATION = 100


def test_merge_sorts_joins_overlapping_and_touching_intervals() -> None:
    assert merge_intervals([[10, 20], [0, 5], [15, 30], [30, 40], [50, 60]]) == [[0, 5], [10, 40], [50, 60]]


def test_merge_drops_empty_and_reversed_intervals() -> None:
    assert merge_intervals([[5, 5], [9, 3], [1, 2]]) == [[1.0, 2.0]]


def test_total_length_counts_overlaps_once() -> None:
    assert total_length([[0, 10], [5, 15], [20, 25]]) == 20


@pytest.fixture
def progress(db) -> LessonProgress:
    lesson = LessonFactory(kind=Lesson.Kind.VIDEO, video_duration_seconds=DURATION, reading_markdown_zh="")
    learner = UserFactory(roles=[Role.GRASSROOTS_DOCTOR])
    enrolment = EnrolmentFactory(course=lesson.module.course, user=learner)
    return enrolment.progress_for(lesson)


def _watch(progress: LessonProgress, start, seconds: float, *, step: float = 10, rate: float = 1.0):
    """Play `seconds` of the video from `start`, one beat every `step` seconds of wall time."""
    now = start
    position = 0.0
    progress.open(now)
    while position < seconds:
        played = min(step * rate, seconds - position)
        now += timedelta(seconds=step)
        progress.record_play([[position, position + played]], now)
        position += played
    return now


def test_watching_the_whole_video_completes_the_lesson(progress) -> None:
    _watch(progress, timezone.now(), DURATION)
    progress.refresh_from_db()
    assert progress.watched_intervals == [[0.0, 100.0]]
    assert progress.watched_seconds == DURATION
    assert progress.time_spent_seconds == DURATION
    assert progress.video_completed_at is not None
    assert progress.completed_at is not None


def test_seeking_straight_to_the_end_does_not_complete(progress) -> None:
    start = timezone.now()
    progress.open(start)
    # The page never reports a seek; a learner who jumps to 95 s and lets the last 5 s play
    # has covered 5 seconds.
    progress.record_play([[0, 2], [95, 100]], start + timedelta(seconds=10))
    progress.refresh_from_db()
    assert progress.watched_seconds == 7
    assert progress.video_completed_at is None
    assert progress.completed_at is None


def test_a_forged_beat_claiming_the_whole_video_is_clamped_to_the_elapsed_time(progress) -> None:
    start = timezone.now()
    progress.open(start)
    progress.record_play([[0, DURATION]], start + timedelta(seconds=10))
    progress.refresh_from_db()
    assert progress.watched_seconds == 10 + HEARTBEAT_SLACK_SECONDS
    assert progress.completed_at is None


def test_a_beat_after_a_long_silence_counts_at_most_the_gap_limit(progress) -> None:
    start = timezone.now()
    progress.open(start)
    progress.record_play([[0, 80]], start + timedelta(minutes=30))
    progress.refresh_from_db()
    assert progress.time_spent_seconds == HEARTBEAT_MAX_GAP_SECONDS
    assert progress.watched_seconds == HEARTBEAT_MAX_GAP_SECONDS + HEARTBEAT_SLACK_SECONDS


def test_coverage_without_the_time_does_not_complete(progress) -> None:
    # Played at double speed: every second of the timeline, in half the time.
    _watch(progress, timezone.now(), DURATION, step=5, rate=2.0)
    progress.refresh_from_db()
    assert progress.watched_seconds == DURATION
    assert progress.time_spent_seconds == DURATION / 2
    assert progress.video_completed_at is None


def test_time_without_coverage_does_not_complete(progress) -> None:
    # The first 20 seconds, replayed for as long as the video lasts.
    now = timezone.now()
    progress.open(now)
    for _ in range(12):
        now += timedelta(seconds=10)
        progress.record_play([[0, 10]], now)
    progress.refresh_from_db()
    assert progress.time_spent_seconds == 120
    assert progress.watched_seconds == 10
    assert progress.video_completed_at is None


def test_ninety_percent_coverage_and_eighty_percent_time_is_enough(progress) -> None:
    _watch(progress, timezone.now(), 90)
    progress.refresh_from_db()
    assert progress.watched_seconds == 90
    assert progress.video_completed_at is not None


def test_just_under_ninety_percent_is_not_enough(progress) -> None:
    _watch(progress, timezone.now(), 89)
    progress.refresh_from_db()
    assert progress.video_completed_at is None


def test_intervals_outside_the_video_or_malformed_are_ignored(progress) -> None:
    start = timezone.now()
    progress.open(start)
    progress.record_play([[-5, 3], [98, 500], "x", [1], [None, 4], [float("nan"), 2]], start + timedelta(seconds=20))
    progress.refresh_from_db()
    assert progress.watched_intervals == [[0.0, 3.0], [98.0, 100.0]]


def test_finishing_every_lesson_completes_the_enrolment(db) -> None:
    course = CourseFactory()
    module = ModuleFactory(course=course)
    video = LessonFactory(module=module, kind=Lesson.Kind.VIDEO, video_duration_seconds=40)
    reading = LessonFactory(module=module)
    learner = UserFactory(roles=[Role.GRASSROOTS_DOCTOR])
    enrolment = EnrolmentFactory(course=course, user=learner)
    start = timezone.now() - timedelta(minutes=10)
    _watch(enrolment.progress_for(video), start, 40)
    enrolment.refresh_from_db()
    assert enrolment.completed_at is None
    assert course.completion_required_met(learner) is False

    reading_progress = enrolment.progress_for(reading)
    reading_progress.open(start)
    reading_progress.confirm_reading(start + timedelta(minutes=5))
    enrolment.refresh_from_db()
    assert enrolment.completed_at is not None
    assert enrolment.progress_percent == 100
    assert course.completion_required_met(learner) is True


def test_a_lesson_with_video_and_reading_needs_both(db) -> None:
    lesson = LessonFactory(kind=Lesson.Kind.BOTH, video_duration_seconds=20)
    enrolment = EnrolmentFactory(course=lesson.module.course, user=UserFactory(roles=[Role.SPECIALIST]))
    progress = enrolment.progress_for(lesson)
    start = timezone.now() - timedelta(minutes=10)
    _watch(progress, start, 20)
    progress.refresh_from_db()
    assert progress.video_completed_at is not None
    assert progress.completed_at is None
    progress.confirm_reading(start + timedelta(minutes=5))
    progress.refresh_from_db()
    assert progress.completed_at is not None
