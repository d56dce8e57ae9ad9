"""What may be attached: decided from the content, cleaned, and the hostile corpus refused."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from PIL import Image, ImageFile
from pytest_django.asserts import assertContains

from cloudpeds.attachments.models import Attachment
from cloudpeds.attachments.validation import clean_filename, sniff_and_normalise
from cloudpeds.audit.models import AccessEvent

from . import corpus
from .conftest import stored_files, upload_file


def _message(exc: ValidationError) -> str:
    return exc.messages[0]


# --- Accepted files -------------------------------------------------------------------------


def test_jpeg_is_reencoded_with_a_thumbnail():
    clean = sniff_and_normalise(upload_file("rash.jpg", corpus.jpeg((1600, 1200)), "image/jpeg"))

    assert clean.content_type == "image/jpeg"
    assert (clean.width, clean.height) == (1600, 1200)
    assert clean.original_name == "rash.jpg"
    stored = Image.open(io.BytesIO(clean.content))
    assert stored.format == "JPEG"
    thumbnail = Image.open(io.BytesIO(clean.thumbnail))
    assert thumbnail.format == "JPEG"
    assert thumbnail.size == (320, 240)


def test_png_keeps_transparency_and_gets_a_flat_thumbnail():
    clean = sniff_and_normalise(upload_file("chart.png", corpus.png((640, 400)), "image/png"))

    assert clean.content_type == "image/png"
    assert Image.open(io.BytesIO(clean.content)).mode == "RGBA"
    thumbnail = Image.open(io.BytesIO(clean.thumbnail))
    assert (thumbnail.format, thumbnail.mode, thumbnail.size) == ("JPEG", "RGB", (320, 200))


def test_pdf_is_kept_as_uploaded_with_its_page_count():
    content = corpus.pdf(pages=3)
    clean = sniff_and_normalise(upload_file("血常规.pdf", content, "application/pdf"))

    assert clean.content_type == "application/pdf"
    assert clean.content == content
    assert clean.page_count == 3
    assert clean.thumbnail is None
    assert clean.original_name == "血常规.pdf"


def test_pdf_locked_only_against_editing_is_accepted():
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt(user_password="", owner_password="hospital-system")
    out = io.BytesIO()
    writer.write(out)

    assert sniff_and_normalise(upload_file("report.pdf", out.getvalue())).page_count == 1


def test_type_comes_from_the_content_not_the_name():
    clean = sniff_and_normalise(upload_file("report.pdf", corpus.jpeg(), "application/pdf"))

    assert clean.content_type == "image/jpeg"
    assert clean.original_name == "report.jpg"


def test_gps_exif_is_removed_and_orientation_applied():
    original = corpus.jpeg((400, 300), exif=corpus.gps_exif(orientation=6))
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(corpus.GPS_IFD)  # the corpus really has GPS

    clean = sniff_and_normalise(upload_file("IMG_0001.jpg", original, "image/jpeg"))

    stored = Image.open(io.BytesIO(clean.content))
    assert dict(stored.getexif()) == {}
    assert "exif" not in stored.info
    assert b"Exif" not in clean.content[:4096]
    # Orientation 6 = rotate 90°: the clean copy is upright (portrait) with no tag needed.
    assert stored.size == (300, 400)
    assert (clean.width, clean.height) == (300, 400)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.png", "passwd.jpg"),
        ("C:\\Users\\王医生\\Desktop\\皮疹 第3天.JPG", "皮疹 第3天.jpg"),
        ("photo\u202egpj.exe", "photogpj.jpg"),  # right-to-left override disguising an extension
        ('a"b;c<d>.jpg', "a_b_c_d_.jpg"),
        ("", "file.jpg"),
        ("...", "file.jpg"),
        ("长" * 300 + ".jpg", "长" * 100 + ".jpg"),
    ],
)
def test_download_names_are_sanitised(name, expected):
    assert clean_filename(name, "jpg") == expected


def test_truncated_jpeg_is_refused_even_when_pillow_is_told_to_load_truncated_images(monkeypatch):
    # Importing WeasyPrint sets this for the whole process.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)

    with pytest.raises(ValidationError) as caught:
        sniff_and_normalise(upload_file("x.jpg", corpus.noisy_jpeg()[:5000], "image/jpeg"))

    assert caught.value.code == "damaged_image"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # left as it was found


# --- The hostile corpus, through the upload form -------------------------------------------------

HOSTILE = [
    pytest.param("rash.png", corpus.HTML, "image/png", "unsupported_type", "a web page (HTML)", id="html-as-png"),
    pytest.param("rash.png", corpus.SVG, "image/png", "unsupported_type", "an SVG drawing", id="svg-as-png"),
    pytest.param("photo.jpg", corpus.GIF_JS_POLYGLOT, "image/jpeg", "unsupported_type", "a GIF image", id="gif-js"),
    pytest.param("scan.pdf", corpus.ELF, "application/pdf", "unsupported_type", "a program", id="elf"),
    pytest.param("lab.pdf", corpus.HTML_BEFORE_PDF, "application/pdf", "unsupported_type", "a web page", id="html-pdf"),
    pytest.param("x.jpg", corpus.noisy_jpeg()[:5000], "image/jpeg", "damaged_image", "damaged", id="truncated-jpeg"),
    pytest.param("empty.jpg", b"", "image/jpeg", "empty", "The file is empty.", id="empty"),
    pytest.param("big.jpg", corpus.oversized_jpeg(), "image/jpeg", "too_large", "21.0", id="21-mb"),
    pytest.param("bomb.png", corpus.png_bomb(), "image/png", "image_too_large", "megapixels", id="bomb"),
    pytest.param("lab.pdf", b"%PDF-1.7\n1 0 obj garbage", "application/pdf", "damaged_pdf", "damaged", id="bad-pdf"),
    pytest.param("lab.pdf", corpus.password_pdf(), "application/pdf", "encrypted_pdf", "password", id="locked-pdf"),
]


@pytest.mark.parametrize(("name", "content", "claimed_type", "code", "fragment"), HOSTILE)
def test_hostile_file_is_refused_by_the_checker(name, content, claimed_type, code, fragment):
    with pytest.raises(ValidationError) as caught:
        sniff_and_normalise(upload_file(name, content, claimed_type))

    assert caught.value.code == code


@pytest.mark.parametrize(("name", "content", "claimed_type", "code", "fragment"), HOSTILE)
def test_hostile_file_is_refused_on_the_form_and_nothing_is_stored(
    client, doctor, patient, media_root, name, content, claimed_type, code, fragment
):
    doctor.preferred_language = "en"
    doctor.save(update_fields=["preferred_language"])
    client.force_login(doctor)
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        sniff_and_normalise(upload_file(name, content, claimed_type))
    with translation.override("en"):
        expected = _message(caught.value)
    assert fragment in expected

    response = client.post(
        reverse("attachments:upload", args=[patient.public_id]),
        {"file": upload_file(name, content, claimed_type), "kind": "photo", "description": "test"},
        headers={"HX-Request": "true"},
    )

    assertContains(response, escape(expected))
    assertContains(response, "invalid-feedback")
    assert not Attachment.objects.exists()
    assert stored_files(media_root) == []
    # The fragment with the error is still a rendering of the child's file list.
    assert AccessEvent.objects.filter(patient=patient, action="view").count() == 1


def test_size_limit_comes_from_settings(client, doctor, patient, media_root, settings):
    settings.ATTACHMENT_MAX_BYTES = 10_000
    client.force_login(doctor)

    response = client.post(
        reverse("attachments:upload", args=[patient.public_id]),
        {"file": upload_file("x.jpg", corpus.noisy_jpeg(), "image/jpeg"), "kind": "photo"},
        headers={"HX-Request": "true"},
    )

    assertContains(response, 'data-max-bytes="10000"')
    assert b"invalid-feedback" in response.content
    assert not Attachment.objects.exists()
    assert stored_files(media_root) == []


def test_jpeg_comments_are_not_kept_in_the_copy_or_the_thumbnail():
    original = corpus.jpeg_with_comment("王小明 MRN0012345".encode())
    assert Image.open(io.BytesIO(original)).info["comment"]  # the corpus really has a COM segment

    clean = sniff_and_normalise(upload_file("scan.jpg", original, "image/jpeg"))

    for content in (clean.content, clean.thumbnail):
        assert "comment" not in Image.open(io.BytesIO(content)).info
        assert b"\xff\xfe" not in content.split(b"\xff\xda", 1)[0]  # no COM marker before the scan data
        assert "王小明".encode() not in content
