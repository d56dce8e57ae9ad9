"""Question import from CSV (training/importers.py and the import page): the template, all
or nothing with the errors listed by line, updates by ref, the encodings Excel writes."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import CourseFactory, QuestionFactory, completed_enrolment, exam_with_bank
from training.importers import COLUMNS, TEMPLATE_ROWS, import_questions, template_csv
from training.models import Question, QuestionCategory

pytestmark = pytest.mark.django_db


@pytest.fixture
def course():
    return CourseFactory(slug="fever")


def csv_bytes(rows: list[dict], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode(encoding)


def row(**values) -> dict:
    base = {
        "category_code": "basics",
        "category_zh": "基础",
        "category_en": "Basics",
        "kind": "single",
        "question_zh": "问题",
        "question_en": "Question",
        "option1_zh": "甲",
        "option1_en": "A",
        "option2_zh": "乙",
        "option2_en": "B",
        "correct": "2",
        "explanation_zh": "解析",
        "explanation_en": "Explanation",
    }
    base.update(values)
    return base


def test_the_template_imports_as_it_is(course):
    data = template_csv()
    assert data.startswith("\ufeff".encode())  # Excel reads it as UTF-8

    result = import_questions(course, data)

    assert result.ok, result.errors
    assert (result.created, result.updated, result.categories_created) == (3, 0, 1)
    questions = {q.ref: q for q in Question.objects.filter(course=course).prefetch_related("choices")}
    assert set(questions) == {r["ref"] for r in TEMPLATE_ROWS}
    multiple = questions["fever-002"]
    assert multiple.kind == "multiple"
    assert [(c.text_en, c.is_correct) for c in multiple.choices.all()] == [
        ("Not able to drink or breastfeed", True),
        ("Vomits everything", True),
        ("Runny nose", False),
    ]
    true_false = questions["fever-003"]
    assert [(c.text_zh, c.text_en, c.is_correct) for c in true_false.choices.all()] == [
        ("正确", "True", True),
        ("错误", "False", False),
    ]
    assert QuestionCategory.objects.get(course=course, code="fever-basics").name_en == "Fever basics"


def test_any_error_imports_nothing_and_lists_the_errors_by_line(course):
    rows = [
        row(ref="ok-1"),
        row(ref="bad-kind", kind="essay"),
        row(ref="no-correct", correct=""),
        row(ref="two-correct", correct="1,2"),
        row(ref="ok-1"),
        row(ref="gap", option3_zh="", option3_en="", option4_zh="丁", option4_en="D", correct="4"),
        row(ref="new-cat", category_code="other", category_zh="", category_en=""),
        row(ref="tf", kind="true_false", correct="maybe"),
    ]

    result = import_questions(course, csv_bytes(rows))

    assert not result.ok
    lines = {line for line, _error in result.errors}
    assert lines == {3, 4, 5, 6, 7, 8, 9}
    messages = dict(result.errors)
    assert "essay" in messages[3]
    assert "“correct” is empty" in messages[4]
    assert "exactly one correct option" in messages[5]
    assert "also on line 2" in messages[6]
    assert "no gap" in messages[7]
    assert "category “other” is new" in messages[8]
    assert "true or false" in messages[9]
    assert Question.objects.count() == 0
    assert QuestionCategory.objects.count() == 0


def test_a_known_ref_updates_the_question(course):
    import_questions(course, csv_bytes([row(ref="q-1")]))

    result = import_questions(course, csv_bytes([row(ref="q-1", question_en="Better wording", option1_en="A.")]))

    assert (result.created, result.updated) == (0, 1)
    question = Question.objects.get(course=course, ref="q-1")
    assert question.text_en == "Better wording"
    assert [c.text_en for c in question.choices.all()] == ["A.", "B"]


def test_the_key_of_a_question_used_in_exams_cannot_change(course, doctor):
    import_questions(course, csv_bytes([row(ref="q-1"), row(ref="q-2")]))
    exam = exam_with_bank(course, categories=0)
    exam.draw_rules.create(category=QuestionCategory.objects.get(course=course), count=2)
    completed_enrolment(course, doctor)
    exam.start_attempt(doctor)

    result = import_questions(course, csv_bytes([row(ref="q-1", correct="1"), row(ref="q-2", question_en="Reworded")]))

    assert result.errors == [(2, "Question “q-1” has been used in exams: its kind and answer key cannot change.")]
    assert Question.objects.get(ref="q-2").text_en == "Question"  # nothing imported


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_excel_encodings_are_read(course, encoding):
    result = import_questions(course, csv_bytes([row(ref="q-1", question_zh="小儿发热")], encoding=encoding))

    assert result.ok, result.errors
    assert Question.objects.get(ref="q-1").text_zh == "小儿发热"


def test_a_file_that_is_not_csv_text_or_lacks_columns_is_refused(course):
    assert import_questions(course, b"\xff\xfe\x00garbage\x81\xfe").errors[0][0] == 0
    result = import_questions(course, b"question,answer\nx,y\n")
    assert result.errors[0][0] == 1 and "Missing columns" in result.errors[0][1]


# --- The page ------------------------------------------------------------------------------------------


def upload(data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("questions.csv", data, content_type="text/csv")


def test_a_manager_imports_through_the_page(client, manager, course):
    client.force_login(manager)

    response = client.post(reverse("training:question_import", args=[course.slug]), {"file": upload(template_csv())})

    assert response.status_code == 302
    assert response.url == reverse("training:question_bank", args=[course.slug])
    assert Question.objects.filter(course=course).count() == 3


def test_the_page_lists_the_errors_and_imports_nothing(client, manager, course, english):
    client.force_login(manager)

    response = client.post(
        reverse("training:question_import", args=[course.slug]), {"file": upload(csv_bytes([row(), row(kind="x")]))}
    )

    assert response.status_code == 400
    content = response.content.decode()
    assert 'data-testid="import-errors"' in content
    assert "Line 3:" in content
    assert Question.objects.count() == 0


def test_the_template_download(client, manager):
    client.force_login(manager)

    response = client.get(reverse("training:question_template"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response.content.decode("utf-8-sig").splitlines()[0] == ",".join(COLUMNS)


def test_importing_is_for_managers_only(client, doctor, course):
    client.force_login(doctor)

    assert client.get(reverse("training:question_import", args=[course.slug])).status_code == 403
    assert (
        client.post(
            reverse("training:question_import", args=[course.slug]), {"file": upload(template_csv())}
        ).status_code
        == 403
    )
    assert client.get(reverse("training:question_template")).status_code == 403
    assert Question.objects.count() == 0


def test_the_import_page_answers_get_and_post_only(client, manager, course):
    client.force_login(manager)
    assert client.put(reverse("training:question_import", args=[course.slug])).status_code == 405
    assert client.post(reverse("training:question_template")).status_code == 405


def test_questions_of_another_course_are_not_touched(course):
    other = QuestionFactory(ref="q-1")

    import_questions(course, csv_bytes([row(ref="q-1", question_en="Mine")]))

    other.refresh_from_db()
    assert other.text_en != "Mine"
    assert Question.objects.get(course=course, ref="q-1").text_en == "Mine"
