"""Demo courses: two courses written from public guidance, learners with various progress.

"Managing fever in children under 5" (NICE NG143 traffic lights, the IMCI fever rules) and
"Recognising pneumonia in infants" (IMCI fast breathing and the cough classification), in
Chinese and English, marked as demonstration content, not clinical advice (the content is in
content/<slug>/: course.json and the readings as Markdown). Both are created and published
by `trainer` through the real workflow. The video lessons play a 20-second generated clip
shipped with the code (demo-lecture.mp4, made once with ffmpeg: a title card, a running
clock and a tone), so the demo needs no ffmpeg.

Learners: dr.yangpu and dr.chongming are enrolled by the trainer with due dates; spec.resp
enrolled in the open pneumonia course herself. Progress differs so that progress bars,
the managers' report and reminders have something to show; dr.yangpu has finished the
pneumonia course and spec.resp the fever course (they can sit the exams).

Idempotent: courses by slug, modules and lessons by their order, enrolments by (course,
learner); progress is written only where none exists.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from cloudpeds.accounts.models import User
from handbook.models import Topic, TopicVersion

from ..models import Course, Enrolment, Lesson, LessonProgress, Module

CONTENT = Path(__file__).resolve().parent / "content"
COURSE_SLUGS = ("fever-under-5", "pneumonia-in-infants")

DEMO_VIDEO = Path(__file__).resolve().parent / "demo-lecture.mp4"
DEMO_VIDEO_NAME = "training/videos/demo-lecture.mp4"
DEMO_VIDEO_SECONDS = 20


@dataclass(frozen=True)
class DemoEnrolment:
    username: str
    course_slug: str
    by_manager: bool  # else the learner enrolled herself
    due_in_days: int | None
    lessons_done: int  # in course order
    seconds_played: int  # of the next lesson's video


DEMO_ENROLMENTS = (
    DemoEnrolment("dr.yangpu", "fever-under-5", True, 6, 4, 8),
    DemoEnrolment("dr.yangpu", "pneumonia-in-infants", True, 30, 4, 0),
    DemoEnrolment("dr.chongming", "fever-under-5", True, 20, 0, 0),
    DemoEnrolment("dr.chongming", "pneumonia-in-infants", True, 45, 1, 0),
    DemoEnrolment("spec.resp", "fever-under-5", True, None, 5, 0),
    DemoEnrolment("spec.resp", "pneumonia-in-infants", False, None, 3, 0),
)


def course_data(slug: str) -> dict[str, Any]:
    """A demo course as written in content/<slug>/course.json."""
    return json.loads((CONTENT / slug / "course.json").read_text(encoding="utf-8"))


def seed(stdout: TextIO) -> None:
    trainer = User.objects.get(username="trainer")
    video_name = _demo_video()
    with transaction.atomic():
        courses = {slug: _course(course_data(slug), trainer, video_name) for slug in COURSE_SLUGS}
    for course in courses.values():
        if not course.is_published:
            course.publish(trainer)
    enrolled = _enrolments(courses, trainer)
    stdout.write(f"Training: {len(courses)} demo courses, {enrolled} learners' enrolments.")


def _demo_video() -> str:
    """The shipped clip, copied into storage once; every demo video lesson plays it."""
    if not default_storage.exists(DEMO_VIDEO_NAME):
        with DEMO_VIDEO.open("rb") as handle:
            return default_storage.save(DEMO_VIDEO_NAME, File(handle))
    return DEMO_VIDEO_NAME


def _reading(slug: str, name: str | None, language: str) -> str:
    if not name:
        return ""
    return (CONTENT / slug / f"{name}.{language}.md").read_text(encoding="utf-8").rstrip("\n")


def _topic_version(slug: str | None) -> TopicVersion | None:
    # The handbook's published version of the topic: the handbook demo runs before this one.
    if not slug:
        return None
    return Topic.objects.select_related("current_version").get(slug=slug).current_version


def _course(data: dict[str, Any], trainer: User, video_name: str) -> Course:
    slug = data["slug"]
    course, _created = Course.objects.get_or_create(
        slug=slug,
        defaults={
            "title_zh": data["title_zh"],
            "title_en": data["title_en"],
            "description_zh": data["description_zh"],
            "description_en": data["description_en"],
            "credit_hours": Decimal(data["credit_hours"]),
            "credit_class": data["credit_class"],
            "is_open": data["is_open"],
            "created_by": trainer,
        },
    )
    for module_order, module_data in enumerate(data["modules"], start=1):
        module, _ = Module.objects.get_or_create(
            course=course,
            order=module_order,
            defaults={"title_zh": module_data["title_zh"], "title_en": module_data["title_en"]},
        )
        for lesson_order, lesson_data in enumerate(module_data["lessons"], start=1):
            lesson, _created = Lesson.objects.get_or_create(
                module=module,
                order=lesson_order,
                defaults={
                    "kind": lesson_data["kind"],
                    "title_zh": lesson_data["title_zh"],
                    "title_en": lesson_data["title_en"],
                    "reading_markdown_zh": _reading(slug, lesson_data.get("reading"), "zh"),
                    "reading_markdown_en": _reading(slug, lesson_data.get("reading"), "en"),
                    # Linked when the lesson is created, never later, so that a second run
                    # changes nothing.
                    "handbook_topic_version": _topic_version(lesson_data.get("handbook_topic")),
                },
            )
            if lesson.has_video and not lesson.video:
                lesson.video.name = video_name
                lesson.video_content_type = "video/mp4"
                lesson.video_duration_seconds = DEMO_VIDEO_SECONDS
                lesson.save(update_fields=["video", "video_content_type", "video_duration_seconds"])
    return course


def _enrolments(courses: dict[str, Course], trainer: User) -> int:
    people = {user.username: user for user in User.objects.filter(username__in={e.username for e in DEMO_ENROLMENTS})}
    today = timezone.localdate()
    for demo in DEMO_ENROLMENTS:
        course = courses[demo.course_slug]
        user = people[demo.username]
        if demo.by_manager:
            due_date = today + timedelta(days=demo.due_in_days) if demo.due_in_days is not None else None
            enrolment = course.enrol([user], by=trainer, due_date=due_date)[0][0]
        else:
            enrolment = course.enrol_self(user)
        if not enrolment.lesson_progress.exists():
            _progress(enrolment, demo.lessons_done, demo.seconds_played)
    return len(DEMO_ENROLMENTS)


def _progress(enrolment: Enrolment, lessons_done: int, seconds_played: int) -> None:
    """Lessons finished some days ago, and part of the next video (a demo shortcut: the
    heartbeats' results are written directly)."""
    lessons = list(enrolment.course.lessons())
    now = timezone.now()
    with transaction.atomic():
        for index, lesson in enumerate(lessons[:lessons_done]):
            done_at = now - timedelta(days=len(lessons) - index, hours=2)
            duration = float(lesson.video_duration_seconds)
            LessonProgress.objects.create(
                enrolment=enrolment,
                lesson=lesson,
                watched_intervals=[[0.0, duration]] if lesson.has_video else [],
                watched_seconds=duration if lesson.has_video else 0,
                time_spent_seconds=duration if lesson.has_video else 0,
                last_seen_at=done_at,
                reading_opened_at=done_at - timedelta(minutes=3),
                video_completed_at=done_at if lesson.has_video else None,
                reading_completed_at=done_at if lesson.has_reading else None,
                completed_at=done_at,
            )
        following = lessons[lessons_done] if lessons_done < len(lessons) else None
        if following is not None and following.has_video and seconds_played:
            LessonProgress.objects.create(
                enrolment=enrolment,
                lesson=following,
                watched_intervals=[[0.0, float(seconds_played)]],
                watched_seconds=seconds_played,
                time_spent_seconds=seconds_played,
                last_seen_at=now - timedelta(hours=5),
                reading_opened_at=now - timedelta(hours=5),
            )
        enrolment.update_completion(now - timedelta(days=1))
