"""outcomes/rollups.py and the figures that read them, exact on a known data set: §2 by
cohort and the repeat questions after the course, §3 triage runs by topic and colour."""

from __future__ import annotations

from datetime import date

import pytest

from cloudpeds.accounts.roles import Role
from consultations.models import Consultation
from handbook.models import TriageRun
from outcomes import rollups
from outcomes.figures import cohorts, hospital_months, triage_by_topic
from outcomes.models import TriageDay
from tests.factories import (
    ConsultationFactory,
    CourseFactory,
    EnrolmentFactory,
    LessonFactory,
    ModuleFactory,
    PatientFactory,
    TopicVersionFactory,
    UserFactory,
)
from tests.handbook.triage_support import publish_pathway
from tests.referrals.conftest import make_request

from .conftest import at

pytestmark = pytest.mark.django_db

TODAY = date(2025, 3, 20)


@pytest.fixture
def cough(xinhua):
    author, approver = (
        UserFactory(username=name, hospital=xinhua, roles=[Role.HANDBOOK_EDITOR]) for name in ("editor", "editor2")
    )
    return publish_pathway(author, approver, "cough")


def run(version, user, colour, when, consultation=None):
    return TriageRun.objects.create(
        user=user,
        hospital=user.hospital,
        pathway_version=version,
        assessed_on=when.date(),
        age_days=300,
        age_months=10,
        classification_code=f"c-{colour}",
        classification_colour=colour,
        created_at=when,
        consultation=consultation,
    )


@pytest.fixture
def history(cough, doctor, specialist, yangpu, xinhua):
    """Yangpu, March 2025. The doctor (主治医师) completed a course citing the cough topic on
    5 March; a second doctor (住院医师) enrolled and failed its exam. Runs: red→consultation
    answered "refer" (agrees), red→consultation answered "manage locally" (disagrees),
    green→consultation answered "manage locally" (agrees), yellow→referral, green alone.
    Consultations on the topic: 1 March (before the course), 10 and 12 March (after)."""
    doctor.title = "主治医师"
    doctor.save(update_fields=["title"])
    second = UserFactory(username="resident", hospital=yangpu, roles=[Role.GRASSROOTS_DOCTOR], title="住院医师")
    topic = cough.pathway.topic
    course = CourseFactory()
    cited = topic.current_version or TopicVersionFactory(topic=topic)
    LessonFactory(module=ModuleFactory(course=course), handbook_topic_version=cited)
    enrolment = EnrolmentFactory(course=course, user=doctor)
    type(enrolment).objects.filter(pk=enrolment.pk).update(created_at=at(2), completed_at=at(5))
    other = EnrolmentFactory(course=course, user=second)
    type(other).objects.filter(pk=other.pk).update(created_at=at(3))
    patient = PatientFactory(hospital=yangpu, registered_by=doctor)
    common = {
        "patient": patient,
        "requested_by": doctor,
        "department": specialist.department,
        "assigned_to": specialist,
    }
    before = ConsultationFactory(**common, answered=True, submitted_at=at(1), answered_at=at(1, 3))
    refer = ConsultationFactory(
        **common, answered=True, recommendation="refer", submitted_at=at(10), answered_at=at(10, 2)
    )
    local = ConsultationFactory(**common, answered=True, submitted_at=at(12), answered_at=at(12, 2))
    assert {c.recommendation for c in (before, local)} == {"manage_locally"}
    run(cough, doctor, "green", at(1), before)
    run(cough, doctor, "red", at(10), refer)
    run(cough, doctor, "red", at(12), local)
    referred = run(cough, doctor, "yellow", at(14))
    make_request(doctor, patient, specialist.department, triage=referred)
    run(cough, second, "green", at(15))
    run(cough, doctor, "green", at(3, month=2))  # February
    rollups.rebuild(date(2025, 2, 1), TODAY - date.resolution)
    return topic


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
