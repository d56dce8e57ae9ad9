"""The learner's exam pages (training/views/exams.py): the panel on the course page, starting,
the attempt page, saving answers, submitting and the result. Another learner's attempt is a
404; people who are not doctors get a 403; wrong methods a 405."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cloudpeds.accounts.roles import Role
from tests.factories import UserFactory, completed_enrolment, exam_with_bank
from training.models import Attempt, Certificate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def exam(doctor, outsider):
    exam = exam_with_bank(categories=2, per_category=3, draw=2, pass_mark_percent=75)
    completed_enrolment(exam.course, doctor)
    completed_enrolment(exam.course, outsider)
    return exam


@pytest.fixture
def editor(xinhua):
    return UserFactory(username="editor", hospital=xinhua, roles=[Role.HANDBOOK_EDITOR])


def panel_url(exam) -> str:
    return reverse("training:exam_panel", args=[exam.course.slug])


def start_url(exam) -> str:
    return reverse("training:exam_start", args=[exam.course.slug])


def answer_url(attempt, position: int) -> str:
    return reverse("training:attempt_answer", args=[attempt.public_id, position])


def correct_indexes(item) -> list[int]:
    key = item.question.correct_choice_ids()
    return [index for index, pk in enumerate(item.choice_order) if pk in key]


# --- The panel -------------------------------------------------------------------------------------


def test_the_panel_offers_to_start(client, doctor, exam):
    client.force_login(doctor)

    response = client.get(panel_url(exam), **HTMX)

    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-state="can_start"' in content
    assert f'action="{start_url(exam)}"' in content
    assert "4 questions, drawn at random" in content


def test_the_panel_shows_locked_until_the_course_is_completed(client, exam):
    learner = UserFactory(roles=[Role.GRASSROOTS_DOCTOR])
    from tests.factories import EnrolmentFactory

    EnrolmentFactory(course=exam.course, user=learner)
    client.force_login(learner)

    response = client.get(panel_url(exam))

    assert 'data-state="locked"' in response.content.decode()


def test_the_panel_shows_attempts_used_the_last_result_and_the_wait(client, doctor, exam):
    attempt = exam.start_attempt(doctor)
    attempt.submit()
    client.force_login(doctor)

    content = client.get(panel_url(exam)).content.decode()

    assert 'data-state="waiting"' in content
    assert "Attempts used: 1 of 3." in content
    assert "Last attempt: 0%" in content
    assert reverse("training:attempt_result", args=[attempt.public_id]) in content


def test_the_panel_for_a_manager_links_the_management_pages(client, manager, exam):
    client.force_login(manager)

    content = client.get(panel_url(exam)).content.decode()

    assert reverse("training:question_bank", args=[exam.course.slug]) in content
    assert reverse("training:item_analysis", args=[exam.course.slug]) in content


def test_the_panel_is_forbidden_to_people_who_are_neither_learners_nor_managers(client, editor, exam):
    client.force_login(editor)
    assert client.get(panel_url(exam)).status_code == 403


def test_the_panel_of_a_draft_course_is_a_404_to_learners_not_enrolled(client, exam):
    type(exam.course).objects.filter(pk=exam.course.pk).update(status="draft")
    client.force_login(UserFactory(roles=[Role.GRASSROOTS_DOCTOR]))
    assert client.get(panel_url(exam)).status_code == 404


def test_the_panel_answers_get_only(client, doctor, exam):
    client.force_login(doctor)
    assert client.post(panel_url(exam)).status_code == 405


def test_the_panel_needs_sign_in(client, exam):
    response = client.get(panel_url(exam))
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


# --- Starting ----------------------------------------------------------------------------------------


def test_starting_creates_the_attempt_and_opens_it(client, doctor, exam):
    client.force_login(doctor)

    response = client.post(start_url(exam))

    attempt = Attempt.objects.get(exam=exam, user=doctor)
    assert response.status_code == 302
    assert response.url == reverse("training:attempt", args=[attempt.public_id])
    assert attempt.items.count() == 4


def test_starting_again_continues_the_open_attempt(client, doctor, exam):
    client.force_login(doctor)
    client.post(start_url(exam))

    response = client.post(start_url(exam))

    attempt = Attempt.objects.get(exam=exam, user=doctor)
    assert response.url == attempt.get_absolute_url()


def test_a_refused_start_explains_why(client, doctor, exam):
    exam.start_attempt(doctor).submit()
    client.force_login(doctor)

    response = client.post(start_url(exam), follow=True)

    assert Attempt.objects.filter(exam=exam, user=doctor).count() == 1
    assert "Please wait before your next attempt." in [str(m) for m in response.context["messages"]]


def test_starting_is_forbidden_to_non_doctors_and_post_only(client, editor, doctor, exam):
    client.force_login(editor)
    assert client.post(start_url(exam)).status_code == 403
    client.force_login(doctor)
    assert client.get(start_url(exam)).status_code == 405
    assert not Attempt.objects.exists()


# --- The attempt page --------------------------------------------------------------------------------


def test_the_attempt_page_shows_the_questions_and_the_server_deadline(client, doctor, exam):
    attempt = exam.start_attempt(doctor)
    client.force_login(doctor)

    response = client.get(attempt.get_absolute_url())

    assert response.status_code == 200
    content = response.content.decode()
    assert content.count('data-testid="question"') == 4
    timer = json.loads(content.split('id="exam-timer" type="application/json">')[1].split("</script>")[0])
    assert timer["deadline"] == attempt.deadline.isoformat()
    assert timer["graceSeconds"] == 60
    assert "js/training_exam.js" in content
    assert {"max-age=0", "no-cache", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}


def test_reloading_shows_the_answers_saved_so_far(client, doctor, exam):
    attempt = exam.start_attempt(doctor)
    item = attempt.items.get(position=2)
    attempt.answer(2, [1])
    client.force_login(doctor)

    content = client.get(attempt.get_absolute_url()).content.decode()

    assert _checked(content, "q2-o1")
    assert not _checked(content, "q2-o0")
    assert item.question.text_en in content


def _checked(content: str, input_id: str) -> bool:
    tag = content.split(f'id="{input_id}"')[1].split(">")[0]
    return "checked" in tag


def test_another_learners_attempt_is_a_404_everywhere(client, doctor, outsider, exam):
    attempt = exam.start_attempt(doctor)
    client.force_login(outsider)

    assert client.get(attempt.get_absolute_url()).status_code == 404
    assert client.post(answer_url(attempt, 1), {"option": "0"}, **HTMX).status_code == 404
    assert client.post(reverse("training:attempt_submit", args=[attempt.public_id])).status_code == 404
    assert client.get(reverse("training:attempt_result", args=[attempt.public_id])).status_code == 404
    attempt.refresh_from_db()
    assert attempt.status == "open"
    assert attempt.items.get(position=1).selected == []


def test_the_attempt_page_is_forbidden_to_non_doctors(client, doctor, editor, exam):
    attempt = exam.start_attempt(doctor)
    client.force_login(editor)
    assert client.get(attempt.get_absolute_url()).status_code == 403


def test_an_attempt_past_its_time_goes_to_the_result(client, doctor, exam):
    attempt = exam.start_attempt(doctor, now=timezone.now() - timedelta(hours=2))
    client.force_login(doctor)

    response = client.get(attempt.get_absolute_url())

    assert response.url == reverse("training:attempt_result", args=[attempt.public_id])
    attempt.refresh_from_db()
    assert (attempt.status, attempt.submitted_at) == ("submitted", attempt.deadline)


# --- Saving answers ----------------------------------------------------------------------------------


def test_an_answer_is_saved_and_the_response_says_so(client, doctor, exam):
    attempt = exam.start_attempt(doctor)
    client.force_login(doctor)

    response = client.post(answer_url(attempt, 1), {"option": "2"}, **HTMX)

    assert response.status_code == 200
    assert 'data-testid="saved"' in response.content.decode()
    assert "Saved" in response.content.decode()
    item = attempt.items.get(position=1)
    assert item.selected == [item.choice_order[2]]


def test_changing_an_answer_replaces_it_and_an_empty_post_clears_it(client, doctor, exam):
    attempt = exam.start_attempt(doctor)
    client.force_login(doctor)
    client.post(answer_url(attempt, 1), {"option": "2"}, **HTMX)
    client.post(answer_url(attempt, 1), {"option": "0"}, **HTMX)
    item = attempt.items.get(position=1)
    assert item.selected == [item.choice_order[0]]

    client.post(answer_url(attempt, 1), {}, **HTMX)

    assert attempt.items.get(position=1).selected == []


def test_an_answer_after_the_grace_period_is_refused_with_the_reason(client, doctor, exam):
    attempt = exam.start_attempt(doctor, now=timezone.now() - timedelta(minutes=31, seconds=1))
    client.force_login(doctor)

    response = client.post(answer_url(attempt, 1), {"option": "0"}, **HTMX)

    assert response.status_code == 409
    assert response["Content-Type"].startswith("text/plain")
    assert "The time for this attempt is over" in response.content.decode()
    assert attempt.items.get(position=1).selected == []


def test_an_option_that_does_not_exist_is_a_400(client, doctor, exam):
    attempt = exam.start_attempt(doctor)
    client.force_login(doctor)

    assert client.post(answer_url(attempt, 1), {"option": "7"}, **HTMX).status_code == 400
    assert client.post(answer_url(attempt, 99), {"option": "0"}, **HTMX).status_code == 404


def test_answers_are_post_only(client, doctor, exam):
    attempt = exam.start_attempt(doctor)
    client.force_login(doctor)
    assert client.get(answer_url(attempt, 1)).status_code == 405


# --- Submitting and the result -----------------------------------------------------------------------


def test_submitting_grades_and_shows_the_result_with_answers_and_the_certificate(client, doctor, exam):
    attempt = exam.start_attempt(doctor)
    client.force_login(doctor)
    for item in attempt.items.select_related("question"):
        client.post(answer_url(attempt, item.position), {"option": correct_indexes(item)}, **HTMX)

    response = client.post(reverse("training:attempt_submit", args=[attempt.public_id]))

    assert response.url == reverse("training:attempt_result", args=[attempt.public_id])
    attempt.refresh_from_db()
    assert (attempt.status, attempt.correct_count, attempt.score_percent, attempt.passed) == ("submitted", 4, 100, True)
    certificate = Certificate.objects.get(holder=doctor)
    result = client.get(response.url).content.decode()
    assert "You passed" in result
    assert "100% (4 of 4 correct)" in result
    assert reverse("training:certificate", args=[certificate.public_id]) in result
    assert result.count('data-testid="review-question"') == 4
    assert "Explanation" in result


def test_the_result_hides_the_answers_when_the_exam_says_so(client, doctor, exam):
    exam.show_answers = False
    exam.save()
    attempt = exam.start_attempt(doctor)
    attempt.submit()
    client.force_login(doctor)

    content = client.get(reverse("training:attempt_result", args=[attempt.public_id])).content.decode()

    assert "Not passed this time" in content
    assert 'data-testid="review-question"' not in content
    assert "The correct answers of this exam are not shown." in content


def test_submitting_twice_grades_once(client, doctor, exam):
    attempt = exam.start_attempt(doctor)
    client.force_login(doctor)
    url = reverse("training:attempt_submit", args=[attempt.public_id])
    client.post(url)
    attempt.refresh_from_db()
    first = attempt.submitted_at

    response = client.post(url)

    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.submitted_at == first


def test_submit_is_post_only(client, doctor, exam):
    attempt = exam.start_attempt(doctor)
    client.force_login(doctor)
    assert client.get(reverse("training:attempt_submit", args=[attempt.public_id])).status_code == 405
    attempt.refresh_from_db()
    assert attempt.status == "open"


def test_the_result_of_an_open_attempt_leads_back_to_it(client, doctor, exam):
    attempt = exam.start_attempt(doctor)
    client.force_login(doctor)

    response = client.get(reverse("training:attempt_result", args=[attempt.public_id]))

    assert response.url == attempt.get_absolute_url()
