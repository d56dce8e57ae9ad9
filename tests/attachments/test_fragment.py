"""The list of a child's files: the htmx fragment (attachments:patient_files) and the full page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from cloudpeds.attachments.models import Attachment
from cloudpeds.audit.models import AccessEvent
from tests.factories import AttachmentFactory

from . import corpus
from .conftest import upload_file


def _fragment(client, patient):
    return client.get(reverse("attachments:patient_files", args=[patient.public_id]), headers={"HX-Request": "true"})


def _page(client, patient, page: int = 1):
    return client.get(reverse("attachments:patient_files_page", args=[patient.public_id]), {"page": page})


def _attach(patient, doctor, count: int, **kwargs) -> None:
    for _ in range(count):
        AttachmentFactory(patient=patient, uploaded_by=doctor, **kwargs)


def test_fragment_lists_images_and_documents(client, doctor, patient):
    AttachmentFactory(patient=patient, uploaded_by=doctor, description="左前臂皮疹")
    AttachmentFactory(
        patient=patient,
        uploaded_by=doctor,
        kind="lab_report",
        description="血常规",
        upload=upload_file("血常规.pdf", corpus.pdf(3), "application/pdf"),
    )
    client.force_login(doctor)

    response = _fragment(client, patient)

    assert response.status_code == 200
    assertNotContains(response, "<html")
    assertContains(response, 'data-testid="image-grid"')
    assertContains(response, 'data-testid="document-list"')
    assertContains(response, "左前臂皮疹")
    assertContains(response, "血常规.pdf")
    assertContains(response, doctor.display_name)
    for attachment in Attachment.objects.all():
        assertContains(response, attachment.download_url)
    image = Attachment.objects.get(kind="photo")
    assertContains(response, image.thumbnail_url)
    assertContains(response, image.inline_url)


def test_fragment_shows_shanghai_time(client, doctor, patient):
    attachment = AttachmentFactory(patient=patient, uploaded_by=doctor)
    Attachment.objects.filter(pk=attachment.pk).update(uploaded_at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
    client.force_login(doctor)

    assertContains(_fragment(client, patient), "2026-03-02 07:30")


def test_fragment_offers_the_upload_form_to_doctors(client, doctor, patient):
    client.force_login(doctor)

    response = _fragment(client, patient)

    assertContains(response, 'data-testid="no-files"')
    assertContains(response, 'hx-encoding="multipart/form-data"')
    assertContains(response, f'hx-post="{reverse("attachments:upload", args=[patient.public_id])}"')
    assertContains(response, 'accept=".jpg,.jpeg,.png,.pdf')


def test_each_rendering_logs_one_view(client, doctor, patient):
    _attach(patient, doctor, 3)
    client.force_login(doctor)

    _fragment(client, patient)
    _fragment(client, patient)

    events = AccessEvent.objects.filter(patient=patient)
    assert events.count() == 2
    assert {(event.action, event.object_type) for event in events} == {("view", "patients.patient")}


def test_fragment_shows_the_newest_24_and_links_to_all(client, doctor, patient):
    _attach(patient, doctor, 25)
    oldest = Attachment.objects.order_by("uploaded_at", "pk").first()
    client.force_login(doctor)

    response = _fragment(client, patient)

    assertContains(response, "/thumbnail/", count=24)
    assertNotContains(response, oldest.thumbnail_url)
    assertContains(response, 'data-testid="show-all"')


def test_full_page_paginates(client, doctor, patient):
    _attach(patient, doctor, 30)
    oldest = Attachment.objects.order_by("uploaded_at", "pk").first()
    client.force_login(doctor)

    first, second = _page(client, patient, 1), _page(client, patient, 2)

    assertContains(first, "/thumbnail/", count=24)
    assertContains(second, "/thumbnail/", count=6)
    assertContains(second, oldest.thumbnail_url)
    assertContains(first, "<html")


@pytest.mark.parametrize("render", [_fragment, _page])
def test_query_count_does_not_grow_with_the_files(client, doctor, patient, render):
    client.force_login(doctor)
    _attach(patient, doctor, 2)
    render(client, patient)  # warm up: session, content types

    with CaptureQueriesContext(connection) as few:
        render(client, patient)
    _attach(patient, doctor, 28)
    with CaptureQueriesContext(connection) as many:
        render(client, patient)

    assert len(many) == len(few)


def test_fragment_for_another_hospital_is_404_even_with_files(client, outsider, doctor, patient):
    _attach(patient, doctor, 1)
    client.force_login(outsider)

    assert _fragment(client, patient).status_code == 404
    assert _page(client, patient).status_code == 404


def test_colleague_without_a_clinical_role_gets_403(client, colleague, patient):
    client.force_login(colleague)

    assert _fragment(client, patient).status_code == 403
    assert not AccessEvent.objects.exists()


@pytest.mark.parametrize("view", ["attachments:patient_files", "attachments:patient_files_page"])
def test_post_is_not_allowed(client, doctor, patient, view):
    client.force_login(doctor)

    assert client.post(reverse(view, args=[patient.public_id])).status_code == 405
    assert not AccessEvent.objects.exists()
