"""The exams demo (training/demo/exams.py, run by seed_demo): question banks of at least 30
bilingual questions per course, published exams, learners in every state; idempotent. The
demo is seeded once for the module (tests/training/conftest.py)."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.core.management import call_command

from cloudpeds.accounts.models import User
from training.models import Attempt, Certificate, Course, Exam, Question

pytestmark = pytest.mark.django_db


def test_seed_demo_a_second_time_adds_nothing(seeded_demo):
    counts = (Question.objects.count(), Attempt.objects.count(), Certificate.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert (Question.objects.count(), Attempt.objects.count(), Certificate.objects.count()) == counts


@pytest.mark.parametrize("slug", ["fever-under-5", "pneumonia-in-infants"])
def test_each_demo_course_has_a_bilingual_bank_and_a_published_exam(seeded_demo, slug):
    course = Course.objects.get(slug=slug)
    questions = list(Question.objects.filter(course=course).prefetch_related("choices"))
    assert len(questions) >= 30
    assert all(q.text_zh and q.text_en and q.explanation_zh and q.explanation_en for q in questions)
    assert all(
        not Question.option_errors(q.kind, [(c.text_zh, c.text_en, c.is_correct) for c in q.choices.all()])
        for q in questions
    )
    assert set(Counter(q.kind for q in questions)) == {"single", "multiple", "true_false"}
    exam = Exam.objects.get(course=course)
    assert exam.is_published and exam.question_count == 12 and not exam.shortfalls()


def test_the_demo_learners_are_in_every_state(seeded_demo):
    fever = Exam.objects.get(course__slug="fever-under-5")
    pneumonia = Exam.objects.get(course__slug="pneumonia-in-infants")

    def user(name: str) -> User:
        return User.objects.get(username=name)

    assert fever.standing(user("dr.chongming")).state == "locked"
    assert fever.standing(user("spec.resp")).state == "certified"
    assert pneumonia.standing(user("dr.yangpu")).state == "waiting"
    assert fever.standing(user("spec.neuro")).state == "open"
    assert pneumonia.standing(user("spec.neuro")).state == "can_start"

    valid = Certificate.objects.get(holder__username="spec.resp")
    assert valid.state() == "valid" and valid.pdf_ready
    expired = Certificate.objects.get(holder__username="spec.neuro")
    assert expired.state() == "expired" and expired.pdf_ready
