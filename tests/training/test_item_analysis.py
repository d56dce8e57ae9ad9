"""Item analysis (training/item_analysis.py, Exam.item_analysis): difficulty p, the upper/lower 27% discrimination D and
the point-biserial r, on a data set worked out by hand; and the managers' page."""

from __future__ import annotations

import math

import pytest
from django.urls import reverse
from django.utils import timezone

from cloudpeds.accounts.roles import Role
from tests.factories import UserFactory, exam_with_bank
from training.item_analysis import FLAG_MISSED_BY_STRONG, FLAG_NEGATIVE, Sitting, analyse, group_size
from training.models import Attempt, AttemptQuestion, Question

A, B, C, D = 1, 2, 3, 4

# Ten sittings in the order they were submitted, scores 100, 90, … 10. Upper 27% = 3
# sittings (keys 1–3), lower 27% = 3 (keys 8–10).
SCORES = {key: 110 - 10 * key for key in range(1, 11)}
# A: the six best right, the four worst wrong (a good question).
# B: the reverse of what it should be: the best three and 4, 6, 7 wrong; 5, 8, 9, 10 right.
# C: drawn in four sittings only (1, 2, 9, 10): right in 1 and 9.
# D: everyone right.
ANSWERS = {
    A: {key: key <= 6 for key in SCORES},
    B: {key: key in (5, 8, 9, 10) for key in SCORES},
    C: {1: True, 2: False, 9: True, 10: False},
    D: dict.fromkeys(SCORES, True),
}


def sittings() -> list[Sitting]:
    return [
        Sitting(key=key, score=score, answers={q: answers[key] for q, answers in ANSWERS.items() if key in answers})
        for key, score in SCORES.items()
    ]


def test_group_size_is_27_percent_rounded_half_up():
    assert [group_size(n) for n in (0, 1, 2, 3, 4, 10, 37, 100)] == [0, 0, 1, 1, 1, 3, 10, 27]


def test_a_good_question():
    a = analyse(sittings())[A]

    assert (a.n, a.correct, a.p) == (10, 6, 0.6)
    assert (a.upper_correct, a.upper_n, a.lower_correct, a.lower_n) == (3, 3, 0, 3)
    assert a.discrimination == 1.0
    # M1 = 75, M0 = 25, population SD of 10…100 = √825, p·q = 0.24.
    assert a.point_biserial == pytest.approx(50 / math.sqrt(825) * math.sqrt(0.24))
    assert round(a.point_biserial, 4) == 0.8528
    assert a.flags == []


def test_a_question_strong_candidates_miss_is_flagged():
    b = analyse(sittings())[B]

    assert (b.n, b.correct, b.p) == (10, 4, 0.4)
    assert (b.upper_p, b.lower_p, b.discrimination) == (0.0, 1.0, -1.0)
    # M1 = (60+30+20+10)/4 = 30, M0 = (100+90+80+70+50+40)/6 = 71.67, p·q = 0.24.
    assert b.point_biserial == pytest.approx((30 - 430 / 6) / math.sqrt(825) * math.sqrt(0.24))
    assert round(b.point_biserial, 4) == -0.7107
    assert b.flags == [FLAG_MISSED_BY_STRONG, FLAG_NEGATIVE]


def test_a_question_drawn_in_some_sittings_counts_only_those():
    c = analyse(sittings())[C]

    assert (c.n, c.correct, c.p) == (4, 2, 0.5)
    assert (c.upper_correct, c.upper_n, c.lower_correct, c.lower_n) == (1, 2, 1, 2)
    assert c.discrimination == 0.0
    # Scores 100 ✓, 90 ✗, 20 ✓, 10 ✗: M1 = 60, M0 = 50, SD = √1625.
    assert c.point_biserial == pytest.approx(10 / math.sqrt(1625) * 0.5)
    assert round(c.point_biserial, 4) == 0.1240
    assert c.flags == []  # half of the strong candidates is not "most"


def test_a_question_everyone_gets_right_has_no_correlation():
    d = analyse(sittings())[D]

    assert (d.p, d.discrimination, d.point_biserial, d.flags) == (1.0, 0.0, None, [])


def test_ties_at_the_group_boundary_follow_the_submission_order():
    tied = [Sitting(key=k, score=50, answers={A: k == 1}) for k in range(1, 5)]

    a = analyse(tied)[A]

    # Four sittings: groups of one; the first submitted is upper, the last lower.
    assert (a.upper_correct, a.upper_n, a.lower_correct, a.lower_n) == (1, 1, 0, 1)
    assert a.point_biserial is None  # every total is the same


# --- From the database and on the page ----------------------------------------------------------------


@pytest.fixture
def analysed_exam(db):
    """The same ten sittings as attempts of a real exam (questions A–D of its bank)."""
    exam = exam_with_bank(categories=1, per_category=4, draw=2)
    questions = dict(zip((A, B, C, D), Question.objects.filter(course=exam.course).order_by("pk"), strict=True))
    now = timezone.now()
    for key, score in SCORES.items():
        learner = UserFactory(roles=[Role.GRASSROOTS_DOCTOR])
        attempt = Attempt.objects.create(
            exam=exam,
            user=learner,
            number=1,
            status="submitted",
            started_at=now,
            deadline=now,
            submitted_at=now + timezone.timedelta(minutes=key),
            score_percent=score,
            passed=score >= 80,
        )
        for position, (q, answers) in enumerate(ANSWERS.items(), start=1):
            if key in answers:
                AttemptQuestion.objects.create(
                    attempt=attempt, question=questions[q], position=position, is_correct=answers[key]
                )
    return exam, questions


@pytest.mark.django_db
def test_the_figures_from_the_database_match(analysed_exam, django_assert_max_num_queries):
    exam, questions = analysed_exam

    with django_assert_max_num_queries(3):
        rows, count = exam.item_analysis()

    assert count == 10
    by_question = {row.question.pk: row for row in rows}
    b = by_question[questions[B].pk]
    assert (b.p, b.discrimination, b.flags) == (0.4, -1.0, [FLAG_MISSED_BY_STRONG, FLAG_NEGATIVE])
    assert rows[0].question == questions[B]  # flagged first
    assert round(by_question[questions[A].pk].point_biserial, 4) == 0.8528


@pytest.mark.django_db
def test_the_page_shows_the_figures_and_flags_to_managers(client, analysed_exam, manager, english):
    exam, questions = analysed_exam
    client.force_login(manager)

    response = client.get(reverse("training:item_analysis", args=[exam.course.slug]))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Based on 10 submitted attempts." in content
    assert content.count('data-testid="flag"') == 2
    assert "Most strong candidates miss it" in content
    row = content.split(f'data-question="{questions[A].public_id}"')[1].split("</tr>")[0]
    assert "0.60" in row and "1.00" in row and "0.85" in row


@pytest.mark.django_db
def test_the_page_is_for_managers_only_and_get_only(client, analysed_exam, doctor, manager):
    exam, _questions = analysed_exam
    url = reverse("training:item_analysis", args=[exam.course.slug])
    client.force_login(doctor)
    assert client.get(url).status_code == 403
    client.force_login(manager)
    assert client.post(url).status_code == 405
    assert client.get(reverse("training:item_analysis", args=["no-such-course"])).status_code == 404
