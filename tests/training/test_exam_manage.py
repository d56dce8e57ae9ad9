"""Training managers' exam pages (training/views/exams.py): the question bank, adding and
editing questions, retiring them, exam settings and publishing, per-learner overrides.
Everyone else gets a 403; wrong methods a 405."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import (
    CourseFactory,
    QuestionCategoryFactory,
    QuestionFactory,
    completed_enrolment,
    exam_with_bank,
)
from training.models import Exam, ExamOverride, Question, QuestionCategory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def course():
    return CourseFactory(slug="fever", status="draft")


@pytest.fixture
def category(course):
    return QuestionCategoryFactory(course=course, code="signs", name_en="Danger signs")


def flash(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


def question_data(category, **values) -> dict:
    data = {
        "category": category.pk,
        "kind": "single",
        "text_zh": "问题",
        "text_en": "Which one?",
        "explanation_zh": "解析",
        "explanation_en": "Because.",
        "option1_zh": "甲",
        "option1_en": "A",
        "option2_zh": "乙",
        "option2_en": "B",
        "option2_correct": "on",
    }
    data.update(values)
    return data


# --- The bank ------------------------------------------------------------------------------------------


def test_the_bank_lists_questions_by_category(client, manager, category):
    QuestionFactory(category=category, text_en="How fast is fast breathing?")
    client.force_login(manager)

    response = client.get(reverse("training:question_bank", args=["fever"]))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Danger signs" in content
    assert "How fast is fast breathing?" in content


def test_the_bank_is_for_managers_only(client, doctor, category):
    client.force_login(doctor)
    assert client.get(reverse("training:question_bank", args=["fever"])).status_code == 403
    assert client.post(reverse("training:question_new", args=["fever"]), question_data(category)).status_code == 403
    assert not Question.objects.exists()


def test_an_unknown_course_is_a_404(client, manager):
    client.force_login(manager)
    assert client.get(reverse("training:question_bank", args=["nope"])).status_code == 404


def test_adding_a_category(client, manager, course):
    client.force_login(manager)

    response = client.post(
        reverse("training:question_category_add", args=["fever"]),
        {"code": "breathing", "name_zh": "呼吸", "name_en": "Breathing"},
    )

    assert response.status_code == 302
    assert QuestionCategory.objects.get(course=course, code="breathing").name_en == "Breathing"
    duplicate = client.post(
        reverse("training:question_category_add", args=["fever"]), {"code": "breathing", "name_zh": "x", "name_en": "y"}
    )
    assert duplicate.status_code == 400
    assert client.get(reverse("training:question_category_add", args=["fever"])).status_code == 405


# --- Questions -----------------------------------------------------------------------------------------


def test_adding_a_single_choice_question(client, manager, category):
    client.force_login(manager)

    response = client.post(reverse("training:question_new", args=["fever"]), question_data(category))

    assert response.status_code == 302
    question = Question.objects.get()
    assert (question.course, question.category, question.kind) == (category.course, category, "single")
    assert [(c.text_en, c.is_correct) for c in question.choices.all()] == [("A", False), ("B", True)]


def test_a_true_or_false_question_needs_only_its_answer(client, manager, category):
    client.force_login(manager)

    client.post(
        reverse("training:question_new", args=["fever"]),
        question_data(
            category,
            kind="true_false",
            option1_zh="",
            option1_en="",
            option2_zh="",
            option2_en="",
            true_false_answer="false",
        ),
    )

    question = Question.objects.get()
    assert [(c.text_en, c.is_correct) for c in question.choices.all()] == [("True", False), ("False", True)]


def test_a_question_with_a_wrong_key_is_refused(client, manager, category):
    client.force_login(manager)

    response = client.post(
        reverse("training:question_new", args=["fever"]), question_data(category, option1_correct="on")
    )

    assert response.status_code == 400
    assert "exactly one correct option" in response.content.decode()
    assert not Question.objects.exists()


def test_editing_a_question(client, manager, category):
    question = QuestionFactory(category=category)
    client.force_login(manager)
    url = reverse("training:question_edit", args=[question.public_id])
    assert client.get(url).status_code == 200

    response = client.post(url, question_data(category, text_en="Reworded", option3_zh="丙", option3_en="C"))

    assert response.status_code == 302
    question.refresh_from_db()
    assert question.text_en == "Reworded"
    assert [c.text_en for c in question.choices.all()] == ["A", "B", "C"]


def test_the_key_of_a_question_used_in_an_attempt_cannot_change_but_its_wording_can(client, manager, doctor):
    exam = exam_with_bank(categories=1, per_category=2, draw=2)
    completed_enrolment(exam.course, doctor)
    exam.start_attempt(doctor)
    question = Question.objects.filter(course=exam.course).first()
    category = question.category
    client.force_login(manager)
    url = reverse("training:question_edit", args=[question.public_id])
    options = {
        f"option{n}_{lang}": getattr(choice, f"text_{lang}")
        for n, choice in enumerate(question.choices.all(), start=1)
        for lang in ("zh", "en")
    }

    refused = client.post(url, {**question_data(category), **options, "option2_correct": "on"})
    fixed = client.post(
        url,
        {**question_data(category, text_en="Typo fixed"), **options, "option1_correct": "on", "option2_correct": ""},
    )

    assert refused.status_code == 400
    assert "answer key cannot change" in refused.content.decode()
    assert fixed.status_code == 302
    question.refresh_from_db()
    assert question.text_en == "Typo fixed"
    assert [c.is_correct for c in question.choices.all()] == [True, False, False, False]


def test_retiring_and_restoring_a_question(client, manager, category):
    question = QuestionFactory(category=category)
    client.force_login(manager)

    client.post(reverse("training:question_retire", args=[question.public_id]))
    question.refresh_from_db()
    assert question.is_active is False

    client.post(reverse("training:question_restore", args=[question.public_id]))
    question.refresh_from_db()
    assert question.is_active is True
    assert client.get(reverse("training:question_retire", args=[question.public_id])).status_code == 405


def test_retiring_a_question_a_published_exam_needs_is_refused(client, manager):
    exam = exam_with_bank(categories=1, per_category=2, draw=2)
    question = Question.objects.filter(course=exam.course).first()
    client.force_login(manager)

    response = client.post(reverse("training:question_retire", args=[question.public_id]))

    assert "too few questions" in flash(response)[0]
    question.refresh_from_db()
    assert question.is_active is True


def test_question_pages_are_forbidden_to_learners(client, doctor, category):
    question = QuestionFactory(category=category)
    client.force_login(doctor)

    assert client.get(reverse("training:question_edit", args=[question.public_id])).status_code == 403
    assert client.post(reverse("training:question_retire", args=[question.public_id])).status_code == 403
    question.refresh_from_db()
    assert question.is_active


# --- Settings and publishing -----------------------------------------------------------------------------


def test_saving_the_settings_creates_the_exam_and_its_draws(client, manager, category):
    QuestionFactory.create_batch(3, category=category)
    client.force_login(manager)
    url = reverse("training:exam_settings", args=["fever"])
    assert client.get(url).status_code == 200

    response = client.post(
        url,
        {
            "time_limit_minutes": 25,
            "pass_mark_percent": 70,
            "attempts_allowed": 2,
            "wait_minutes": 30,
            "show_answers": "",
            "requires_completion": "on",
            f"draw_{category.pk}": 3,
        },
    )

    assert response.status_code == 302
    exam = Exam.objects.get(course=category.course)
    assert (exam.time_limit_minutes, exam.pass_mark_percent, exam.attempts_allowed, exam.wait_minutes) == (
        25,
        70,
        2,
        30,
    )
    assert (exam.show_answers, exam.requires_completion, exam.status) == (False, True, "draft")
    assert exam.question_count == 3


def test_publishing_through_the_page_is_refused_with_the_shortfall(client, manager, category):
    exam = exam_with_bank(category.course, categories=0, publish=False)
    QuestionFactory.create_batch(2, category=category)
    exam.draw_rules.create(category=category, count=3)
    client.force_login(manager)

    response = client.post(reverse("training:exam_publish", args=["fever"]))

    assert "“Danger signs” has 2 active questions; the exam draws 3." in flash(response)[0]
    exam.refresh_from_db()
    assert exam.status == "draft"
    page = client.get(reverse("training:exam_settings", args=["fever"])).content.decode()
    assert 'data-testid="shortfalls"' in page


def test_publishing_and_closing(client, manager, category):
    exam = exam_with_bank(category.course, categories=1, per_category=3, draw=2, publish=False)
    client.force_login(manager)

    client.post(reverse("training:exam_publish", args=["fever"]))
    exam.refresh_from_db()
    assert exam.status == "published"

    client.post(reverse("training:exam_unpublish", args=["fever"]))
    exam.refresh_from_db()
    assert exam.status == "draft"
    assert client.get(reverse("training:exam_publish", args=["fever"])).status_code == 405


def test_settings_are_forbidden_to_learners(client, doctor, category):
    exam = exam_with_bank(category.course, categories=1, per_category=3, draw=2, publish=False)
    client.force_login(doctor)

    assert client.get(reverse("training:exam_settings", args=["fever"])).status_code == 403
    assert client.post(reverse("training:exam_publish", args=["fever"])).status_code == 403
    exam.refresh_from_db()
    assert exam.status == "draft"


# --- Overrides -----------------------------------------------------------------------------------------


def test_setting_a_learners_extra_time_and_attempts(client, manager, doctor, category):
    exam = exam_with_bank(category.course, categories=1, per_category=3, draw=2)
    completed_enrolment(exam.course, doctor)
    client.force_login(manager)
    url = reverse("training:exam_overrides", args=["fever"])

    response = client.post(url, {"learner": doctor.pk, "extra_minutes": 15, "extra_attempts": 1, "reason": "视力障碍"})
    client.post(url, {"learner": doctor.pk, "extra_minutes": 20, "extra_attempts": 1, "reason": "视力障碍"})

    assert response.status_code == 302
    override = ExamOverride.objects.get(exam=exam, user=doctor)
    assert (override.extra_minutes, override.extra_attempts, override.set_by) == (20, 1, manager)
    assert doctor.display_name in client.get(url).content.decode()


def test_only_enrolled_learners_can_be_given_overrides(client, manager, outsider, category):
    exam_with_bank(category.course, categories=1, per_category=3, draw=2)
    client.force_login(manager)

    response = client.post(
        reverse("training:exam_overrides", args=["fever"]),
        {"learner": outsider.pk, "extra_minutes": 5, "extra_attempts": 0},
    )

    assert response.status_code == 400
    assert not ExamOverride.objects.exists()


def test_overrides_are_forbidden_to_learners(client, doctor, category):
    exam_with_bank(category.course, categories=1, per_category=3, draw=2)
    client.force_login(doctor)

    response = client.post(
        reverse("training:exam_overrides", args=["fever"]),
        {"learner": doctor.pk, "extra_minutes": 60, "extra_attempts": 9},
    )

    assert response.status_code == 403
    assert not ExamOverride.objects.exists()
