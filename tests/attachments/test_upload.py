"""Attaching a file to a child's record: attachments:upload."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import DataError
from django.urls import reverse
from PIL import Image
from pytest_django.asserts import assertContains, assertRedirects

from cloudpeds.attachments.models import Attachment
from cloudpeds.attachments.validation import sniff_and_normalise
from tests.factories import PatientFactory

from . import corpus
from .conftest import photo, stored_files, upload_file


def _url(patient) -> str:
    return reverse("attachments:upload", args=[patient.public_id])


def _post(client, patient, *, htmx: bool = True, **data):
    payload = {"file": photo(), "kind": "photo", "description": "左前臂皮疹 第3天", **data}
    return client.post(_url(patient), payload, headers={"HX-Request": "true"} if htmx else {})


def test_doctor_attaches_a_photo_and_gets_the_fragment_back(client, doctor, patient, media_root):
    client.force_login(doctor)

    response = _post(client, patient)

    assert response.status_code == 200
    assertContains(response, f'id="patient-files-{patient.public_id}"')
    assertContains(response, "左前臂皮疹 第3天")
    attachment = Attachment.objects.get()
    assert attachment.patient == patient
    assert attachment.uploaded_by == doctor
    assert attachment.kind == Attachment.Kind.PHOTO
    assert attachment.original_name == "皮疹.jpg"
    assert attachment.content_type == "image/jpeg"
    assert (attachment.width, attachment.height) == (640, 480)
    assert attachment.page_count is None
    # Random stored names, nothing of the original name in storage.
    assert attachment.file.name.startswith("attachments/")
    assert "皮疹" not in attachment.file.name
    assert attachment.file.name.endswith(".jpg")
    assert attachment.thumbnail.name.startswith("attachments/thumbnails/")
    assert len(stored_files(media_root)) == 2
    with attachment.file.open("rb") as stored:
        content = stored.read()
    assert len(content) == attachment.size
    assert Image.open(io.BytesIO(content)).format == "JPEG"
    assert hashlib.sha256(content).hexdigest() == attachment.sha256


def test_pdf_is_stored_without_a_thumbnail(client, doctor, patient, media_root):
    client.force_login(doctor)

    _post(client, patient, file=upload_file("血常规.pdf", corpus.pdf(2), "application/pdf"), kind="lab_report")

    attachment = Attachment.objects.get()
    assert (attachment.kind, attachment.content_type, attachment.page_count) == ("lab_report", "application/pdf", 2)
    assert not attachment.thumbnail
    assert len(stored_files(media_root)) == 1


def test_gps_exif_is_not_stored(client, doctor, patient):
    client.force_login(doctor)
    with_gps = corpus.jpeg((400, 300), exif=corpus.gps_exif())

    _post(client, patient, file=upload_file("IMG_0001.jpg", with_gps, "image/jpeg"))

    attachment = Attachment.objects.get()
    with attachment.file.open("rb") as stored:
        image = Image.open(io.BytesIO(stored.read()))
    assert dict(image.getexif()) == {}
    assert image.size == (300, 400)


def test_without_htmx_the_upload_redirects_to_the_files_page(client, doctor, patient):
    client.force_login(doctor)

    response = _post(client, patient, htmx=False)

    page = reverse("attachments:patient_files_page", args=[patient.public_id])
    assertRedirects(response, page)
    assert Attachment.objects.count() == 1
    assertContains(client.get(page), "皮疹.jpg")


def test_form_errors_without_htmx_show_on_the_full_page(client, doctor, patient, media_root):
    client.force_login(doctor)

    response = client.post(_url(patient), {"kind": "photo"})

    assert response.status_code == 200
    assertContains(response, "<h1", count=1)  # the full page, not the fragment
    assertContains(response, "invalid-feedback")
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"file": None}, "file"),
        ({"kind": "selfie"}, "kind"),
        ({"description": "x" * 301}, "description"),
    ],
)
def test_bad_input_stores_nothing(client, doctor, patient, media_root, data, field):
    client.force_login(doctor)
    payload = {"file": photo(), "kind": "photo", "description": "", **data}
    payload = {key: value for key, value in payload.items() if value is not None}

    response = client.post(_url(patient), payload, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assertContains(response, f'id="error_1_id_{field}"')
    assert not Attachment.objects.exists()
    assert stored_files(media_root) == []


def test_other_hospitals_doctor_gets_404(client, outsider, patient, media_root):
    client.force_login(outsider)

    response = _post(client, patient)

    assert response.status_code == 404
    assert not Attachment.objects.exists()
    assert stored_files(media_root) == []


def test_specialist_with_a_care_team_grant_may_attach(client, specialist, patient):
    patient.grant(user=specialist, reason="远程会诊")
    client.force_login(specialist)

    response = _post(client, patient)

    assert response.status_code == 200
    assert Attachment.objects.get().uploaded_by == specialist


def test_transfer_administrator_sees_the_record_but_may_not_attach(
    client, login_2fa, yangpu_admin, patient, media_root
):
    login_2fa(yangpu_admin)

    response = _post(client, patient)

    assert response.status_code == 403
    assert not Attachment.objects.exists()
    assert stored_files(media_root) == []
    # The same person gets the list without the upload form.
    fragment = client.get(reverse("attachments:patient_files", args=[patient.public_id]))
    assert fragment.status_code == 200
    assert b"data-attachment-upload" not in fragment.content


def test_colleague_without_a_clinical_role_gets_403(client, colleague, patient):
    client.force_login(colleague)

    assert _post(client, patient).status_code == 403
    assert not Attachment.objects.exists()


def test_get_is_not_allowed(client, doctor, patient):
    client.force_login(doctor)

    assert client.get(_url(patient)).status_code == 405


def test_anonymous_is_sent_to_sign_in(client, patient, media_root):
    response = _post(client, patient)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not Attachment.objects.exists()


# --- The reusable model API ---------------------------------------------------------------------


def test_create_from_upload_records_the_source_object(doctor, patient):
    consent = patient.consents.get()

    attachment = Attachment.objects.create_from_upload(
        patient=patient, uploaded_by=doctor, upload=photo(), kind="letter", description="", source=consent
    )

    assert attachment.source == consent
    assert list(Attachment.objects.for_source(consent)) == [attachment]
    assert not Attachment.objects.for_source(PatientFactory())


def test_create_from_upload_accepts_a_checked_file(doctor, patient):
    clean = sniff_and_normalise(upload_file("x.png", corpus.png(), "image/png"))

    attachment = Attachment.objects.create_from_upload(patient=patient, uploaded_by=doctor, upload=clean, kind="other")

    assert (attachment.content_type, attachment.sha256) == ("image/png", clean.sha256)


def test_stored_files_are_removed_when_the_row_cannot_be_written(doctor, patient, media_root):
    # Bypass the form's max_length: the database refuses the row after the files were saved.
    with pytest.raises(DataError):
        Attachment.objects.create_from_upload(
            patient=patient, uploaded_by=doctor, upload=photo(), kind="photo", description="x" * 400
        )

    assert stored_files(media_root) == []


def test_create_from_uploads_stores_every_file_of_a_form(doctor, patient):
    consent = patient.consents.get()

    stored = Attachment.objects.create_from_uploads(
        [photo("左.jpg"), upload_file("报告.png", corpus.png(), "image/png")],
        patient=patient,
        uploaded_by=doctor,
        kind="lab_report",
        source=consent,
    )

    assert [attachment.original_name for attachment in stored] == ["左.jpg", "报告.png"]
    assert set(Attachment.objects.for_source(consent)) == set(stored)
    assert {attachment.kind for attachment in stored} == {"lab_report"}


def test_create_from_uploads_removes_the_stored_files_when_one_fails(doctor, patient, media_root):
    with pytest.raises(ValidationError):
        Attachment.objects.create_from_uploads(
            [photo(), upload_file("假的.png", b"<html></html>", "image/png")],
            patient=patient,
            uploaded_by=doctor,
            kind="photo",
        )

    # The rows go with the caller's transaction; the files already stored are gone now.
    assert stored_files(media_root) == []
