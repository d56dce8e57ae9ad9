"""Closing the loop: /consultations/<id>/close/ records what was done with the advice."""

from __future__ import annotations

import pytest

from cloudpeds.accounts.roles import Role
from cloudpeds.notifications.models import Notification
from consultations.models import ConsultationEvent, Status
from tests.factories import ConsultationFactory, PatientFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(doctor, specialist):
    patient = PatientFactory(hospital=doctor.hospital, registered_by=doctor)
    consultation = ConsultationFactory(patient=patient, department=specialist.department)
    consultation.claim(specialist)
    consultation.answer(
        specialist,
        assessment="上呼吸道感染",
        recommendation="manage_locally",
        plan="对症处理",
        family_advice="多休息",
        follow_up_days=5,
    )
    Notification.objects.all().delete()
    return consultation


def _url(consultation) -> str:
    return f"/consultations/{consultation.public_id}/close/"


def _feedback(**overrides) -> dict:
    data = {"advice_adopted": "fully", "not_adopted_reason": "", "referral_avoided": "yes", "usefulness": "4"}
    data.update(overrides)
    return data


def test_closing_with_the_advice_fully_adopted(client, doctor, specialist, answered) -> None:
    client.force_login(doctor)

    response = client.post(_url(answered), _feedback())

    answered.refresh_from_db()
    assert response["Location"] == f"/consultations/{answered.public_id}/"
    assert answered.status == Status.CLOSED
    assert (answered.advice_adopted, answered.referral_avoided, answered.usefulness) == ("fully", True, 4)
    assert answered.closed_at is not None
    assert list(answered.events.filter(kind="closed").values_list("actor", flat=True)) == [doctor.pk]
    assert list(Notification.objects.values_list("recipient", "kind")) == [(specialist.pk, "consultations.closed")]
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="feedback"' in page and "Adopted fully" in page and "4 of 5" in page


def test_partly_adopted_needs_a_reason(client, doctor, answered) -> None:
    client.force_login(doctor)

    response = client.post(_url(answered), _feedback(advice_adopted="partly", referral_avoided="no"))

    answered.refresh_from_db()
    assert response.status_code == 200
    assert "Say why the advice was not fully adopted." in response.content.decode()
    assert answered.status == Status.ANSWERED
    assert answered.advice_adopted == ""
    assert not ConsultationEvent.objects.filter(kind="closed").exists()


def test_not_adopted_with_a_reason_closes(client, doctor, answered) -> None:
    client.force_login(doctor)

    client.post(
        _url(answered), _feedback(advice_adopted="not", not_adopted_reason="家长要求转院", referral_avoided="no")
    )

    answered.refresh_from_db()
    assert (answered.status, answered.advice_adopted, answered.not_adopted_reason) == (
        Status.CLOSED,
        "not",
        "家长要求转院",
    )
    assert answered.referral_avoided is False


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"usefulness": ""}, "Rate the usefulness from 1 to 5."),
        ({"usefulness": "6"}, "Select a valid choice."),
        ({"referral_avoided": ""}, "Say whether a referral was avoided."),
        ({"advice_adopted": ""}, "Say whether the advice was adopted."),
    ],
)
def test_incomplete_feedback_is_refused_on_the_form(client, doctor, answered, overrides, message) -> None:
    client.force_login(doctor)

    response = client.post(_url(answered), _feedback(**overrides))

    answered.refresh_from_db()
    assert response.status_code == 200
    assert message in response.content.decode()
    assert answered.status == Status.ANSWERED


def test_a_case_cannot_be_closed_twice(client, doctor, answered) -> None:
    client.force_login(doctor)

    client.post(_url(answered), _feedback(usefulness="5"))
    second = client.post(_url(answered), _feedback(usefulness="1"))

    answered.refresh_from_db()
    assert answered.usefulness == 5
    assert ConsultationEvent.objects.filter(consultation=answered, kind="closed").count() == 1
    assert "Only an answered consultation can be closed." in client.get(second["Location"]).content.decode()


def test_a_case_not_answered_yet_cannot_be_closed(client, doctor, specialist) -> None:
    patient = PatientFactory(hospital=doctor.hospital, registered_by=doctor)
    consultation = ConsultationFactory(patient=patient, department=specialist.department)
    client.force_login(doctor)

    client.post(_url(consultation), _feedback())

    consultation.refresh_from_db()
    assert consultation.status == Status.SUBMITTED


def test_the_specialist_cannot_close(client, specialist, answered) -> None:
    client.force_login(specialist)

    assert client.post(_url(answered), _feedback()).status_code == 403
    answered.refresh_from_db()
    assert answered.status == Status.ANSWERED


def test_another_hospitals_doctor_gets_404(client, outsider, answered) -> None:
    client.force_login(outsider)

    assert client.post(_url(answered), _feedback()).status_code == 404
    answered.refresh_from_db()
    assert answered.status == Status.ANSWERED


def test_other_roles_get_403(client, yangpu, answered) -> None:
    client.force_login(UserFactory(hospital=yangpu, roles=[Role.TRAINING_MANAGER]))

    assert client.post(_url(answered), _feedback()).status_code == 403


def test_get_is_not_allowed(client, doctor, answered) -> None:
    client.force_login(doctor)

    assert client.get(_url(answered)).status_code == 405


def test_the_close_form_is_offered_only_to_the_requesting_hospital(client, doctor, specialist, answered) -> None:
    client.force_login(doctor)
    assert client.get(f"/consultations/{answered.public_id}/").context["close_form"] is not None

    client.force_login(specialist)
    assert client.get(f"/consultations/{answered.public_id}/").context["close_form"] is None
