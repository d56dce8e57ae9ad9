"""outcomes/rollups.py and the figures that read them, exact on a known data set: §2 by
cohort and the repeat questions after the course, §3 triage runs by topic and colour."""

from __future__ import annotations

from datetime import date

import pytest

from consultations.models import Consultation
from outcomes import rollups
from outcomes.figures import cohorts, hospital_months, triage_by_topic
from outcomes.models import TriageDay

from .conftest import TODAY, at, run

pytestmark = pytest.mark.django_db


def test_repeat_questions_after_the_course(history, yangpu):
    march = hospital_months(yangpu, date(2025, 3, 1), 1, today=TODAY)[0]
    assert march.topics == {"consultations": 3, "after_course": 2}
    assert march.after_course == pytest.approx(2 / 3)
    assert Consultation.objects.filter(requesting_hospital=yangpu).count() == 3


def test_triage_runs_by_topic_and_colour(history, yangpu):
    march = hospital_months(yangpu, date(2025, 3, 1), 1, today=TODAY)[0]
    assert march.triage == {"runs": 5, "to_consultation": 3, "to_referral": 1, "answered": 3, "agreed": 2}
    assert march.triage_to_handover == pytest.approx(4 / 5)
    assert march.triage_agreed == pytest.approx(2 / 3)
    cells = {
        (c.topic.slug, c.colour): (c.runs, c.to_consultation, c.to_referral, c.agreed, c.answered)
        for c in triage_by_topic(yangpu, date(2025, 3, 1), today=TODAY)
    }
    assert cells == {
        ("cough-or-difficult-breathing", "red"): (2, 2, 0, 1, 2),
        ("cough-or-difficult-breathing", "green"): (2, 1, 0, 1, 1),
        ("cough-or-difficult-breathing", "yellow"): (1, 0, 1, 0, 0),
    }
    two_months = triage_by_topic(yangpu, date(2025, 3, 1), 2, today=TODAY)
    assert sum(c.runs for c in two_months) == 6


def test_training_by_cohort(history, yangpu):
    from training.models import Attempt  # noqa: F401  (attempts counted below come from the exam app)

    by_title = {c.title: c for c in cohorts(yangpu, date(2025, 3, 1), 1, today=TODAY)}
    assert set(by_title) == {"主治医师", "住院医师"}
    assert (by_title["主治医师"].enrolled, by_title["主治医师"].completed, by_title["主治医师"].completion) == (
        1,
        1,
        1.0,
    )
    assert (by_title["住院医师"].enrolled, by_title["住院医师"].completed, by_title["住院医师"].completion) == (
        1,
        0,
        0.0,
    )
    assert by_title["住院医师"].pass_rate is None  # no attempt


def test_today_is_counted_live_and_a_rebuild_changes_nothing(history, cough, doctor, yangpu):
    run(cough, doctor, "red", at(20))
    march = hospital_months(yangpu, date(2025, 3, 1), 1, today=TODAY)[0]
    assert march.triage["runs"] == 6  # today's run, before any roll-up ran
    ids = set(TriageDay.objects.values_list("pk", flat=True))
    rollups.rebuild(date(2025, 2, 1), TODAY - date.resolution)
    assert set(TriageDay.objects.values_list("pk", flat=True)) == ids
