"""Answering the specialist's question: /consultations/<id>/information/ resumes the clock."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from cloudpeds.accounts.roles import Role
from cloudpeds.attachments.models import Attachment
from cloudpeds.notifications.models import Notification
from consultations.models import Consultation, ConsultationEvent, Message, Status
from tests.factories import ConsultationFactory, PatientFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(doctor, specialist):
    """The specialist asked for blood results an hour ago."""
    patient = PatientFactory(hospital=doctor.hospital, registered_by=doctor)
    consultation = ConsultationFactory(patient=patient, department=specialist.department)
    consultation.claim(specialist)
    consultation.request_info(specialist, "请提供血常规")
    Consultation.objects.filter(pk=consultation.pk).update(paused_since=timezone.now() - timedelta(hours=1))
    consultation.refresh_from_db()
    Notification.objects.all().delete()
    return consultation


def _url(consultation) -> str:
    return f"/consultations/{consultation.public_id}/information/"


def _lab_report() -> SimpleUploadedFile:
    out = BytesIO()
    Image.new("RGB", (50, 70), (250, 250, 250)).save(out, "JPEG")
    return SimpleUploadedFile("血常规.jpg", out.getvalue(), content_type="image/jpeg")


def test_the_answer_resumes_the_clock_and_tells_the_specialist(client, doctor, specialist, waiting) -> None:
    due_before = waiting.due_at
    client.force_login(doctor)

    response = client.post(
        _url(waiting), {"answer": "WBC 12.5", "attachments": [_lab_report()], "file_kind": "lab_report"}
    )

    waiting.refresh_from_db()
    assert response["Location"] == f"/consultations/{waiting.public_id}/"
    assert waiting.status == Status.CLAIMED
    assert waiting.paused_since is None
    assert waiting.due_at - due_before >= timedelta(hours=1)  # moved by the pause
    answer = Message.objects.filter(is_info_request=False).get()
    assert (answer.author, answer.body) == (doctor, "WBC 12.5")
    report = Attachment.objects.for_source(answer).get()
    assert (report.kind, report.patient_id) == ("lab_report", waiting.patient_id)
    assert list(Notification.objects.values_list("recipient", "kind")) == [
        (specialist.pk, "consultations.info_provided")
    ]


def test_an_empty_answer_is_refused_and_the_case_keeps_waiting(client, doctor, waiting) -> None:
    client.force_login(doctor)

    response = client.post(_url(waiting), {"answer": "", "attachments": [_lab_report()]})

    waiting.refresh_from_db()
    assert response.status_code == 200
    assert "Write the information the specialist asked for." in response.content.decode()
    assert waiting.status == Status.INFO_REQUESTED
    assert not Attachment.objects.exists()


def test_answering_twice_answers_once(client, doctor, waiting) -> None:
    client.force_login(doctor)

    client.post(_url(waiting), {"answer": "第一次"})
    second = client.post(_url(waiting), {"answer": "第二次", "attachments": [_lab_report()]})

    assert ConsultationEvent.objects.filter(consultation=waiting, kind="info_provided").count() == 1
    assert not Message.objects.filter(body="第二次").exists()
    assert not Attachment.objects.exists()
    assert "No information is being waited for." in client.get(second["Location"]).content.decode()


def test_the_specialist_cannot_answer_their_own_question(client, specialist, waiting) -> None:
    client.force_login(specialist)

    assert client.post(_url(waiting), {"answer": "x"}).status_code == 403
    waiting.refresh_from_db()
    assert waiting.status == Status.INFO_REQUESTED


def test_another_hospitals_doctor_gets_404(client, outsider, waiting) -> None:
    client.force_login(outsider)

    assert client.post(_url(waiting), {"answer": "x"}).status_code == 404
    waiting.refresh_from_db()
    assert waiting.status == Status.INFO_REQUESTED


def test_other_roles_get_403(client, yangpu, waiting) -> None:
    client.force_login(UserFactory(hospital=yangpu, roles=[Role.TRAINING_MANAGER]))

    assert client.post(_url(waiting), {"answer": "x"}).status_code == 403


def test_get_is_not_allowed(client, doctor, waiting) -> None:
    client.force_login(doctor)

    assert client.get(_url(waiting)).status_code == 405
