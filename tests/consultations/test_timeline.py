"""The child's timeline shows each step of the consultations the user may see."""

from __future__ import annotations

import pytest

from cloudpeds.accounts.models import User
from cloudpeds.accounts.roles import Role
from consultations.timeline import timeline_entries
from tests.factories import ConsultationFactory, DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(patient, doctor, specialist):
    consultation = ConsultationFactory(patient=patient, department=specialist.department, status="draft")
    consultation.submit(doctor)
    consultation.claim(specialist)
    consultation.request_info(specialist, "体重多少?")
    consultation.provide_info(doctor, "12 kg")
    consultation.answer(
        specialist, assessment="a", recommendation="manage_locally", plan="p", family_advice="", follow_up_days=None
    )
    return consultation


def test_one_entry_per_event_with_link_icon_and_actor(doctor, specialist, answered) -> None:
    entries = timeline_entries(answered.patient, doctor)

    assert [entry.kind for entry in entries] == [
        "consultation.submitted",
        "consultation.claimed",
        "consultation.info_requested",
        "consultation.info_provided",
        "consultation.answered",
    ]
    assert {entry.url for entry in entries} == {f"/consultations/{answered.public_id}/"}
    assert {entry.icon for entry in entries} == {"bi-chat-square-text"}
    assert entries[0].title == "Consultation sent to a specialist"
    assert entries[1].actor == specialist.display_name
    assert "体重多少?" in entries[2].detail
    assert str(answered.department) in entries[0].detail


def test_two_queries_at_most_however_many_consultations(
    doctor, specialist, patient, answered, django_assert_max_num_queries
) -> None:
    for _ in range(5):
        ConsultationFactory(patient=patient, department=specialist.department).withdraw(doctor)
    fresh = User.objects.get(pk=doctor.pk)  # roles not cached yet

    with django_assert_max_num_queries(2):
        entries = timeline_entries(patient, fresh)

    assert len(entries) == 10


def test_only_consultations_visible_to_the_user(xinhua, patient, doctor, specialist, answered) -> None:
    neurology = DepartmentFactory(hospital=xinhua, specialty="neurology")
    neurologist = UserFactory(hospital=xinhua, department=neurology, roles=[Role.SPECIALIST])
    # The neurologist sees the child's record through a grant (another consultation, say),
    # but not the respiratory consultation.
    patient.grant(user=neurologist, reason="会诊")

    assert timeline_entries(patient, neurologist) == []
    assert len(timeline_entries(patient, specialist)) == 5


def test_drafts_have_no_entries(doctor, specialist, patient) -> None:
    ConsultationFactory(patient=patient, department=specialist.department, status="draft", submitted_at=None)

    assert timeline_entries(patient, doctor) == []


def test_the_patient_page_shows_the_consultation(client, doctor, answered) -> None:
    client.force_login(doctor)

    body = client.get(f"/patients/{answered.patient.public_id}/").content.decode()

    assert f'href="/consultations/{answered.public_id}/"' in body


def test_at_most_the_newest_provider_rows_in_the_order_they_happened(doctor, answered, monkeypatch) -> None:
    import consultations.timeline

    monkeypatch.setattr(consultations.timeline, "PROVIDER_ROWS", 3)

    entries = timeline_entries(answered.patient, doctor)

    assert [entry.kind for entry in entries] == [
        "consultation.info_requested",
        "consultation.info_provided",
        "consultation.answered",
    ]
