"""Getting a file back out: attachments:download, attachments:inline, attachments:thumbnail."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cloudpeds.attachments.models import Attachment
from cloudpeds.audit.models import AccessEvent
from tests.factories import AttachmentFactory

from . import corpus
from .conftest import upload_file


@pytest.fixture
def image(patient, doctor):
    return AttachmentFactory(
        patient=patient,
        uploaded_by=doctor,
        upload=upload_file("皮疹 第3天.jpg", corpus.jpeg(), "image/jpeg"),
        description="左前臂",
    )


@pytest.fixture
def report(patient, doctor):
    return AttachmentFactory(
        patient=patient,
        uploaded_by=doctor,
        kind="lab_report",
        upload=upload_file("blood-count.pdf", corpus.pdf(1), "application/pdf"),
    )


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def _stored(field_file) -> bytes:
    with field_file.open("rb") as stored:
        return stored.read()


def test_download_sends_the_stored_file_as_an_attachment(client, doctor, report):
    client.force_login(doctor)

    response = client.get(reverse("attachments:download", args=[report.public_id]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="blood-count.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]
    assert _body(response) == _stored(report.file)


def test_download_writes_an_access_event(client, doctor, report, patient):
    client.force_login(doctor)

    client.get(reverse("attachments:download", args=[report.public_id]))

    event = AccessEvent.objects.get()
    assert (event.user, event.patient, event.action) == (doctor, patient, AccessEvent.Action.DOWNLOAD)
    assert (event.object_type, event.object_id) == ("attachments.attachment", str(report.public_id))


def test_chinese_file_names_survive_the_download(client, doctor, image):
    client.force_login(doctor)

    response = client.get(reverse("attachments:download", args=[image.public_id]))

    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    assert "%E7%9A%AE%E7%96%B9" in response["Content-Disposition"]  # 皮疹


def test_inline_view_shows_an_image_and_logs_a_view(client, doctor, image, patient):
    client.force_login(doctor)

    response = client.get(reverse("attachments:inline", args=[image.public_id]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert _body(response) == _stored(image.file)
    event = AccessEvent.objects.get()
    assert (event.action, event.object_id) == (AccessEvent.Action.VIEW, str(image.public_id))


def test_pdfs_are_never_shown_inline(client, doctor, report):
    client.force_login(doctor)

    response = client.get(reverse("attachments:inline", args=[report.public_id]))

    assert response.status_code == 404
    assert not AccessEvent.objects.exists()


def test_thumbnail_is_a_small_jpeg_and_is_not_logged(client, doctor, image):
    client.force_login(doctor)

    response = client.get(reverse("attachments:thumbnail", args=[image.public_id]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert _body(response) == _stored(image.thumbnail)
    assert not AccessEvent.objects.exists()


def test_pdf_has_no_thumbnail(client, doctor, report):
    client.force_login(doctor)

    assert client.get(reverse("attachments:thumbnail", args=[report.public_id])).status_code == 404


FILE_VIEWS = ["attachments:download", "attachments:inline", "attachments:thumbnail"]
PATIENT_VIEWS = ["attachments:patient_files", "attachments:patient_files_page"]


@pytest.mark.parametrize("view", FILE_VIEWS)
def test_other_hospitals_doctor_gets_404_on_files(client, outsider, image, view):
    client.force_login(outsider)

    assert client.get(reverse(view, args=[image.public_id])).status_code == 404
    assert not AccessEvent.objects.exists()


@pytest.mark.parametrize("view", PATIENT_VIEWS)
def test_other_hospitals_doctor_gets_404_on_the_list(client, outsider, image, patient, view):
    client.force_login(outsider)

    assert client.get(reverse(view, args=[patient.public_id])).status_code == 404
    assert not AccessEvent.objects.exists()


@pytest.mark.parametrize("view", FILE_VIEWS)
def test_a_care_team_grant_opens_the_files(client, outsider, image, patient, view):
    patient.grant(user=outsider, reason="下转随访")
    client.force_login(outsider)

    assert client.get(reverse(view, args=[image.public_id])).status_code == 200


@pytest.mark.parametrize("view", PATIENT_VIEWS)
def test_a_care_team_grant_opens_the_list(client, outsider, image, patient, view):
    patient.grant(user=outsider, reason="下转随访")
    client.force_login(outsider)

    response = client.get(reverse(view, args=[patient.public_id]))

    assert response.status_code == 200
    assert image.thumbnail_url.encode() in response.content
    assert AccessEvent.objects.get().user == outsider


def test_a_revoked_grant_closes_them_again(client, outsider, image, patient):
    grant = patient.grant(user=outsider, reason="下转随访")
    grant.revoked_at = grant.granted_at
    grant.save(update_fields=["revoked_at"])
    client.force_login(outsider)

    assert client.get(reverse("attachments:download", args=[image.public_id])).status_code == 404


@pytest.mark.parametrize("view", FILE_VIEWS)
def test_colleague_without_a_clinical_role_gets_403(client, colleague, image, view):
    client.force_login(colleague)

    assert client.get(reverse(view, args=[image.public_id])).status_code == 403
    assert not AccessEvent.objects.exists()


@pytest.mark.parametrize("view", FILE_VIEWS)
def test_post_is_not_allowed(client, doctor, image, view):
    client.force_login(doctor)

    assert client.post(reverse(view, args=[image.public_id])).status_code == 405
    assert not AccessEvent.objects.exists()


@pytest.mark.parametrize("view", FILE_VIEWS)
def test_anonymous_is_sent_to_sign_in(client, image, view):
    response = client.get(reverse(view, args=[image.public_id]))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_unknown_file_is_404(client, doctor, image):
    client.force_login(doctor)
    missing = "00000000-0000-4000-8000-000000000000"

    assert client.get(reverse("attachments:download", args=[missing])).status_code == 404
    assert Attachment.objects.count() == 1
