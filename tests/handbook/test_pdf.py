"""PDFs: one topic (handbook:topic_pdf, handbook:version_pdf) and the whole handbook (an edition)."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from cloudpeds.core.tasks import generate_pdf
from handbook.models import HandbookEdition

from .conftest import publish, publish_topic, write_draft

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_topic_pdf_has_the_title_and_the_version_stamp(client, reader, editor, fever):
    client.force_login(reader)

    response = client.get("/handbook/topics/fever/pdf/", {"lang": "zh"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = _text(response.content)
    assert "发热" in text
    assert "紧急转诊" in text
    assert fever.effective_date.isoformat() in text
    assert fever.next_review_date.isoformat() in text
    assert editor.display_name in text


def test_the_pdf_follows_the_reading_language(client, reader, fever):
    client.force_login(reader)

    text = _text(client.get("/handbook/topics/fever/pdf/", {"lang": "en"}).content)

    assert "Fever" in text
    assert "Refer urgently." in text


def test_a_superseded_version_has_its_own_pdf(client, reader, editor, editor2, fever):
    publish(write_draft(editor2, "fever", ("发热 修订版", "Fever (revised)")), editor)
    client.force_login(reader)

    text = _text(client.get("/handbook/topics/fever/v/1/pdf/", {"lang": "en"}).content)

    assert "Fever" in text and "revised" not in text


def test_readers_get_no_pdf_of_a_draft(client, reader, editor2, fever):
    fever.topic.start_draft(editor2)
    client.force_login(reader)

    assert client.get("/handbook/topics/fever/v/2/pdf/").status_code == 404


def test_the_pdf_needs_sign_in_and_get(client, reader, fever):
    assert client.get("/handbook/topics/fever/pdf/").status_code == 302
    client.force_login(reader)
    assert client.post("/handbook/topics/fever/pdf/").status_code == 405


def test_asking_for_the_handbook_pdf_makes_an_edition(
    client, reader, editor, editor2, fever, django_capture_on_commit_callbacks
):
    publish_topic(editor2, editor, "cough", ("咳嗽或呼吸困难", "Cough or difficult breathing"), symptom="cough")
    client.force_login(reader)
    page = client.get("/handbook/pdf/")
    assert page.context["edition"] is None

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/handbook/pdf/")

    assert response.status_code == 302
    edition = HandbookEdition.objects.get()
    assert edition.is_ready  # the task ran in-process (no broker in tests)
    assert edition.requested_by == reader
    with edition.file.open("rb") as handle:
        text = _text(handle.read())
    assert "发热" in text and "Cough or difficult breathing" in text
    assert text.index("咳嗽或呼吸困难") < text.index("发热")  # the handbook's symptom order
    download = client.get(f"/handbook/pdf/{edition.pk}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    # The one download response of every generated PDF (cloudpeds.core.documents).
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in download["Cache-Control"]
    assert download["Content-Disposition"].startswith("attachment;")


def test_a_pending_edition_shows_being_prepared_and_polls(client, reader, fever):
    key, ids = HandbookEdition.objects.current_key()
    HandbookEdition.objects.create(key=key, version_ids=ids, requested_by=reader)
    client.force_login(reader)

    response = client.get("/handbook/pdf/", headers={"HX-Request": "true"})

    content = response.content.decode()
    assert "being prepared" in content
    assert 'hx-trigger="every 3s"' in content
    assert "<html" not in content  # only the status fragment
    edition = HandbookEdition.objects.get()
    assert client.get(f"/handbook/pdf/{edition.pk}/download/").status_code == 404


def test_publishing_a_version_makes_a_new_edition_key(editor, editor2, fever):
    before, _ = HandbookEdition.objects.current_key()

    publish(write_draft(editor2, "fever", ("发热", "Fever")), editor)

    assert HandbookEdition.objects.current_key()[0] != before


def test_the_task_is_safe_to_run_twice(reader, fever):
    key, ids = HandbookEdition.objects.current_key()
    edition = HandbookEdition.objects.create(key=key, version_ids=ids, requested_by=reader)

    assert generate_pdf("handbook.HandbookEdition", edition.pk) is True
    first = HandbookEdition.objects.get().file.name
    assert generate_pdf("handbook.HandbookEdition", edition.pk) is False
    assert HandbookEdition.objects.get().file.name == first


def test_a_failed_edition_can_be_asked_for_again(reader, fever, monkeypatch, django_capture_on_commit_callbacks):
    import handbook.printing

    key, ids = HandbookEdition.objects.current_key()
    edition = HandbookEdition.objects.create(key=key, version_ids=ids, requested_by=reader)
    with monkeypatch.context() as patched:
        patched.setattr(
            handbook.printing, "render_handbook_pdf", lambda _edition: (_ for _ in ()).throw(RuntimeError("boom"))
        )
        with pytest.raises(RuntimeError):
            edition.generate_pdf()
    edition.refresh_from_db()
    assert edition.is_failed

    with django_capture_on_commit_callbacks(execute=True):
        HandbookEdition.request(reader)

    assert HandbookEdition.objects.get().is_ready


def test_an_edition_whose_task_was_lost_can_be_asked_for_again(reader, fever, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    key, ids = HandbookEdition.objects.current_key()
    HandbookEdition.objects.create(
        key=key, version_ids=ids, requested_by=reader, requested_at=timezone.now() - timedelta(hours=1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        HandbookEdition.request(reader)

    assert HandbookEdition.objects.get().is_ready


def test_a_failing_render_does_not_fail_the_request(
    client, reader, fever, monkeypatch, django_capture_on_commit_callbacks
):
    import handbook.printing

    def broken(edition):
        raise RuntimeError("no fonts")

    monkeypatch.setattr(handbook.printing, "render_handbook_pdf", broken)
    client.force_login(reader)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/handbook/pdf/")

    assert response.status_code == 302
    assert HandbookEdition.objects.get().is_failed
    assert "Try again" in client.get("/handbook/pdf/").content.decode()
