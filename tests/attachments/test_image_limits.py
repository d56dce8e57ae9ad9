"""The clinical pixel limit: an image's size is read from its header and a decompression bomb
is refused before a pixel is decoded."""

from __future__ import annotations

import time

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pytest_django.asserts import assertContains

from cloudpeds.attachments.models import Attachment
from cloudpeds.attachments.validation import sniff_and_normalise

from . import corpus
from .conftest import stored_files, upload_file


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """9,400 x 9,400 pixels (88 megapixels, just under Pillow's own cap) in about 260 KB."""
    content = corpus.png_declaring(9_400, 9_400)
    assert len(content) < 400_000
    return content


def test_a_png_declaring_9400_by_9400_pixels_is_refused_quickly_and_nothing_is_stored(
    client, doctor, patient, media_root, bomb
):
    doctor.preferred_language = "en"
    doctor.save(update_fields=["preferred_language"])
    client.force_login(doctor)

    started = time.perf_counter()
    response = client.post(
        reverse("attachments:upload", args=[patient.public_id]),
        {"file": upload_file("rash.png", bomb, "image/png"), "kind": "photo", "description": "test"},
        headers={"HX-Request": "true"},
    )
    elapsed = time.perf_counter() - started

    # Decoding it took 3 s and 850 MB; refusing it from the header takes a few milliseconds
    # (the bound leaves room for a slow CI machine rendering the fragment).
    assert elapsed < 1.0, f"took {elapsed:.2f} s: the image was decoded"
    assertContains(response, "9400 × 9400 pixels (88 megapixels)")
    assertContains(response, "at most 50 megapixels")
    assert not Attachment.objects.exists()
    assert stored_files(media_root) == []


def test_the_limit_is_checked_before_decoding(bomb, monkeypatch):
    from PIL import ImageFile

    def _decode(self):
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", _decode)

    with pytest.raises(ValidationError) as caught:
        sniff_and_normalise(upload_file("rash.png", bomb, "image/png"))

    assert caught.value.code == "image_too_large"


def test_the_pixel_limit_comes_from_settings(settings):
    settings.ATTACHMENT_MAX_PIXELS = 640 * 480

    clean = sniff_and_normalise(upload_file("ok.jpg", corpus.jpeg((640, 480)), "image/jpeg"))
    assert (clean.width, clean.height) == (640, 480)

    with pytest.raises(ValidationError) as caught:
        sniff_and_normalise(upload_file("big.jpg", corpus.jpeg((641, 480)), "image/jpeg"))
    assert caught.value.code == "image_too_large"
