"""The certificate PDF (Certificate.generate_pdf through the one PDF task, generate_pdf): what it
says, in both languages with the embedded CJK font, a QR code of the public verification
URL, escaping of names, and a task that is safe to run twice or to kill mid-render."""

from __future__ import annotations

import socket
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader

from cloudpeds.core.pdf import StaticOnlyFetcher
from cloudpeds.core.tasks import generate_pdf
from tests.factories import CertificateFactory, CourseFactory, UserFactory
from training.models import Certificate

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(yangpu, settings) -> Certificate:
    settings.SITE_URL = "https://portal.cloudpeds.example"
    holder = UserFactory(username="chen", last_name="陈", first_name="喆玥", hospital=yangpu, phone="13912345678")
    course = CourseFactory(
        title_zh="5岁以下儿童发热的处理",
        title_en="Managing fever in children under 5",
        credit_hours=Decimal("4.0"),
        credit_class="I",
    )
    return CertificateFactory(holder=holder, course=course, hospital_zh=yangpu.name_zh, hospital_en=yangpu.name_en)


def stored(root: Path) -> list[Path]:
    return sorted(root.rglob("*.pdf")) if root.exists() else []


def read(certificate: Certificate) -> PdfReader:
    certificate.refresh_from_db()
    with certificate.pdf.open("rb") as handle:
        return PdfReader(BytesIO(handle.read()))


def text_of(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def font_names(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        fonts = page["/Resources"].get("/Font", {})
        for key in fonts:
            names.add(str(fonts[key].get_object()["/BaseFont"]))
    return names


def test_the_task_makes_a_one_page_bilingual_certificate(certificate, media_root):
    assert generate_pdf.delay("training.Certificate", certificate.pk).get() is True

    reader = read(certificate)
    assert certificate.pdf_ready
    assert len(reader.pages) == 1
    text = text_of(reader)
    compact = " ".join(text.split())
    for words in ["陈喆玥", "5岁以下儿童发热的处理", "杨浦区中心医院", certificate.code, "4.0"]:
        assert words in text
    for words in ["Managing fever in children under 5", "Certificate of continuing medical education", "Class I"]:
        assert words in compact
    assert certificate.issued_on.strftime("%Y-%m-%d") in text
    assert certificate.expires_on.strftime("%Y-%m-%d") in text
    assert f"https://portal.cloudpeds.example/certificates/verify/{certificate.code}/" in compact.replace(" ", "")
    assert "13912345678" not in text
    assert stored(media_root) == [
        media_root / f"certificates/{certificate.public_id}/certificate-{certificate.code}.pdf"
    ]


def test_the_chinese_name_is_set_in_the_embedded_cjk_font(certificate):
    certificate.generate_pdf()

    fonts = font_names(read(certificate))
    assert fonts
    # Every font is the project's subset of Noto Sans SC, embedded: not a font of the machine.
    assert all("Noto-Sans-SC-Cloudpeds" in name for name in fonts), fonts
    reader = read(certificate)
    for page in reader.pages:
        for key, ref in page["/Resources"]["/Font"].items():
            font = ref.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), key


def test_the_qr_code_carries_the_absolute_verification_url(certificate):
    context = certificate.pdf_context()

    assert context["verification_url"] == f"https://portal.cloudpeds.example/certificates/verify/{certificate.code}/"
    assert context["qr"].startswith("data:image/png;base64,")
    certificate.generate_pdf()
    images = [image for page in read(certificate).pages for image in page.images]
    assert images  # the QR code


def test_a_name_with_html_or_a_file_link_changes_nothing_and_fetches_nothing(certificate, monkeypatch):
    attempts: list = []
    monkeypatch.setattr(socket.socket, "connect", lambda self, address: attempts.append(address))
    name = '<img src="file:///etc/passwd"><a href="file:///etc/hostname">张</a><style>@import "http://evil.example/x.css";</style>'
    Certificate.objects.filter(pk=certificate.pk).update(holder_name=name)
    certificate.refresh_from_db()
    fetcher = StaticOnlyFetcher()

    pdf = certificate.build_pdf(fetcher=fetcher)

    text = " ".join(text_of(PdfReader(BytesIO(pdf))).split())
    assert '<img src="file:///etc/passwd">' in text  # printed as text, not obeyed
    assert fetcher.refused == []
    assert all(url == "data:" or (url.startswith("file://") and "/static/fonts/" in url) for url in fetcher.served)
    assert attempts == []
    assert b"/URI (file:" not in pdf  # no link to a file was made


def test_running_the_task_twice_makes_one_certificate_file(certificate, media_root):
    assert generate_pdf.delay("training.Certificate", certificate.pk).get() is True
    first = Certificate.objects.get(pk=certificate.pk)

    assert generate_pdf.delay("training.Certificate", certificate.pk).get() is False

    again = Certificate.objects.get(pk=certificate.pk)
    assert (again.pdf.name, again.pdf_generated_at) == (first.pdf.name, first.pdf_generated_at)
    assert len(stored(media_root)) == 1
    assert Certificate.objects.filter(holder=certificate.holder).count() == 1


def test_a_worker_killed_mid_render_leaves_no_half_certificate_and_the_retry_completes(
    certificate, media_root, monkeypatch
):
    original = Certificate.build_pdf

    def killed(self, fetcher=None):
        raise MemoryError("worker killed")

    monkeypatch.setattr(Certificate, "build_pdf", killed)
    with pytest.raises(MemoryError):
        generate_pdf.delay("training.Certificate", certificate.pk)

    certificate.refresh_from_db()
    assert not certificate.pdf_ready and not certificate.pdf and certificate.pdf_generated_at is None
    assert stored(media_root) == []

    monkeypatch.setattr(Certificate, "build_pdf", original)
    assert generate_pdf.delay("training.Certificate", certificate.pk).get() is True
    certificate.refresh_from_db()
    assert certificate.pdf_ready
    assert len(stored(media_root)) == 1


def test_a_crash_between_writing_and_recording_leaves_one_file_after_the_retry(certificate, media_root, monkeypatch):
    from django.db.models import Model

    original_save = Model.save

    def crash_on_record(self, *args, **kwargs):
        if isinstance(self, Certificate) and "pdf" in (kwargs.get("update_fields") or []):
            raise OSError("connection lost")
        return original_save(self, *args, **kwargs)

    monkeypatch.setattr(Model, "save", crash_on_record)
    with pytest.raises(OSError):
        Certificate.objects.get(pk=certificate.pk).generate_pdf()
    certificate.refresh_from_db()
    assert not certificate.pdf_ready
    assert len(stored(media_root)) == 1  # the leftover

    monkeypatch.setattr(Model, "save", original_save)
    assert Certificate.objects.get(pk=certificate.pk).generate_pdf() is True
    certificate.refresh_from_db()
    assert certificate.pdf_ready
    assert len(stored(media_root)) == 1


def test_an_unknown_certificate_id_is_a_no_op():
    assert generate_pdf("training.Certificate", 987654) is False


def test_a_reissue_gets_its_own_pdf_with_the_new_name(certificate, manager):
    certificate.holder.first_name = "哲玥"
    certificate.holder.save()

    new = certificate.reissue(manager)  # the PDF task runs after commit (eagerly here)

    new.generate_pdf()
    text = text_of(read(new))
    assert "陈哲玥" in text and new.code in text
