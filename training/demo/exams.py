"""Demo exams and certificates for the two demo courses (after demo/courses.py).

Question banks of 33 questions per course in Chinese and English, each with an explanation,
written for the demo from public guidance (WHO IMCI chart booklet 2014, NICE NG143) in our
own words: demonstration content, not clinical advice. They are content/<slug>/questions.csv,
imported through the question import (training/importers.py) as a training manager's file
would be. Each exam draws 4 questions from each of its three categories (12 questions, pass
mark 80%, i.e. 10 correct); its settings are in content/<slug>/course.json.

Learners in every state, through the real models (attempts graded by `Attempt.submit`):

- dr.chongming: enrolled, lessons not finished: both exams locked;
- spec.resp: passed the fever exam, valid certificate (its PDF made here, synchronously);
- dr.yangpu: failed the pneumonia exam, waiting a day before the next attempt;
- spec.neuro (enrolled here in both courses, lessons done): the fever exam in progress
  (5 of 12 answered, questions 3 and 6 flagged for review), started a few minutes before
  seeding (left alone, the periodic job submits it at its deadline); a pneumonia
  certificate issued three years and a month ago: expired, the exam open again for
  re-certification.

No account is added: another demo picks "the first doctor" of some hospitals, and a new
doctor there would change what a second `seed_demo` makes.

Idempotent: exams by course; a bank is imported into a course that has none; a learner's
state is created only when they have no attempt at that exam yet.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from cloudpeds.accounts.models import User

from ..importers import import_questions
from ..models import Attempt, Certificate, Course, Exam, ExamDrawRule, LessonProgress, Question, QuestionCategory
from .courses import CONTENT, COURSE_SLUGS, course_data

FEVER_SLUG, PNEUMONIA_SLUG = COURSE_SLUGS


def seed(stdout: TextIO) -> None:
    trainer = User.objects.get(username="trainer")
    courses = {course.slug: course for course in Course.objects.filter(slug__in=COURSE_SLUGS)}
    with transaction.atomic():
        exams = {slug: _exam(course, trainer) for slug, course in courses.items()}
    certificates = _learner_states(exams, courses, trainer)
    for certificate in certificates:
        # Synchronously: the demo must show a ready PDF whether or not a worker runs.
        certificate.generate_pdf()
    stdout.write(
        f"Exams: {Question.objects.filter(course__in=courses.values()).count()} demo questions, "
        f"{len(exams)} published exams, {Certificate.objects.count()} certificates."
    )


def _exam(course: Course, trainer: User) -> Exam:
    settings = dict(course_data(course.slug)["exam"])
    draw = settings.pop("draw_per_category")
    exam, _created = Exam.objects.get_or_create(course=course, defaults=settings)
    if not Question.objects.filter(course=course).exists():
        result = import_questions(course, (CONTENT / course.slug / "questions.csv").read_bytes())
        if not result.ok:
            raise ValueError(f"The demo question bank of {course.slug} does not import: {result.errors}")
    for category in QuestionCategory.objects.filter(course=course):
        ExamDrawRule.objects.get_or_create(exam=exam, category=category, defaults={"count": draw})
    if not exam.is_published:
        exam.publish(trainer)
    return exam


def _complete_course(course: Course, user: User, trainer: User, when: datetime) -> None:
    """Enrol and finish every lesson `when` (a demo shortcut: progress written directly)."""
    enrolment = course.enrol([user], by=trainer)[0][0]
    if enrolment.is_complete:
        return
    for lesson in course.lessons():
        LessonProgress.objects.get_or_create(
            enrolment=enrolment,
            lesson=lesson,
            defaults={
                "watched_intervals": [[0.0, float(lesson.video_duration_seconds)]] if lesson.has_video else [],
                "watched_seconds": lesson.video_duration_seconds if lesson.has_video else 0,
                "time_spent_seconds": lesson.video_duration_seconds if lesson.has_video else 0,
                "last_seen_at": when,
                "reading_opened_at": when - timedelta(minutes=5),
                "video_completed_at": when if lesson.has_video else None,
                "reading_completed_at": when if lesson.has_reading else None,
                "completed_at": when,
            },
        )
    enrolment.update_completion(when)


def _answer(attempt: Attempt, correct: int, at: datetime, answered: int | None = None) -> None:
    """Answer the first `correct` questions right and the rest (up to `answered`) wrong."""
    items = attempt.items.select_related("question").prefetch_related("question__choices").order_by("position")
    for item in items[:answered] if answered is not None else items:
        key = item.question.correct_choice_ids()
        right = [index for index, pk in enumerate(item.choice_order) if pk in key]
        wrong = [index for index, pk in enumerate(item.choice_order) if pk not in key][:1]
        attempt.answer(item.position, right if item.position <= correct else wrong, now=at)


def _learner_states(exams: dict[str, Exam], courses: dict[str, Course], trainer: User) -> list[Certificate]:
    people = {
        user.username: user for user in User.objects.filter(username__in=["spec.resp", "dr.yangpu", "spec.neuro"])
    }
    now = timezone.now()
    made: list[Certificate] = []
    fever, pneumonia = exams[FEVER_SLUG], exams[PNEUMONIA_SLUG]

    # spec.resp passed the fever exam two days ago: a valid certificate.
    spec = people["spec.resp"]
    if not fever.attempts.filter(user=spec).exists():
        with transaction.atomic():
            _complete_course(courses[FEVER_SLUG], spec, trainer, now - timedelta(days=3))
            started = now - timedelta(days=2)
            attempt = fever.start_attempt(spec, now=started)
            _answer(attempt, correct=11, at=started + timedelta(minutes=9))
            attempt.submit(now=started + timedelta(minutes=11))
        made.extend(attempt.certificates.all())

    # dr.yangpu failed the pneumonia exam two hours ago and waits a day for the next attempt.
    yangpu = people["dr.yangpu"]
    if not pneumonia.attempts.filter(user=yangpu).exists():
        with transaction.atomic():
            _complete_course(courses[PNEUMONIA_SLUG], yangpu, trainer, now - timedelta(days=1))
            started = now - timedelta(hours=2, minutes=15)
            attempt = pneumonia.start_attempt(yangpu, now=started)
            _answer(attempt, correct=7, at=started + timedelta(minutes=12))
            attempt.submit(now=started + timedelta(minutes=14))

    # spec.neuro is sitting the fever exam right now (5 of 12 answered).
    neuro = people["spec.neuro"]
    if not fever.attempts.filter(user=neuro).exists():
        with transaction.atomic():
            _complete_course(courses[FEVER_SLUG], neuro, trainer, now - timedelta(hours=3))
            started = now - timedelta(minutes=4)
            attempt = fever.start_attempt(neuro, now=started)
            _answer(attempt, correct=4, at=started + timedelta(minutes=3), answered=5)
            # Question 3 answered but flagged to come back to; 6 flagged, not yet answered.
            attempt.flag(3, True)
            attempt.flag(6, True)

    # spec.neuro passed the pneumonia exam three years and a month ago: the certificate has
    # expired (valid 36 months) and the exam is open again for re-certification.
    if not pneumonia.attempts.filter(user=neuro).exists():
        with transaction.atomic():
            long_ago = now - timedelta(days=3 * 365 + 31)
            _complete_course(courses[PNEUMONIA_SLUG], neuro, trainer, long_ago - timedelta(days=1))
            attempt = pneumonia.start_attempt(neuro, now=long_ago)
            _answer(attempt, correct=12, at=long_ago + timedelta(minutes=8))
            # Submitted as of then, so the certificate is dated then (not via submit(), which
            # would issue it today).
            Attempt.objects.filter(pk=attempt.pk).update(
                status="submitted",
                submitted_at=long_ago + timedelta(minutes=10),
                finished_by=Attempt.Finish.LEARNER,
                correct_count=12,
                question_count=12,
                score_percent=100,
                passed=True,
            )
            attempt.refresh_from_db()
            for item in attempt.items.all():
                item.is_correct = True
                item.save(update_fields=["is_correct"])
            made.append(Certificate.issue_for(attempt, now=long_ago + timedelta(minutes=10)))
    return made
