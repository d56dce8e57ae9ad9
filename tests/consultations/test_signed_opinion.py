"""The signed opinion (issue 15 point 3) and qualified doctors only (point 4): the answer is
signed by a verified specialist (who, licence number, time, SHA-256), the signature is on
the report PDF, and a later change breaks it, on the verification page and on the PDF."""

from __future__ import annotations

import hashlib
from io import BytesIO

import pytest
from pypdf import PdfReader

from cloudpeds.accounts.models import QualificationError
from cloudpeds.accounts.roles import Role
from consultations.models import Consultation, ConsultationError, ConsultationReport, OpinionSignature, Status
from tests.factories import ConsultationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _answer(consultation: Consultation, specialist) -> None:
    consultation.answer(
        specialist,
        assessment="考虑毛细支气管炎, 轻度",
        recommendation="manage_locally",
        plan="雾化吸入, 鼻腔吸引, 48小时复诊",
        family_advice="少量多次喂奶, 呼吸增快时立即就诊",
        follow_up_days=2,
    )


def _pdf_text(consultation: Consultation) -> str:
    report, _created = ConsultationReport.objects.get_or_create(consultation=consultation)
    report.generate_pdf()
    report.refresh_from_db()
    with report.file.open("rb") as handle:
        reader = PdfReader(BytesIO(handle.read()))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_answer_is_signed_by_the_verified_specialist(claimed, specialist) -> None:
    _answer(claimed, specialist)

    signature = OpinionSignature.objects.get(consultation=claimed)
    assert signature.signer == specialist
    assert signature.signer_licence_number == specialist.licence_number and len(specialist.licence_number) == 15
    assert signature.signer_name == specialist.display_name
    content = OpinionSignature.content_of(
        Consultation.objects.get(pk=claimed.pk),
        signer_licence_number=signature.signer_licence_number,
        signed_at=signature.signed_at,
    )
    assert signature.content_sha256 == hashlib.sha256(content).hexdigest()
    assert signature.is_intact()


def test_the_signature_is_on_the_pdf_and_a_change_breaks_it(claimed, specialist, media_root) -> None:
    _answer(claimed, specialist)
    signature = claimed.signature

    text = _pdf_text(claimed)
    flat = "".join(text.split())
    assert signature.content_sha256 in flat
    assert specialist.licence_number in flat
    assert "Unchangedsincesigning" in flat

    # Someone edits the opinion behind the workflow's back (a bulk update, a database tool).
    Consultation.objects.filter(pk=claimed.pk).update(plan="阿奇霉素口服")

    assert not OpinionSignature.objects.get(pk=signature.pk).is_intact()
    ConsultationReport.objects.filter(consultation=claimed).update(status_at_generation="")
    flat = "".join(_pdf_text(claimed).split())
    assert "thesignaturedoesnotmatch" in flat and "Unchangedsincesigning" not in flat


def test_the_verification_page(client, claimed, specialist, doctor, outsider) -> None:
    _answer(claimed, specialist)
    url = f"/consultations/{claimed.public_id}/signature/"

    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(doctor)
    assert client.post(url).status_code == 405
    response = client.get(url)
    assert response.status_code == 200
    assert 'data-testid="signature-intact"' in response.content.decode()
    assert claimed.signature.content_sha256 in response.content.decode()

    Consultation.objects.filter(pk=claimed.pk).update(assessment="改动后的评估")

    response = client.get(url)
    assert 'data-testid="signature-broken"' in response.content.decode()


def test_no_signature_page_before_the_answer(client, claimed, doctor) -> None:
    client.force_login(doctor)
    assert client.get(f"/consultations/{claimed.public_id}/signature/").status_code == 404


# --- Qualified doctors only ---------------------------------------------------------------


@pytest.fixture
def unverified(specialist):
    return UserFactory(
        username="spec-new",
        hospital=specialist.hospital,
        department=specialist.department,
        roles=[Role.SPECIALIST],
        qualified=False,
        preferred_language="en",
    )


def test_an_unverified_specialist_cannot_take_a_case(waiting, unverified) -> None:
    assert not waiting.can_claim(unverified)
    with pytest.raises(ConsultationError, match="verified"):
        waiting.claim(unverified)
    waiting.refresh_from_db()
    assert waiting.status == Status.SUBMITTED and waiting.assigned_to is None


def test_an_unverified_specialist_is_told_why_on_the_page(client, waiting, unverified) -> None:
    client.force_login(unverified)
    response = client.post(f"/consultations/{waiting.public_id}/claim/", follow=True)
    assert "verified" in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.status == Status.SUBMITTED


