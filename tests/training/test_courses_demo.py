"""The demo courses (training/demo/courses.py): two published courses, learners with
progress; idempotent. The demo is seeded once for the module (tests/training/conftest.py)."""

from __future__ import annotations

import io

import pytest

from training.demo import courses as demo
from training.demo import scale
from training.models import Course, Enrolment, Lesson, LessonProgress

pytestmark = pytest.mark.django_db


def test_the_demo_courses_are_published_with_lessons_and_learners(seeded_courses) -> None:
    out = io.StringIO()
    demo.seed(out)  # a second run changes nothing

    assert set(Course.objects.values_list("slug", "status")) == {
        ("fever-under-5", "published"),
        ("pneumonia-in-infants", "published"),
    }
    fever = Course.objects.get(slug="fever-under-5")
    assert fever.title_zh == "发热儿童的规范化管理（5岁以下）"
    assert fever.created_by.username == "trainer"
    assert fever.lessons().count() == 5
    assert Lesson.objects.count() == 9
    videos = Lesson.objects.exclude(kind="reading")
    assert all(lesson.video and lesson.video_duration_seconds == 20 for lesson in videos)
    assert (seeded_courses / "training/videos/demo-lecture.mp4").stat().st_size < 500 * 1024
    assert all(lesson.reading_markdown_en for lesson in Lesson.objects.exclude(kind="video"))

    assert Enrolment.objects.count() == 6
    progress = {
        (e.user.username, e.course.slug): e.progress_percent
        for e in Enrolment.objects.with_progress().select_related("user", "course")
    }
    assert progress[("spec.resp", "fever-under-5")] == 100
    assert progress[("dr.yangpu", "pneumonia-in-infants")] == 100
    assert progress[("dr.yangpu", "fever-under-5")] == 80
    assert progress[("dr.chongming", "fever-under-5")] == 0
    assert fever.completion_required_met(fever.enrolments.get(user__username="spec.resp").user)
    partial = LessonProgress.objects.get(enrolment__user__username="dr.yangpu", completed_at__isnull=True)
    assert partial.watched_seconds == 8
    assert "0 learners" not in out.getvalue()


def test_the_scale_learners_are_added_once(seeded_courses) -> None:
    out = io.StringIO()
    scale.seed_scale(out, factor=0.01)
    scale.seed_scale(out, factor=0.01)
    course = Course.objects.get(slug="fever-under-5")
    assert course.enrolments.filter(user__username__startswith="scale.learner").count() == 30
    assert "30 accounts and 30 enrolments added" in out.getvalue()
    assert "0 accounts and 0 enrolments added" in out.getvalue()
