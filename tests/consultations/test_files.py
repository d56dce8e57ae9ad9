"""Files go with the transition that the form posts (Consultation.save_draft, submit,
post_message, provide_info, answer): stored last in its transaction, on the child's record,
for what they belong to; a refused transition stores none."""

from __future__ import annotations

import uuid
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cloudpeds.attachments.models import Attachment
from consultations.models import ConsultationError

pytestmark = pytest.mark.django_db


def png(name: str = "胸片.png") -> SimpleUploadedFile:
    out = BytesIO()
    Image.new("RGB", (40, 30), (10, 20, 30)).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def stored_files(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.fixture
def claimed(draft, doctor, specialist):
    draft.submit(doctor)
    draft.claim(specialist)
    return draft


def test_the_files_sent_with_the_case_belong_to_it(draft, doctor):
    draft.submit(doctor, attachments=[png()], file_kind=Attachment.Kind.XRAY)

    attachment = Attachment.objects.for_source(draft).get()
    assert (attachment.patient, attachment.uploaded_by, attachment.kind) == (draft.patient, doctor, "xray_photo")
    assert attachment.original_name == "胸片.png"


def test_a_draft_keeps_its_files(draft, doctor):
    draft.save_draft(doctor, attachments=[png("皮疹.png")], file_kind=Attachment.Kind.PHOTO)

    assert list(Attachment.objects.for_source(draft).values_list("original_name", "kind")) == [("皮疹.png", "photo")]


def test_a_refused_submission_stores_no_file(draft, doctor, media_root):
    draft.question = ""
    draft.save(update_fields=["question"])

    with pytest.raises(ConsultationError):
        draft.submit(doctor, attachments=[png()])

    assert not Attachment.objects.exists()
    assert stored_files(media_root) == []


def test_the_information_asked_for_carries_its_files(claimed, doctor, specialist):
    claimed.request_info(specialist, "请提供胸片")

    claimed.provide_info(doctor, "胸片见附件", attachments=[png()], file_kind=Attachment.Kind.XRAY)

    answer = claimed.messages.get(body="胸片见附件")
    assert list(Attachment.objects.for_source(answer).values_list("uploaded_by", "kind")) == [(doctor.pk, "xray_photo")]
    assert not Attachment.objects.for_source(claimed).exists()


def test_a_message_posted_twice_stores_its_files_once(claimed, doctor):
    form_id = uuid.uuid4()

    first, created = claimed.post_message(doctor, "补充化验单", public_id=form_id, attachments=[png("化验单.png")])
    again, created_again = claimed.post_message(
        doctor, "补充化验单", public_id=form_id, attachments=[png("化验单.png")]
    )

    assert (created, created_again, again) == (True, False, first)
    assert Attachment.objects.for_source(first).count() == 1


def test_the_answer_carries_its_files_and_a_refused_answer_stores_none(claimed, specialist, media_root):
    answer = {
        "assessment": "肺炎",
        "plan": "阿莫西林",
        "family_advice": "",
        "follow_up_days": None,
        "attachments": [png("处方.png")],
        "file_kind": Attachment.Kind.OTHER,
    }
    with pytest.raises(ConsultationError):
        claimed.answer(specialist, recommendation="pray", **answer)
    assert stored_files(media_root) == []

    claimed.answer(specialist, recommendation="manage_locally", **answer)

    attachment = Attachment.objects.for_source(claimed).get()
    assert (attachment.uploaded_by, attachment.description) == (specialist, "Attached to the specialist's answer")
