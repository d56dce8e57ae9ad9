"""Volume for `manage.py seed_scale`: 3,000 × factor doctors enrolled in the demo fever
course, over the district hospitals and three professional titles, with varied progress.

The learners are accounts `scale.learnerNNNNN` with no usable password (they only exist to
fill the managers' progress report and the reminder job). Rows go in with bulk_create in
batches; usernames and the unique (course, learner) key make a second run add only what is
missing.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta
from typing import TextIO

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from cloudpeds.accounts.models import Hospital, User
from cloudpeds.accounts.roles import Role

from ..models import Course, Enrolment, LessonProgress

LEARNERS = 3_000
BATCH = 1_000
PREFIX = "scale.learner"
COURSE_SLUG = "fever-under-5"
TITLES = ("住院医师", "主治医师", "副主任医师")
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰"


def seed_scale(stdout: TextIO, factor: float = 1.0) -> None:
    course = Course.objects.filter(slug=COURSE_SLUG).first()
    hospitals = list(Hospital.objects.filter(level=Hospital.Level.DISTRICT).order_by("code"))
    if course is None or not hospitals:
        stdout.write("Scale training: run seed_demo first (no demo course or no district hospital).")
        return
    target = max(1, int(LEARNERS * factor))
    started = time.monotonic()
    usernames = [f"{PREFIX}{index:05d}" for index in range(target)]
    existing = set(User.objects.filter(username__startswith=PREFIX).values_list("username", flat=True))
    missing = [name for name in usernames if name not in existing]
    for first in range(0, len(missing), BATCH):
        _create_learners(missing[first : first + BATCH], hospitals)
    learner_ids = list(User.objects.filter(username__in=usernames).values_list("pk", flat=True))
    enrolled = set(Enrolment.objects.filter(course=course, user_id__in=learner_ids).values_list("user_id", flat=True))
    to_enrol = [pk for pk in learner_ids if pk not in enrolled]
    for first in range(0, len(to_enrol), BATCH):
        _enrol(course, to_enrol[first : first + BATCH])
    elapsed = time.monotonic() - started
    stdout.write(
        f"Scale training: {target} learners in {course.slug} ({len(missing)} accounts and "
        f"{len(to_enrol)} enrolments added) in {elapsed:.1f} s."
    )


@transaction.atomic
def _create_learners(usernames: list[str], hospitals: list[Hospital]) -> None:
    people = []
    for username in usernames:
        rng = random.Random(username)  # synthetic data: no security use
        person = User(
            username=username,
            last_name=rng.choice(_SURNAMES),
            first_name="".join(rng.choices(_GIVEN, k=rng.choice((1, 2)))),
            hospital=rng.choice(hospitals),
            title=rng.choice(TITLES),
        )
        person.set_unusable_password()
        people.append(person)
    created = User.objects.bulk_create(people)
    group, _created = Group.objects.get_or_create(name=Role.GRASSROOTS_DOCTOR)
    group.user_set.add(*created)


@transaction.atomic
def _enrol(course: Course, user_ids: list[int]) -> None:
    today = timezone.localdate()
    now = timezone.now()
    lessons = list(course.lessons())
    rows = []
    for pk in user_ids:
        rng = random.Random(pk)
        rows.append(
            Enrolment(
                course=course,
                user_id=pk,
                source=Enrolment.Source.COHORT,
                due_date=today + timedelta(days=rng.randint(-10, 60)),
                created_at=now - timedelta(days=rng.randint(10, 90)),
            )
        )
    Enrolment.objects.bulk_create(rows, ignore_conflicts=True)
    enrolments = Enrolment.objects.filter(course=course, user_id__in=user_ids)
    progress = []
    complete = []
    for enrolment in enrolments:
        rng = random.Random(enrolment.user_id)
        done = rng.randint(0, len(lessons))
        for lesson in lessons[:done]:
            progress.append(LessonProgress(enrolment=enrolment, lesson=lesson, completed_at=now))
        if done == len(lessons):
            complete.append(enrolment.pk)
    LessonProgress.objects.bulk_create(progress, ignore_conflicts=True)
    Enrolment.objects.filter(pk__in=complete).update(completed_at=now)
