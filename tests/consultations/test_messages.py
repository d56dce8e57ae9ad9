"""The thread beside the case: /consultations/<id>/messages/ (htmx or a plain form post)."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cloudpeds.accounts.roles import Role
from cloudpeds.attachments.models import Attachment
from cloudpeds.notifications.models import Notification
from consultations.models import Message
from tests.factories import ConsultationFactory, PatientFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def consultation(doctor, specialist):
    """A case the respiratory specialist has taken."""
    patient = PatientFactory(hospital=doctor.hospital, registered_by=doctor)
    consultation = ConsultationFactory(patient=patient, department=specialist.department)
    consultation.claim(specialist)
    Notification.objects.all().delete()
    return consultation


def _url(consultation) -> str:
    return f"/consultations/{consultation.public_id}/messages/"


def _png(name: str = "皮疹.png") -> SimpleUploadedFile:
    out = BytesIO()
    Image.new("RGB", (32, 32), (200, 30, 30)).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def test_the_requesting_doctor_writes_and_the_specialist_is_told(client, doctor, specialist, consultation) -> None:
    client.force_login(doctor)

    response = client.post(_url(consultation), {"body": "今天体温降了", "file_kind": "photo"})

    assert response.status_code == 302
    assert response["Location"] == f"/consultations/{consultation.public_id}/#thread"
    message = Message.objects.get()
    assert (message.consultation, message.author, message.body) == (consultation, doctor, "今天体温降了")
    assert list(Notification.objects.values_list("recipient", "kind")) == [(specialist.pk, "consultations.message")]
    page = client.get(f"/consultations/{consultation.public_id}/").content.decode()
    assert "今天体温降了" in page and "Your message is sent." in page


def test_the_specialist_writes_and_the_requesting_doctor_is_told(client, doctor, specialist, consultation) -> None:
    client.force_login(specialist)

    client.post(_url(consultation), {"body": "请拍一张咽部照片"})

    assert Message.objects.get().author == specialist
    assert list(Notification.objects.values_list("recipient", "kind")) == [(doctor.pk, "consultations.message")]


def test_with_htmx_the_thread_comes_back_with_the_message_and_an_empty_form(client, doctor, consultation) -> None:
    client.force_login(doctor)

    response = client.post(_url(consultation), {"body": "补充: 无皮疹"}, **HTMX)

    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section class="card mb-4" id="thread"')
    assert "<html" not in body
    assert "补充: 无皮疹" in body
    assert "Your message is sent." in body
    assert 'name="body"' in body and "补充: 无皮疹</textarea>" not in body


def test_files_go_with_the_message_and_show_in_the_thread(client, doctor, consultation) -> None:
    client.force_login(doctor)

    response = client.post(
        _url(consultation), {"body": "咽部照片", "attachments": [_png(), _png("2.png")], "file_kind": "photo"}, **HTMX
    )

    message = Message.objects.get()
    files = Attachment.objects.for_source(message)
    assert files.count() == 2
    assert {(f.patient_id, f.uploaded_by_id) for f in files} == {(consultation.patient_id, doctor.pk)}
    for attachment in files:
        assert f"/files/{attachment.public_id}/thumbnail/" in response.content.decode()


def test_an_empty_message_is_refused_and_nothing_is_stored(client, doctor, consultation) -> None:
    client.force_login(doctor)

    plain = client.post(_url(consultation), {"body": "  ", "attachments": [_png()]})
    htmx = client.post(_url(consultation), {"body": ""}, **HTMX)

    assert plain.status_code == 200 and "Write a message." in plain.content.decode()
    assert "<html" in plain.content.decode()  # the whole case page, with the error
    assert htmx.status_code == 200 and "Write a message." in htmx.content.decode()
    assert not Message.objects.exists()
    assert not Attachment.objects.exists()
    assert not Notification.objects.exists()


def test_a_bad_file_is_refused_by_name_and_the_message_is_not_sent(client, doctor, consultation) -> None:
    client.force_login(doctor)
    script = SimpleUploadedFile("x.png", b"#!/bin/sh\nrm -rf /\n", content_type="image/png")

    response = client.post(_url(consultation), {"body": "看附件", "attachments": [script]}, **HTMX)

    assert "x.png: Only JPEG and PNG images and PDF documents can be attached" in response.content.decode()
    assert not Message.objects.exists()


def test_posting_the_same_form_twice_writes_one_message(client, doctor, consultation) -> None:
    client.force_login(doctor)
    form = client.get(f"/consultations/{consultation.public_id}/").context["message_form"]
    data = {"body": "一次", "message_id": str(form["message_id"].value()), "attachments": [_png()]}

    client.post(_url(consultation), data)
    data["attachments"] = [_png()]
    client.post(_url(consultation), data)

    message = Message.objects.get()
    assert str(message.public_id) == data["message_id"]
    assert Attachment.objects.for_source(message).count() == 1
    assert Notification.objects.count() == 1


def test_a_department_specialist_who_has_not_taken_the_case_cannot_write(client, xinhua, consultation) -> None:
    colleague = UserFactory(hospital=xinhua, department=consultation.department, roles=[Role.SPECIALIST])
    client.force_login(colleague)

    assert client.post(_url(consultation), {"body": "我也看看"}).status_code == 403
    assert not Message.objects.exists()


def test_no_messages_on_a_closed_case(client, doctor, specialist, consultation) -> None:
    consultation.answer(
        specialist, assessment="a", recommendation="manage_locally", plan="p", family_advice="", follow_up_days=None
    )
    consultation.close(doctor, advice_adopted="fully", not_adopted_reason="", referral_avoided=True, usefulness=5)
    client.force_login(doctor)

    page = client.get(f"/consultations/{consultation.public_id}/")

    assert page.context["message_form"] is None
    assert client.post(_url(consultation), {"body": "还有问题"}).status_code == 403
    assert not Message.objects.exists()


def test_another_hospitals_doctor_gets_404(client, outsider, consultation) -> None:
    client.force_login(outsider)

    assert client.post(_url(consultation), {"body": "?"}).status_code == 404
    assert not Message.objects.exists()


def test_other_roles_get_403(client, yangpu, consultation) -> None:
    client.force_login(UserFactory(hospital=yangpu, roles=[Role.HANDBOOK_EDITOR]))

    assert client.post(_url(consultation), {"body": "?"}).status_code == 403
    assert not Message.objects.exists()


def test_get_is_not_allowed(client, doctor, consultation) -> None:
    client.force_login(doctor)

    assert client.get(_url(consultation)).status_code == 405


def test_the_thread_shows_each_messages_author_and_the_info_request(client, doctor, specialist, consultation) -> None:
    consultation.post_message(doctor, "第一条")
    consultation.request_info(specialist, "请补充体重")
    client.force_login(doctor)

    response = client.get(f"/consultations/{consultation.public_id}/")

    thread = [(message.author, message.body, message.is_info_request) for message, _files in response.context["thread"]]
    assert thread == [(doctor, "第一条", False), (specialist, "请补充体重", True)]
    assert "Information requested" in response.content.decode()
