"""After any error on the consultation form the chosen files are not silently dropped: the
page names them and asks for them again (a browser never keeps a chosen file)."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from cloudpeds.attachments.models import Attachment
from consultations.models import Consultation
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(doctor):
    return PatientFactory(
        hospital=doctor.hospital, registered_by=doctor, date_of_birth=timezone.localdate() - timedelta(days=920)
    )


def _png(name: str) -> SimpleUploadedFile:
    out = BytesIO()
    Image.new("RGB", (40, 30), (10, 20, 30)).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def _case(specialist, **overrides) -> dict:
    data = {
        "department": str(specialist.department_id),
        "urgency": "routine",
        "question": "是否需要住院?",
        "temperature_c": "38.6",
        "file_kind": "photo",
        "action": "submit",
    }
    return {**data, **overrides}


def test_a_field_error_names_the_files_to_choose_again(client, doctor, specialist, patient, media_root):
    client.force_login(doctor)

    response = client.post(
        f"/consultations/new/{patient.public_id}/",
        _case(specialist, temperature_c="52", attachments=[_png("皮疹.png")]),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    assert "Not attached yet: choose 皮疹.png again before sending." in response.content.decode()
    assert not Consultation.objects.exists()
    assert not Attachment.objects.exists()


def test_a_refusal_after_validation_names_the_files_too(client, doctor, specialist, patient, media_root):
    client.force_login(doctor)

    response = client.post(
        f"/consultations/new/{patient.public_id}/",
        _case(specialist, question="", attachments=[_png("胸片.png")]),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    assert "Not attached yet: choose 胸片.png again before sending." in response.content.decode()
    assert not Attachment.objects.exists()


def test_no_note_without_files(client, doctor, specialist, patient):
    client.force_login(doctor)

    response = client.post(
        f"/consultations/new/{patient.public_id}/", _case(specialist, temperature_c="52"), HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200
    assert "Not attached yet" not in response.content.decode()
