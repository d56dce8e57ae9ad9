"""The referral letter PDF: referrals:letter (ask, then the status fragment) and
referrals:letter_download. Made by a Celery task (eager here), access-checked and logged."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.urls import reverse
from pypdf import PdfReader

from cloudpeds.audit.models import AccessEvent
from cloudpeds.core.tasks import generate_pdf
from referrals.models import ReferralLetter

pytestmark = pytest.mark.django_db


def _ask(client, referral, django_capture_on_commit_callbacks, **headers):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("referrals:letter", args=[referral.public_id]), headers=headers)


def _text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)


def test_the_letter_is_made_by_the_task_and_downloaded(client, doctor, approved, django_capture_on_commit_callbacks):
    client.force_login(doctor)
    response = _ask(client, approved, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    letter = ReferralLetter.objects.get(referral=approved)
    assert letter.is_ready and letter.status_at_generation == "approved"

    response = client.get(reverse("referrals:letter_download", args=[approved.public_id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    content = b"".join(response.streaming_content)
    text = _text(content)
    assert "王小明" in text
    # Bilingual: every label in Chinese and in English.
    assert "转诊单" in text and "Referral letter" in text
    assert "J18.9" in text
    assert AccessEvent.objects.filter(user=doctor, action="download", object_type="referrals.referral").exists()


def test_the_fragment_says_being_prepared_until_the_task_ran(client, doctor, approved):
    client.force_login(doctor)
    response = client.post(
        reverse("referrals:letter", args=[approved.public_id]), headers={"HX-Request": "true"}
    )  # no on_commit execution: the task has not run
    assert response.status_code == 200
    assert 'data-testid="letter-preparing"' in response.content.decode()
    assert 'hx-trigger="every 2s"' in response.content.decode()
    letter = ReferralLetter.objects.get(referral=approved)
    generate_pdf("referrals.ReferralLetter", letter.pk)
    response = client.get(reverse("referrals:letter", args=[approved.public_id]), headers={"HX-Request": "true"})
    assert 'data-testid="letter-download"' in response.content.decode()


def test_the_task_is_idempotent(doctor, approved):
    letter, queued = ReferralLetter.request_for(approved, doctor)
    assert queued
    assert ReferralLetter.objects.get(pk=letter.pk).generate_pdf() is True
    first = ReferralLetter.objects.get(pk=letter.pk).file.name
    assert ReferralLetter.objects.get(pk=letter.pk).generate_pdf() is False
    assert ReferralLetter.objects.get(pk=letter.pk).file.name == first


def test_asking_twice_queues_once(doctor, approved):
    _letter, queued = ReferralLetter.request_for(approved, doctor)
    _again, queued_again = ReferralLetter.request_for(approved, doctor)
    assert (queued, queued_again) == (True, False)


def test_the_letter_is_remade_after_the_referral_moved_on(
    client, doctor, transfer_admin, approved, django_capture_on_commit_callbacks
):
    client.force_login(doctor)
    _ask(client, approved, django_capture_on_commit_callbacks)
    approved.mark_departed(doctor)
    letter = ReferralLetter.objects.get(referral=approved)
    assert letter.is_ready and not letter.is_current()
    _ask(client, approved, django_capture_on_commit_callbacks)
    letter.refresh_from_db()
    assert letter.status_at_generation == "departed"


def test_the_down_referral_letter_lists_the_plan(doctor, down_referral):
    letter, _queued = ReferralLetter.request_for(down_referral, doctor)
    ReferralLetter.objects.get(pk=letter.pk).generate_pdf()
    letter.refresh_from_db()
    with letter.file.open("rb") as stored:
        text = _text(stored.read())
    assert "门诊复查" in text and "肺炎好转出院" in text


def test_no_letter_before_approval(client, doctor, referral, django_capture_on_commit_callbacks):
    client.force_login(doctor)
    response = _ask(client, referral, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert not ReferralLetter.objects.exists()
    assert client.get(reverse("referrals:letter_download", args=[referral.public_id])).status_code == 404


def test_another_hospital_gets_404_for_the_letter(client, outsider, doctor, approved):
    letter = ReferralLetter.objects.create(referral=approved, requested_by=doctor)
    ReferralLetter.objects.get(pk=letter.pk).generate_pdf()
    client.force_login(outsider)
    assert client.get(reverse("referrals:letter_download", args=[approved.public_id])).status_code == 404
    assert client.post(reverse("referrals:letter", args=[approved.public_id])).status_code == 404
    assert not AccessEvent.objects.filter(user=outsider).exists()


def test_the_receiving_side_downloads_it_too(client, transfer_admin, doctor, approved):
    letter = ReferralLetter.objects.create(referral=approved, requested_by=doctor)
    ReferralLetter.objects.get(pk=letter.pk).generate_pdf()
    client.force_login(transfer_admin)
    assert client.get(reverse("referrals:letter_download", args=[approved.public_id])).status_code == 200


def test_wrong_methods(client, doctor, approved, xinhua_outsider_role):
    client.force_login(doctor)
    assert client.put(reverse("referrals:letter", args=[approved.public_id])).status_code == 405
    assert client.post(reverse("referrals:letter_download", args=[approved.public_id])).status_code == 405
    client.force_login(xinhua_outsider_role)
    assert client.get(reverse("referrals:letter", args=[approved.public_id])).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_the_letter_is_rendered_outside_the_row_lock(doctor, approved, monkeypatch):
    """Rendering takes long; while it runs, others can lock the letter row (and the referral)."""
    import threading

    from django.db import connection, transaction

    letter = ReferralLetter.objects.create(referral=approved, requested_by=doctor)
    render = ReferralLetter.build_pdf
    seen: list[str] = []

    def build_and_probe(self) -> bytes:
        def probe() -> None:
            try:
                with transaction.atomic():
                    ReferralLetter.objects.select_for_update(nowait=True).get(pk=self.pk)
                    seen.append("free")
            except Exception as exc:  # noqa: BLE001 - the probe reports what it met
                seen.append(type(exc).__name__)
            finally:
                connection.close()

        thread = threading.Thread(target=probe)
        thread.start()
        thread.join()
        return render(self)

    monkeypatch.setattr(ReferralLetter, "build_pdf", build_and_probe)

    assert generate_pdf("referrals.ReferralLetter", letter.pk) is True
    assert seen == ["free"]
