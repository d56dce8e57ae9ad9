"""Withdrawing a case: /consultations/<id>/withdraw/ withdraws a draft or a case no specialist took."""

from __future__ import annotations

import pytest

from cloudpeds.accounts.roles import Role
from cloudpeds.notifications.models import Notification
from consultations.models import ConsultationEvent, Status
from tests.factories import ConsultationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _url(consultation) -> str:
    return f"/consultations/{consultation.public_id}/withdraw/"


def test_a_draft_is_withdrawn(client, doctor, patient, specialist) -> None:
    draft = ConsultationFactory(patient=patient, department=specialist.department, status="draft", submitted_at=None)
    client.force_login(doctor)

    response = client.post(_url(draft), {"reason": "家长拒绝"})

    draft.refresh_from_db()
    assert response["Location"] == f"/consultations/{draft.public_id}/"
    assert draft.status == Status.WITHDRAWN
    assert list(draft.events.values_list("kind", "note")) == [("withdrawn", "家长拒绝")]
    assert not Notification.objects.exists()  # nobody else knew of the draft


def test_a_waiting_case_is_withdrawn_and_the_specialists_are_told(client, doctor, waiting, specialist) -> None:
    client.force_login(doctor)

    client.post(_url(waiting), {})

    waiting.refresh_from_db()
    assert waiting.status == Status.WITHDRAWN
    assert list(Notification.objects.values_list("recipient", "kind")) == [(specialist.pk, "consultations.withdrawn")]
    page = client.get(f"/consultations/{waiting.public_id}/").content.decode()
    assert "The consultation is withdrawn." in page
    assert "This consultation was withdrawn." in page


def test_a_case_a_specialist_took_cannot_be_withdrawn(client, doctor, waiting, specialist) -> None:
    waiting.claim(specialist)
    client.force_login(doctor)

    response = client.post(_url(waiting), {})

    waiting.refresh_from_db()
    assert waiting.status == Status.CLAIMED
    assert "A case already with a specialist cannot be withdrawn." in client.get(response["Location"]).content.decode()
    assert not ConsultationEvent.objects.filter(kind="withdrawn").exists()


def test_withdrawing_twice_records_one_withdrawal(client, doctor, waiting) -> None:
    client.force_login(doctor)

    client.post(_url(waiting), {})
    client.post(_url(waiting), {})

    assert ConsultationEvent.objects.filter(consultation=waiting, kind="withdrawn").count() == 1


def test_the_specialist_cannot_withdraw_the_request(client, specialist, waiting) -> None:
    client.force_login(specialist)

    assert client.post(_url(waiting), {}).status_code == 403
    waiting.refresh_from_db()
    assert waiting.status == Status.SUBMITTED


def test_another_hospitals_doctor_gets_404(client, outsider, waiting) -> None:
    client.force_login(outsider)

    assert client.post(_url(waiting), {}).status_code == 404
    waiting.refresh_from_db()
    assert waiting.status == Status.SUBMITTED


def test_other_roles_get_403(client, yangpu, waiting) -> None:
    client.force_login(UserFactory(hospital=yangpu, roles=[Role.TRAINING_MANAGER]))

    assert client.post(_url(waiting), {}).status_code == 403


def test_get_is_not_allowed(client, doctor, waiting) -> None:
    client.force_login(doctor)

    assert client.get(_url(waiting)).status_code == 405
    waiting.refresh_from_db()
    assert waiting.status == Status.SUBMITTED
