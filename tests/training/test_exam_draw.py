"""The random draw (Exam.draw / start_attempt): N distinct questions per category, options
shuffled, never the same question twice in an attempt; publishing is refused while a
category has fewer questions than it must draw."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from django.db import IntegrityError, transaction

from tests.factories import (
    CourseFactory,
    ExamFactory,
    QuestionCategoryFactory,
    QuestionFactory,
    completed_enrolment,
    exam_with_bank,
)
from training.models import AttemptQuestion, ExamDrawRule, Question, TrainingError

pytestmark = pytest.mark.django_db


def test_each_attempt_draws_n_distinct_questions_per_category(doctor):
    exam = exam_with_bank(categories=3, per_category=6, draw=4)
    completed_enrolment(exam.course, doctor)

    attempt = exam.start_attempt(doctor)

    items = list(attempt.items.select_related("question"))
    assert len(items) == 12
    assert len({item.question_id for item in items}) == 12
    assert Counter(item.question.category_id for item in items) == {
        rule.category_id: 4 for rule in exam.draw_rules.all()
    }
    assert sorted(item.position for item in items) == list(range(1, 13))


def test_options_are_a_shuffled_permutation_of_the_question_options():
    exam = exam_with_bank(categories=1, per_category=40, draw=40)

    paper = exam.draw(random.Random(7))

    orders = [options for _question, options in paper]
    for question, options in paper:
        assert sorted(options) == sorted(question.choices.values_list("pk", flat=True))
    # With 40 questions of four options, some are shown in another order than written.
    assert any(options != sorted(options) for options in orders)


def test_draws_differ_between_attempts():
    exam = exam_with_bank(categories=1, per_category=30, draw=5)

    papers = {tuple(sorted(q.pk for q, _o in exam.draw())) for _ in range(10)}

    assert len(papers) > 1


def test_retired_questions_are_never_drawn():
    exam = exam_with_bank(categories=1, per_category=4, draw=2)
    retired = Question.objects.filter(course=exam.course).first()
    retired.retire()

    for _ in range(20):
        assert retired.pk not in {question.pk for question, _o in exam.draw()}


def test_publishing_is_refused_when_a_category_has_fewer_questions_than_it_draws(manager):
    exam = exam_with_bank(categories=2, per_category=3, draw=3, publish=False)
    short = QuestionCategoryFactory(course=exam.course, name_en="Fast breathing")
    QuestionFactory.create_batch(2, category=short)
    ExamDrawRule.objects.create(exam=exam, category=short, count=3)

    with pytest.raises(TrainingError, match=r"“Fast breathing” has 2 active questions; the exam draws 3\."):
        exam.publish(manager)

    exam.refresh_from_db()
    assert exam.status == "draft"
    assert [(rule.category_id, available) for rule, available in exam.shortfalls()] == [(short.pk, 2)]


def test_publishing_is_refused_with_no_draw_at_all(manager):
    exam = ExamFactory(course=CourseFactory())

    with pytest.raises(TrainingError):
        exam.publish(manager)
    exam.refresh_from_db()
    assert exam.status == "draft"


def test_publishing_succeeds_when_every_category_has_enough(manager):
    exam = exam_with_bank(categories=2, per_category=3, draw=3, publish=False)

    exam.publish(manager)

    exam.refresh_from_db()
    assert exam.status == "published"
    assert exam.published_at is not None


def test_only_training_managers_publish(doctor):
    exam = exam_with_bank(publish=False)

    with pytest.raises(TrainingError):
        exam.publish(doctor)


def test_retiring_a_question_that_a_published_exam_needs_is_refused():
    exam = exam_with_bank(categories=1, per_category=3, draw=3)
    question = Question.objects.filter(course=exam.course).first()

    with pytest.raises(TrainingError):
        question.retire()

    question.refresh_from_db()
    assert question.is_active


def test_the_database_refuses_the_same_question_twice_in_an_attempt(doctor):
    exam = exam_with_bank(categories=1, per_category=3, draw=2)
    completed_enrolment(exam.course, doctor)
    attempt = exam.start_attempt(doctor)
    item = attempt.items.first()

    with pytest.raises(IntegrityError), transaction.atomic():
        AttemptQuestion.objects.create(attempt=attempt, question=item.question, position=99, choice_order=[])