def test_an_unverified_specialist_cannot_sign(claimed, specialist) -> None:
    type(specialist).objects.filter(pk=specialist.pk).update(qualification_verified_at=None)
    specialist.refresh_from_db()
    with pytest.raises(ConsultationError, match="sign an opinion"):
        _answer(claimed, specialist)
    claimed.refresh_from_db()
    assert claimed.status == Status.CLAIMED and not OpinionSignature.objects.exists()


def test_a_group_administrator_verifies_licence_and_title(unverified, group_admin, doctor) -> None:
    unverified.licence_number = "12345"
    unverified.title_grade = "attending"
    unverified.save()
    with pytest.raises(QualificationError, match="15 digits"):
        unverified.verify_qualification(group_admin)
    with pytest.raises(QualificationError, match="group administrator"):
        unverified.verify_qualification(doctor)

    unverified.licence_number = "110310000012345"
    unverified.save()
    unverified.verify_qualification(group_admin)

    unverified.refresh_from_db()
    assert unverified.qualification_verified_by == group_admin
    assert unverified.qualification_verified_at is not None
    assert unverified.is_verified_specialist


def test_the_licence_number_is_validated_on_the_form(unverified) -> None:
    from django.core.exceptions import ValidationError

    for bad in ("11031000001234", "1103100000123456", "11031000001234X", "１１０３１０００００１２３４５"):
        unverified.licence_number = bad
        with pytest.raises(ValidationError):
            unverified.full_clean()


# --- The invitation -----------------------------------------------------------------------


def test_an_invitation_for_a_title_is_refused_below_it(patient, specialist, unverified, group_admin) -> None:
    type(specialist).objects.filter(pk=specialist.pk).update(title_grade="attending")
    specialist.refresh_from_db()
    case = ConsultationFactory(patient=patient, department=specialist.department, invited_title="associate_chief")

    with pytest.raises(ConsultationError, match="or above"):
        case.claim(specialist)

    unverified.licence_number, unverified.title_grade = "110310000054321", "chief"
    unverified.save()
    unverified.verify_qualification(group_admin)
    case.claim(unverified)
    case.refresh_from_db()
    assert case.status == Status.CLAIMED and case.assigned_to == unverified


def test_a_declined_invitation_keeps_its_reason(waiting, specialist, doctor) -> None:
    with pytest.raises(ConsultationError, match="Say why"):
        waiting.decline(specialist, "other", "")

    waiting.decline(specialist, "needs_in_person", "需要当面评估心脏杂音")

    waiting.refresh_from_db()
    assert (waiting.status, waiting.decline_reason) == (Status.DECLINED, "needs_in_person")
    event = waiting.events.get(kind="declined")
    assert event.actor == specialist and event.note == "需要当面评估心脏杂音"


# --- The PAdES signature (pyHanko) ----------------------------------------------------------


def _validate(pdf: bytes, cert_path):
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(BytesIO(pdf), strict=False)
    (embedded,) = reader.embedded_signatures
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(cert_path))])
    return validate_pdf_signature(embedded, context)


def test_the_report_is_sealed_with_the_configured_certificate(claimed, specialist, settings, tmp_path, media_root):
    from cloudpeds.core.pdfsign import make_self_signed

    cert, key = make_self_signed(tmp_path / "signing", "Test hospital")
    settings.PDF_SIGNING_CERT, settings.PDF_SIGNING_KEY = str(cert), str(key)
    _answer(claimed, specialist)
    report = ConsultationReport.objects.create(consultation=claimed)
    report.generate_pdf()
    report.refresh_from_db()
    with report.file.open("rb") as handle:
        pdf = handle.read()

    status = _validate(pdf, cert)
    assert status.intact and status.valid and status.trusted

    # One byte of the signed content changed: the signature no longer covers the document.
    position = pdf.index(b"/Producer") if b"/Producer" in pdf else 200
    tampered = pdf[:position] + bytes([pdf[position] ^ 0x01]) + pdf[position + 1 :]
    assert not _validate(tampered, cert).intact


def test_without_a_certificate_the_report_is_not_sealed(claimed, specialist, settings, media_root):
    settings.PDF_SIGNING_CERT = settings.PDF_SIGNING_KEY = ""
    _answer(claimed, specialist)
    report = ConsultationReport.objects.create(consultation=claimed)
    report.generate_pdf()
    report.refresh_from_db()
    with report.file.open("rb") as handle:
        assert b"/ByteRange" not in handle.read()
