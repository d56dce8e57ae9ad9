"""outcomes/demo through `manage.py seed_demo`: twelve months in which Yangpu improves after
training and the others stay level, read back from the roll-ups; §3's triage runs and §4's
teaching cases (training/demo/teaching.py); idempotent."""

from __future__ import annotations

import io
import statistics

import pytest
from django.core.management import call_command
from django.utils import timezone

from cloudpeds.accounts.models import Hospital
from consultations.models import Consultation
from handbook.models import TriageRun
from outcomes.figures import hospital_months, triage_by_topic
from outcomes.models import TriageDay
from tests.conftest import seeded_once
from training.models import CaseConference, CmeCredit, TeachingCase
from training.models.courses import CreditClass


@pytest.fixture(scope="module")
def seeded(django_db_blocker, tmp_path_factory):
    with seeded_once(
        django_db_blocker,
        tmp_path_factory.mktemp("demo-media"),
        lambda: call_command("seed_demo", stdout=io.StringIO()),
    ):
        yield


@pytest.fixture
def months(seeded, db):
    return {
        code: hospital_months(Hospital.objects.get(code=code), timezone.localdate().replace(day=1))
        for code in ("yangpu", "baoshan")
    }


def _mean(values):
    return statistics.mean(value for value in values if value is not None)


def test_yangpu_improves_after_training(months):
    yangpu = months["yangpu"]
    before, after = yangpu[1:6], yangpu[8:11]
    assert all(month.consultations["submitted"] >= 10 for month in yangpu[1:11])
    assert _mean(m.managed_locally for m in after) > _mean(m.managed_locally for m in before) + 0.15
    assert _mean(m.info_requested for m in after) < _mean(m.info_requested for m in before) - 0.1
    baoshan = months["baoshan"]
    assert abs(_mean(m.managed_locally for m in baoshan[8:11]) - _mean(m.managed_locally for m in baoshan[1:6])) < 0.15


def test_triage_runs_by_topic_and_colour_lead_somewhere(months):
    totals = {
        colour: [
            sum(getattr(row, name) for row in TriageDay.objects.filter(colour=colour))
            for name in ("runs", "to_consultation", "to_referral", "answered", "agreed")
        ]
        for colour in ("red", "yellow", "green")
    }
    assert all(runs > 50 for runs, *_rest in totals.values())
    assert all(0 < consulted < runs for runs, consulted, *_rest in totals.values())
    assert totals["red"][2] >= 1  # a red run before a chest up-referral
    answered = sum(row[3] for row in totals.values())
    agreed = sum(row[4] for row in totals.values())
    assert 0.6 < agreed / answered < 1  # mostly agreeing, not always: the editors' signal
    # Yangpu triages more after its training.
    yangpu = months["yangpu"]
    assert _mean(m.triage["runs"] for m in yangpu[8:11]) > _mean(m.triage["runs"] for m in yangpu[1:6])
    cells = triage_by_topic(Hospital.objects.get(code="yangpu"), yangpu[10].month)
    assert {cell.topic.pathway.slug for cell in cells} >= {"cough", "fever"}


def test_teaching_cases_a_conference_and_its_credits(seeded, db):
    cases = TeachingCase.objects.select_related("consultation", "course", "topic")
    assert cases.count() == 2
    for case in cases:
        assert case.consultation.status == "closed" and case.consultation.answered_at
        assert case.consultation.patient.name not in case.summary
        case.full_clean()  # still passes the de-identification check
    conference = CaseConference.objects.get()
    assert set(conference.cases.all()) == set(cases)
    credits = CmeCredit.objects.filter(conference=conference)
    assert sorted(credits.values_list("user__username", flat=True)) == [
        "dr.baoshan",
        "dr.chongming",
        "dr.hongkou",
        "dr.yangpu",
    ]
    assert {(c.credit_class, c.earned_on) for c in credits} == {(CreditClass.CLASS_II, conference.held_on)}


def test_a_second_run_adds_nothing(seeded, db):
    models = (Consultation, TriageRun, TriageDay, TeachingCase, CaseConference, CmeCredit)
    before = {model: model.objects.count() for model in models}
    call_command("seed_demo", stdout=io.StringIO())
    assert {model: model.objects.count() for model in models} == before
