"""Words of the interface on DETAIL pages with real records (issue 13, point 5): the list
sweep in test_interface_words.py renders the main pages; these render a child's page, a
consultation (asked, then answered), a referral, a handbook topic and a course, in English
(no Chinese outside what people wrote in Chinese) and in Chinese (no interface text left in
English). The records are written in English, except the guardian's name the patient factory
gives (李红) and people's names (all set to English ones): that is data, not interface."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from cloudpeds.accounts.models import User
from cloudpeds.accounts.roles import Role
from tests.core.test_interface_words import _chinese_words, _english, _interface_msgids
from tests.factories import (
    ConsultationFactory,
    CourseFactory,
    EnrolmentFactory,
    LessonFactory,
    ModuleFactory,
    PatientFactory,
    UserFactory,
)
from tests.handbook.conftest import publish_topic
from tests.referrals.conftest import icd10, make_request  # noqa: F401 - icd10 is a fixture

pytestmark = pytest.mark.django_db

DATA_WORDS = {"李红"}  # the guardian the patient factory records


@pytest.fixture
def records(doctor, specialist, transfer_admin, xinhua, icd10):  # noqa: F811 - the fixture
    for hospital in (doctor.hospital, xinhua):
        hospital.name_zh = hospital.name_en
        hospital.save()
    for department in (doctor.department, specialist.department):
        department.name_zh = department.name_en
        department.save()
    patient = PatientFactory(hospital=doctor.hospital, registered_by=doctor, name="Tom Lee")
    patient.measurements.create(measured_on=patient.date_of_birth, weight_kg="3.40", recorded_by=doctor)
    english = {"question": "Fever for three days and a worse cough: refer?", "symptoms": "fever, cough"}
    asked = ConsultationFactory(patient=patient, department=specialist.department, **english)
    answered = ConsultationFactory(
        patient=patient,
        department=specialist.department,
        answered=True,
        assigned_to=specialist,
        assessment="Mild community-acquired pneumonia",
        plan="Oral amoxicillin, review in three days",
        family_advice="Plenty of fluids; watch the temperature",
        **english,
    )
    with translation.override("en"):
        referral = make_request(
            doctor, patient, specialist.department, clinical_summary="Fever for three days, fast breathing"
        )
    editor = UserFactory(username="ed1", hospital=xinhua, roles=[Role.HANDBOOK_EDITOR])
    editor2 = UserFactory(username="ed2", hospital=xinhua, roles=[Role.HANDBOOK_EDITOR])
    topic = publish_topic(
        editor2,
        editor,
        "fever-words",
        ("Fever", "Fever"),
        sections={"management": ("Offer fluids often.", "Offer fluids often.")},
    )
    course = CourseFactory(title_zh="Asthma in children", title_en="Asthma in children")
    module = ModuleFactory(course=course, title_zh="Assessment", title_en="Assessment")
    LessonFactory(module=module, title_zh="Wheeze", title_en="Wheeze")
    EnrolmentFactory(course=course, user=doctor)
    # People's names are data: everyone gets an English one, so any Chinese left is interface.
    User.objects.update(first_name="Ann", last_name="Smith ")
    return {
        "doctor": [
            patient.get_absolute_url(),
            asked.get_absolute_url(),
            answered.get_absolute_url(),
            referral.get_absolute_url(),
            topic.topic.get_absolute_url(),
            course.get_absolute_url(),
        ],
        "specialist": [asked.get_absolute_url(), answered.get_absolute_url()],
        "transfer_admin": [referral.get_absolute_url()],
    }


@pytest.mark.parametrize("role", ["doctor", "specialist", "transfer_admin"])
def test_detail_pages_in_english_have_no_chinese_interface_words(client, records, role, request):
    user = _english(request.getfixturevalue(role))
    client.force_login(user)

    found = {}
    for url in records[role]:
        response = client.get(url)
        assert response.status_code == 200, url
        words = _chinese_words(response.content.decode()) - DATA_WORDS
        if words:
            found[url] = sorted(words)[:20]

    assert found == {}


@pytest.mark.parametrize("role", ["doctor", "specialist", "transfer_admin"])
def test_detail_pages_in_chinese_leave_no_interface_text_untranslated(client, records, role, request):
    user = request.getfixturevalue(role)
    client.force_login(user)
    interface = _interface_msgids()

    found = {}
    for url in records[role]:
        response = client.get(url)
        assert response.status_code == 200, url
        texts = {text.strip() for text in re.findall(r">([^<>]+)<", response.content.decode())}
        untranslated = sorted(texts & interface)
        if untranslated:
            found[url] = untranslated
    assert found == {}
