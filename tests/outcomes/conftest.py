"""People and small known histories for the outcomes tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from cloudpeds.accounts.roles import Role
from consultations.models import Message
from handbook.models import TriageRun
from outcomes import rollups
from tests.conftest import enroll_totp
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


def at(day: int, hour: float = 0, month: int = 3) -> datetime:
    # 02:00 UTC is 10:00 in Shanghai: the same local day.
    return datetime(2025, month, day, 2, tzinfo=UTC) + timedelta(hours=hour)


@pytest.fixture
def yangpu_lead(yangpu):
    """Yangpu's leadership: its transfer administrator."""
    user = UserFactory(username="yp-admin", hospital=yangpu, roles=[Role.TRANSFER_ADMIN], preferred_language="en")
    enroll_totp(user)
    return user


@pytest.fixture
def consultations(doctor, specialist, baoshan):
    """Yangpu in March 2025: answered in 2, 9 (10 less 1 paused) and 6 hours, one waiting;
    in February: one answered in 50 hours. One information request. Baoshan: one case."""
    patient = PatientFactory(hospital=doctor.hospital, registered_by=doctor)
    common = {"patient": patient, "requested_by": doctor, "department": specialist.department}
    answered = {**common, "assigned_to": specialist}
    made = [
        ConsultationFactory(**answered, closed=True, submitted_at=at(10), answered_at=at(10, 2), closed_at=at(11)),
        ConsultationFactory(
            **answered,
            answered=True,
            recommendation="refer",
            submitted_at=at(10),
            answered_at=at(10, 10),
            paused_total=timedelta(hours=1),
        ),
        ConsultationFactory(**answered, answered=True, urgency="urgent", submitted_at=at(12), answered_at=at(12, 6)),
        ConsultationFactory(**common, submitted_at=at(13)),
        ConsultationFactory(**answered, answered=True, submitted_at=at(3, month=2), answered_at=at(5, month=2)),
    ]
    Message.objects.create(consultation=made[1], author=specialist, body="体重多少?", is_info_request=True)
    ConsultationFactory(patient=PatientFactory(hospital=baoshan), department=specialist.department, submitted_at=at(10))
    return made


@pytest.fixture
def group_admin(group_admin):
    """The group administrator reads the portal in English (the assertions read the msgids)."""
    group_admin.preferred_language = "en"
    group_admin.save(update_fields=["preferred_language"])
    return group_admin


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
