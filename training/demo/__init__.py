"""seed_demo's part for training: two courses with learners, their exams, attempts and
certificates. Safe to run again.

- courses.py: the courses, published by `trainer` through the real workflow, and the
  learners' enrolments and progress;
- exams.py: the question banks (imported through training/importers.py), the published
  exams and learners in every state of an exam;
- content/<course slug>/: what the demo says, as data: `course.json` (the course, its
  modules and lessons, its exam's settings), the lessons' readings as Markdown
  (`<module>-<lesson>.zh.md`, `.en.md`) and `questions.csv`, the question bank in the very
  format the question import page takes;
- demo-lecture.mp4: the 20-second clip every demo video lesson plays;
- teaching.py: teaching cases from the consultations demo's closed cases, a case
  conference and its class II credits;
- scale.py: volume for `manage.py seed_scale`.

The handbook's demo runs first (INSTALLED_APPS order): the lessons cite its topics.
"""

from __future__ import annotations

from typing import TextIO

from . import courses, exams, teaching


def seed(stdout: TextIO) -> None:
    courses.seed(stdout)
    exams.seed(stdout)
    teaching.seed(stdout)
