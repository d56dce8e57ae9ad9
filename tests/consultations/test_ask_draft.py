"""Finishing a draft: /consultations/<id>/edit/ saves again or sends; sending twice sends once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cloudpeds.accounts.roles import Role
from cloudpeds.audit.models import AccessEvent
from consultations.models import Consultation, ConsultationError, ConsultationEvent, Status
from tests.factories import ConsultationFactory, PatientFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(yangpu):
    return UserFactory(username="colleague", hospital=yangpu, roles=[Role.GRASSROOTS_DOCTOR], preferred_language="en")


@pytest.fixture
def patient(doctor):
    return PatientFactory(
        hospital=doctor.hospital, registered_by=doctor, date_of_birth=timezone.localdate() - timedelta(days=1500)
    )


@pytest.fixture
def draft(patient, specialist):
    return ConsultationFactory(
        patient=patient,
        department=specialist.department,
        status="draft",
        submitted_at=None,
        question="",
        symptoms="咳嗽",
    )


def _url(consultation) -> str:
    return f"/consultations/{consultation.public_id}/edit/"


def _data(consultation, **overrides) -> dict:
    data = {
        "department": str(consultation.department_id),
        "urgency": "routine",
        "question": "需要做胸片吗?",
        "symptoms": "咳嗽五天",
        "temperature_c": "37.2",
        "action": "submit",
    }
    data.update(overrides)
    return data


def test_the_draft_page_shows_the_saved_case(client, doctor, draft) -> None:
    client.force_login(doctor)

    response = client.get(_url(draft))

    assert response.status_code == 200
    assert response.context["form"]["symptoms"].value() == "咳嗽"
    assert AccessEvent.objects.filter(user=doctor, patient=draft.patient).count() == 1


def test_saving_again_keeps_it_a_draft(client, doctor, draft) -> None:
    client.force_login(doctor)

    response = client.post(_url(draft), _data(draft, action="draft", question="还没想好"))

    draft.refresh_from_db()
    assert response.status_code == 302
    assert (draft.status, draft.question, draft.symptoms) == (Status.DRAFT, "还没想好", "咳嗽五天")
    assert not ConsultationEvent.objects.exists()


def test_sending_the_draft_submits_it(client, doctor, draft) -> None:
    client.force_login(doctor)

    response = client.post(_url(draft), _data(draft))

    draft.refresh_from_db()
    assert response["Location"] == f"/consultations/{draft.public_id}/"
    assert draft.status == Status.SUBMITTED
    assert draft.question == "需要做胸片吗?"
    assert list(draft.events.values_list("kind", "actor")) == [("submitted", doctor.pk)]


def test_a_colleague_of_the_same_hospital_may_finish_the_draft(client, colleague, draft) -> None:
    client.force_login(colleague)

    client.post(_url(draft), _data(draft))

    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED
    assert draft.events.get().actor == colleague


def test_sending_without_a_question_shows_the_models_refusal_and_changes_nothing(client, doctor, draft) -> None:
    client.force_login(doctor)

    response = client.post(_url(draft), _data(draft, question="", symptoms="改了"))

    draft.refresh_from_db()
    assert response.status_code == 200
    assert "Write the clinical question before submitting." in response.content.decode()
    assert (draft.status, draft.symptoms) == (Status.DRAFT, "咳嗽")


def test_an_implausible_value_is_refused_and_the_draft_is_unchanged(client, doctor, draft) -> None:
    client.force_login(doctor)

    response = client.post(_url(draft), _data(draft, temperature_c="52", action="draft"))

    draft.refresh_from_db()
    assert "Temperature of 52.0 °C is not plausible" in response.content.decode()
    assert draft.temperature_c is None
    assert draft.question == ""


def test_sending_twice_sends_once_and_the_second_is_told(client, doctor, draft) -> None:
    client.force_login(doctor)

    first = client.post(_url(draft), _data(draft))
    second = client.post(_url(draft), _data(draft, question="第二次"))

    draft.refresh_from_db()
    assert first.status_code == second.status_code == 302
    assert draft.status == Status.SUBMITTED
    assert draft.question == "需要做胸片吗?"
    assert ConsultationEvent.objects.filter(consultation=draft, kind="submitted").count() == 1
    page = client.get(second["Location"]).content.decode()
    assert "This consultation has already been sent and can no longer be changed." in page


def test_a_sent_case_cannot_be_put_back_to_draft_by_a_stale_form(client, doctor, draft, specialist) -> None:
    client.force_login(doctor)
    draft.question = "问题"
    draft.save()
    draft.submit(doctor)
    draft.claim(specialist)

    client.post(_url(draft), _data(draft, action="draft"))

    draft.refresh_from_db()
    assert draft.status == Status.CLAIMED
    assert draft.assigned_to == specialist


def test_the_model_refuses_an_edit_that_raced_the_submission(doctor, draft) -> None:
    # Two tabs: the second loaded the draft before the first sent it.
    stale = Consultation.objects.get(pk=draft.pk)
    draft.question = "问题"
    draft.save()
    draft.submit(doctor)
    stale.question = "旧的"

    with pytest.raises(ConsultationError):
        stale.save_draft(doctor)
    draft.refresh_from_db()
    assert (draft.status, draft.question) == (Status.SUBMITTED, "问题")


def test_another_hospitals_doctor_gets_404(client, outsider, draft) -> None:
    client.force_login(outsider)

    assert client.get(_url(draft)).status_code == 404
    assert client.post(_url(draft), _data(draft)).status_code == 404
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_the_specialists_do_not_see_drafts(client, specialist, draft) -> None:
    client.force_login(specialist)

    assert client.get(_url(draft)).status_code == 404
    assert client.get(f"/consultations/{draft.public_id}/").status_code == 404


def test_other_roles_get_403(client, yangpu, draft) -> None:
    client.force_login(UserFactory(hospital=yangpu, roles=[Role.HANDBOOK_EDITOR]))

    assert client.get(_url(draft)).status_code == 403
    assert client.post(_url(draft), _data(draft)).status_code == 403


def test_delete_is_not_allowed(client, doctor, draft) -> None:
    client.force_login(doctor)

    assert client.delete(_url(draft)).status_code == 405
    assert Consultation.objects.filter(pk=draft.pk).exists()
