"""Teaching cases (de-identification checked), case conferences and the class II CME
credit ledger: training/deidentify.py, training/models/teaching.py, training/views/teaching.py."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cloudpeds.accounts.roles import Role
from tests.factories import ConsultationFactory, CourseFactory, PatientFactory, TopicFactory, UserFactory
from training.deidentify import find_identifiers
from training.models import CaseConference, CmeCredit, TeachingCase

pytestmark = pytest.mark.django_db

CLEAN = "10月龄男婴，发热第3天，体温39.2 °C，精神好，无抽搐。咽部充血，双肺呼吸音清。"
POINTS = "发热伴精神好、无危险征象者可在社区管理；3天后复诊。"


@pytest.fixture
def manager(xinhua):
    return UserFactory(username="trainer", hospital=xinhua, roles=[Role.TRAINING_MANAGER], preferred_language="en")


@pytest.fixture
def closed(doctor, specialist):
    patient = PatientFactory(hospital=doctor.hospital, registered_by=doctor, name="张小宝", record_number="ZY20250311")
    return ConsultationFactory(
        patient=patient,
        requested_by=doctor,
        department=specialist.department,
        assigned_to=specialist,
        closed=True,
        question="张小宝，10月龄，发热3天",
    )


@pytest.fixture
def course():
    return CourseFactory(slug="fever-course")


@pytest.fixture
def topic():
    return TopicFactory(slug="fever")


def kinds(text, consultation=None):
    return [(finding.kind, finding.text) for finding in find_identifiers(text, consultation)]


def test_the_checker_finds_real_looking_identifiers(closed):
    text = (
        "患儿张小宝（病历号 ZY20250311），2025年3月10日就诊，家长电话 138 1234 5678，"
        "身份证 310110202403150021，座机 021-65790000，3月12日复诊，小宝精神好。"
    )
    found = kinds(text, closed)
    texts = [t for _kind, t in found]
    assert ("the child's name", "张小宝") in found
    assert ("the child's record number", "ZY20250311") in found
    assert ("the child's name", "小宝") in found  # the given name alone
    assert ("ID card number", "310110202403150021") in found
    assert ("mobile phone number", "138 1234 5678") in found
    assert ("telephone number", "021-65790000") in found
    assert "2025年3月10日" in texts
    assert "3月12日" in texts
    # Full-width digits are no disguise.
    assert kinds("电话１３９１２３４５６７８")[0][0] == "mobile phone number"
    assert kinds("MRN: 884213")[0][0] == "record number"
    assert {kind for kind, _t in kinds("Seen 10/03/2025, mail a.parent@example.com")} == {
        "exact date",
        "e-mail address",
    }


def test_ages_durations_and_doses_pass(closed):
    assert kinds(CLEAN, closed) == []
    assert kinds(POINTS, closed) == []
    assert kinds("A 10-month-old boy, day 3 of fever, 39.2 °C, paracetamol 15 mg/kg every 6 hours.", closed) == []


def test_the_manager_makes_a_teaching_case_and_identifiers_are_refused(closed, course, topic, manager, client):
    client.force_login(manager)
    url = reverse("training:new_teaching_case", args=[closed.public_id])
    page = client.get(url)
    assert page.status_code == 200
    assert "张小宝" not in page.content.decode()  # the reference text is masked
    data = {"title": "发热的社区管理", "course": course.pk, "topic": topic.pk, "teaching_points": POINTS}
    refused = client.post(url, {**data, "summary": "张小宝，2025年3月10日就诊，电话13812345678。"})
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "The case is not de-identified" in body
    for found in ("张小宝", "2025年3月10日", "13812345678"):
        assert found in body
    assert not TeachingCase.objects.exists()
    done = client.post(url, {**data, "summary": CLEAN})
    case = TeachingCase.objects.get()
    assert done.url == case.get_absolute_url()
    assert (case.course, case.topic, case.consultation) == (course, topic, closed)
    again = client.post(url, {**data, "summary": CLEAN})  # double submit
    assert again.status_code == 302 and TeachingCase.objects.count() == 1
    shown = client.get(case.get_absolute_url()).content.decode()
    assert CLEAN in shown and "张小宝" not in shown and closed.patient.record_number not in shown


def test_only_answered_closed_consultations(doctor, specialist, manager, client):
    open_case = ConsultationFactory(requested_by=doctor, department=specialist.department, answered=True)
    client.force_login(manager)
    assert client.get(reverse("training:new_teaching_case", args=[open_case.public_id])).status_code == 404


def test_wrong_roles_are_refused(closed, doctor, client):
    client.force_login(doctor)
    assert client.get(reverse("training:new_teaching_case", args=[closed.public_id])).status_code == 403
    assert client.get(reverse("training:new_conference")).status_code == 403


@pytest.fixture
def conference(closed, course, topic, manager):
    case = TeachingCase.objects.create(
        consultation=closed,
        course=course,
        topic=topic,
        title="发热",
        summary=CLEAN,
        teaching_points=POINTS,
        created_by=manager,
    )
    conference = CaseConference.objects.create(
        title="3月病例讨论", held_on="2025-03-20", credit_hours="1.5", created_by=manager
    )
    conference.cases.add(case)
    return conference


def test_attendance_writes_one_class_ii_credit_per_doctor(conference, doctor, outsider, manager, client):
    client.force_login(manager)
    url = conference.get_absolute_url()
    for _twice in range(2):
        assert client.post(url, {"attendees": [doctor.pk, outsider.pk]}).status_code == 302
    assert CmeCredit.objects.count() == 2
    row = CmeCredit.objects.get(user=doctor)
    assert (row.credit_class, str(row.credits), str(row.earned_on)) == ("II", "1.5", "2025-03-20")
    assert client.post(url, {"attendees": []}).status_code == 200  # nothing chosen: the form says so
    assert CmeCredit.objects.count() == 2


def test_the_ledger_own_or_managers_and_404_otherwise(conference, doctor, outsider, manager, client):
    conference.record_attendance(manager, [doctor])
    client.force_login(doctor)
    own = client.get(reverse("training:ledger"))
    assert own.status_code == 200 and own.context["total"] == pytest.approx(1.5)
    assert "3月病例讨论" in own.content.decode()
    client.force_login(outsider)  # another hospital's doctor
    assert client.get(reverse("training:ledger_of", args=[doctor.username])).status_code == 404
    assert client.get(reverse("training:ledger")).context["total"] == 0
    client.force_login(manager)
    assert client.get(reverse("training:ledger_of", args=[doctor.username])).context["total"] == pytest.approx(1.5)
