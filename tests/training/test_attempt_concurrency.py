"""Two tabs and double submits, on PostgreSQL with real concurrent transactions: one open
attempt per learner and exam, one grading per attempt, one certificate per pass."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse

from tests.factories import completed_enrolment, exam_with_bank
from training.models import Attempt, AttemptQuestion, Certificate

pytestmark = pytest.mark.django_db


@pytest.fixture
def exam(doctor):
    exam = exam_with_bank(categories=1, per_category=4, draw=3, pass_mark_percent=60)
    completed_enrolment(exam.course, doctor)
    return exam


def answer_all_correctly(attempt: Attempt) -> None:
    for item in attempt.items.select_related("question").prefetch_related("question__choices"):
        correct = item.question.correct_choice_ids()
        attempt.answer(item.position, [i for i, pk in enumerate(item.choice_order) if pk in correct])


def run_at_once(work, count: int = 2) -> list:
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = work(index)
        except Exception as error:  # noqa: BLE001 - reported to the test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_a_second_tab_continues_the_same_attempt(exam, doctor):
    first = exam.start_attempt(doctor)
    second = exam.start_attempt(doctor)

    assert first.pk == second.pk
    assert Attempt.objects.filter(exam=exam, user=doctor).count() == 1


def test_the_database_allows_one_open_attempt_per_learner_and_exam(exam, doctor):
    attempt = exam.start_attempt(doctor)

    with pytest.raises(IntegrityError), transaction.atomic():
        Attempt.objects.create(
            exam=exam, user=doctor, number=2, started_at=attempt.started_at, deadline=attempt.deadline
        )


@pytest.mark.django_db(transaction=True)
def test_two_tabs_starting_at_the_same_moment_get_one_attempt(exam, doctor):
    results = run_at_once(lambda index: exam.start_attempt(doctor).pk)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert results[0] == results[1]
    assert Attempt.objects.filter(exam=exam, user=doctor).count() == 1
    assert AttemptQuestion.objects.filter(attempt__exam=exam).count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_submits_at_once_over_http_grade_once(exam, doctor):
    attempt = exam.start_attempt(doctor)
    answer_all_correctly(attempt)
    url = reverse("training:attempt_submit", args=[attempt.public_id])
    clients = [Client(), Client()]
    for client in clients:
        client.force_login(doctor)

    responses = run_at_once(lambda index: clients[index].post(url))

    assert [response.status_code for response in responses] == [302, 302]
    attempt.refresh_from_db()
    assert attempt.status == "submitted"
    assert (attempt.correct_count, attempt.score_percent, attempt.passed) == (3, 100, True)
    assert Certificate.objects.filter(holder=doctor, course=exam.course).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_passes_graded_at_once_issue_one_certificate(doctor):
    """Two different passed attempts reach Certificate.issue_for at the same moment (the
    partial unique constraint decides; the loser gets the winner's certificate)."""
    exam = exam_with_bank(categories=1, per_category=4, draw=2, attempts_allowed=5, wait_minutes=0)
    completed_enrolment(exam.course, doctor)
    attempts = []
    for number in (1, 2):
        attempt = Attempt.objects.create(
            exam=exam,
            user=doctor,
            number=number,
            status="submitted",
            started_at=exam.course.created_at,
            deadline=exam.course.created_at,
            score_percent=100,
            passed=True,
        )
        attempts.append(attempt)

    results = run_at_once(lambda index: Certificate.issue_for(Attempt.objects.get(pk=attempts[index].pk)).pk)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert results[0] == results[1]
    assert Certificate.objects.filter(holder=doctor, course=exam.course).count() == 1


def test_the_database_allows_one_valid_certificate_per_person_and_course(doctor):
    from tests.factories import CertificateFactory

    certificate = CertificateFactory(holder=doctor)

    with pytest.raises(IntegrityError), transaction.atomic():
        CertificateFactory(holder=doctor, course=certificate.course)
    # A revoked one does not stand in the way of a new one.
    Certificate.objects.filter(pk=certificate.pk).update(status="revoked")
    CertificateFactory(holder=doctor, course=certificate.course)
