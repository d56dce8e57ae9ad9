"""The attempt's navigator, flags for review and the summary before submitting
(training/views/exams.py: take_exam, flag_question, attempt_summary). The summary lists the
unanswered and flagged questions; only its confirmation hands the attempt in."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import completed_enrolment, exam_with_bank
from training.models import Attempt

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def exam(doctor, outsider):
    exam = exam_with_bank(categories=2, per_category=3, draw=2, pass_mark_percent=75)
    completed_enrolment(exam.course, doctor)
    completed_enrolment(exam.course, outsider)
    return exam


def flag_url(attempt, position: int) -> str:
    return reverse("training:attempt_flag", args=[attempt.public_id, position])


def summary_url(attempt) -> str:
    return reverse("training:attempt_summary", args=[attempt.public_id])


def nav_button(content: str, position: int) -> str:
    return re.search(rf'<a href="#q-{position}"\s+id="nav-{position}"[^>]*>', content).group(0)


def test_the_navigator_shows_answered_flagged_and_the_count(client, doctor, exam):
    attempt = exam.start_attempt(doctor)
    attempt.answer(1, [0])
    attempt.answer(3, [1])
    attempt.flag(2, True)
    client.force_login(doctor)

    content = client.get(attempt.get_absolute_url()).content.decode()

    assert content.count('data-testid="nav-button"') == 4
    assert 'data-answered="true"' in nav_button(content, 1)
    assert 'data-answered="false"' in nav_button(content, 2)
    assert 'data-flagged="true"' in nav_button(content, 2)
    assert 'data-flagged="false"' in nav_button(content, 3)
    assert "2 of 4 answered" in content
    assert 'id="q-4"' in content
    # The visible button leads to the summary; only a hidden form (the time-out) submits.
    assert f'href="{summary_url(attempt)}"' in content
    assert 'data-testid="exam-submit"' not in content


def test_an_answer_updates_the_navigator_and_the_count(client, doctor, exam):
    attempt = exam.start_attempt(doctor)
    client.force_login(doctor)

    content = client.post(reverse("training:attempt_answer", args=[attempt.public_id, 2]), {"option": "0"}, **HTMX)
    content = content.content.decode()

    assert 'id="nav-2"' in content
    assert 'hx-swap-oob="true"' in nav_button(content, 2)
    assert 'data-answered="true"' in nav_button(content, 2)
    assert "1 of 4 answered" in content


def test_flagging_and_unflagging_a_question(client, doctor, exam):
    attempt = exam.start_attempt(doctor)
    client.force_login(doctor)

    response = client.post(flag_url(attempt, 3), {"flagged": "1"}, **HTMX)

    assert response.status_code == 200
    content = response.content.decode()
    assert 'aria-pressed="true"' in content
    assert 'data-flagged="true"' in nav_button(content, 3)
    assert attempt.items.get(position=3).flagged is True

    client.post(flag_url(attempt, 3), {"flagged": "0"}, **HTMX)
    assert attempt.items.get(position=3).flagged is False


def test_flagging_without_javascript_returns_to_the_question(client, doctor, exam):
    attempt = exam.start_attempt(doctor)
    client.force_login(doctor)

    response = client.post(flag_url(attempt, 2), {"flagged": "1"})

    assert response.status_code == 302
    assert response.url == f"{attempt.get_absolute_url()}#q-2"
    assert attempt.items.get(position=2).flagged is True


def test_flagging_twice_is_one_flag_and_a_submitted_attempt_refuses(client, doctor, exam):
    attempt = exam.start_attempt(doctor)
    client.force_login(doctor)
    client.post(flag_url(attempt, 1), {"flagged": "1"}, **HTMX)
    client.post(flag_url(attempt, 1), {"flagged": "1"}, **HTMX)
    assert attempt.items.filter(flagged=True).count() == 1

    attempt.submit()
    response = client.post(flag_url(attempt, 2), {"flagged": "1"}, **HTMX)

    assert response.status_code == 409
    assert "submitted" in response.content.decode()
    assert not attempt.items.get(position=2).flagged


def test_a_question_that_does_not_exist_is_a_404(client, doctor, exam):
    attempt = exam.start_attempt(doctor)
    client.force_login(doctor)
    assert client.post(flag_url(attempt, 9), {"flagged": "1"}).status_code == 404


def test_the_summary_lists_unanswered_and_flagged_questions_and_submits_nothing(client, doctor, exam):
    attempt = exam.start_attempt(doctor)
    attempt.answer(1, [0])
    attempt.answer(2, [0])
    attempt.flag(2, True)
    client.force_login(doctor)

    response = client.get(summary_url(attempt))

    assert response.status_code == 200
    content = response.content.decode()
    unanswered = content.split('data-testid="summary-unanswered"')[1].split("</div>")[0]
    flagged = content.split('data-testid="summary-flagged"')[1].split("</div>")[0]
    assert re.findall(r"#q-(\d)", unanswered) == ["3", "4"]
    assert re.findall(r"#q-(\d)", flagged) == ["2"]
    assert "2 of 4 answered" in content
    assert f'action="{reverse("training:attempt_submit", args=[attempt.public_id])}"' in content
    assert 'id="exam-timer"' in content  # the countdown (and the time-out submit) keep running
    assert {"max-age=0", "no-cache", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}
    attempt.refresh_from_db()
    assert attempt.status == "open"


def test_the_summary_says_when_everything_is_answered(client, doctor, exam):
    attempt = exam.start_attempt(doctor)
    for position in range(1, 5):
        attempt.answer(position, [0])
    client.force_login(doctor)

    content = client.get(summary_url(attempt)).content.decode()

    assert 'data-testid="summary-complete"' in content
    assert 'data-testid="summary-unanswered"' not in content


def test_confirming_on_the_summary_submits_once(client, doctor, exam):
    attempt = exam.start_attempt(doctor)
    client.force_login(doctor)
    submit = reverse("training:attempt_submit", args=[attempt.public_id])

    first = client.post(submit)
    second = client.post(submit)

    assert first.url == second.url == reverse("training:attempt_result", args=[attempt.public_id])
    assert Attempt.objects.filter(pk=attempt.pk, status="submitted").count() == 1
    # The summary of a submitted attempt goes to the result.
    assert client.get(summary_url(attempt)).url == reverse("training:attempt_result", args=[attempt.public_id])


def test_the_summary_of_an_attempt_past_its_time_submits_it_as_of_the_deadline(client, doctor, exam):
    attempt = exam.start_attempt(doctor, now=timezone.now() - timedelta(hours=2))
    client.force_login(doctor)

    response = client.get(summary_url(attempt))

    assert response.url == reverse("training:attempt_result", args=[attempt.public_id])
    attempt.refresh_from_db()
    assert (attempt.status, attempt.submitted_at) == ("submitted", attempt.deadline)


def test_another_learners_attempt_is_a_404_on_flag_and_summary(client, doctor, outsider, exam):
    attempt = exam.start_attempt(doctor)
    client.force_login(outsider)

    assert client.get(summary_url(attempt)).status_code == 404
    assert client.post(flag_url(attempt, 1), {"flagged": "1"}, **HTMX).status_code == 404
    assert not attempt.items.filter(flagged=True).exists()


def test_flag_and_summary_are_refused_to_non_doctors_and_check_methods(client, doctor, manager, exam):
    attempt = exam.start_attempt(doctor)
    client.force_login(manager)
    assert client.get(summary_url(attempt)).status_code == 403
    assert client.post(flag_url(attempt, 1), {"flagged": "1"}).status_code == 403

    client.force_login(doctor)
    assert client.get(flag_url(attempt, 1)).status_code == 405
    assert client.post(summary_url(attempt)).status_code == 405


def test_the_summary_in_chinese(client, doctor, exam, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    doctor.preferred_language = "zh-hans"
    doctor.save(update_fields=["preferred_language"])
    attempt = exam.start_attempt(doctor)
    client.force_login(doctor)

    content = client.get(summary_url(attempt)).content.decode()

    assert "答题情况汇总" in content
    assert "已答 0 题，共 4 题" in content
    assert "未作答" in content
