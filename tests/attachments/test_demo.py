"""The demo clinical files (cloudpeds/attachments/demo.py)."""

from __future__ import annotations

import io

from PIL import Image

from cloudpeds.attachments import demo
from cloudpeds.attachments.models import Attachment
from tests.factories import PatientFactory, UserFactory

from .conftest import stored_files


def test_demo_files_are_attached_once(yangpu, media_root):
    uploader = UserFactory(username="dr.yangpu", hospital=yangpu, roles=["grassroots_doctor"])
    first = PatientFactory(hospital=yangpu, record_number="YP0001")
    second = PatientFactory(hospital=yangpu, record_number="YP0002")
    out = io.StringIO()

    demo.seed(out)
    demo.seed(out)

    assert Attachment.objects.count() == len(demo.DEMO_FILES)
    assert set(Attachment.objects.values_list("uploaded_by", flat=True)) == {uploader.pk}
    assert Attachment.objects.filter(patient=first).count() == 3
    xray = Attachment.objects.get(patient=second)
    assert (xray.kind, xray.content_type) == ("xray_photo", "image/jpeg")
    report = Attachment.objects.get(kind="lab_report")
    assert (report.content_type, report.page_count) == ("application/pdf", 1)
    with xray.thumbnail.open("rb") as thumbnail:
        assert max(Image.open(thumbnail).size) == 320
    assert len(stored_files(media_root)) == 4 + 3  # three images have thumbnails
    assert "4 added" in out.getvalue()
    assert "0 added (4 already there)" in out.getvalue()


def test_demo_skips_without_demo_patients(yangpu, media_root):
    out = io.StringIO()

    demo.seed(out)

    assert not Attachment.objects.exists()
    assert "skipped" in out.getvalue()
