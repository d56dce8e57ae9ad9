"""The report PDF (ConsultationReport through the one PDF task, consultations/reports.py):
what the PDF says, and that it is idempotent and crash-safe (the file is written before the
row points at it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from django.utils import timezone
from pypdf import PdfReader

from cloudpeds.attachments.models import Attachment
from cloudpeds.core.tasks import generate_pdf
from consultations import reports
from consultations.models import Consultation, ConsultationError, ConsultationReport, Message
from tests.factories import AttachmentFactory, ConsultationFactory, PatientFactory

pytestmark = pytest.mark.django_db

LABEL = "consultations.ConsultationReport"


def stored(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*.pdf")) if root.exists() else []


def pdf_text(report: ConsultationReport) -> str:
    with report.file.open("rb") as handle:
        reader = PdfReader(BytesIO(handle.read()))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def answered(doctor, specialist) -> Consultation:
    specialist.title = "主任医师"
    specialist.save(update_fields=["title"])
    patient = PatientFactory(hospital=doctor.hospital, registered_by=doctor, name="王小明", record_number="YP0001")
    submitted = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    return ConsultationFactory(
        patient=patient,
        department=specialist.department,
        assigned_to=specialist,
        answered=True,
        question="发热三天, 咳嗽加重",
        temperature_c="39.2",
        spo2=95,
        submitted_at=submitted,
        answered_at=submitted + timedelta(hours=5, minutes=30),
        paused_total=timedelta(hours=1),
        assessment="考虑支气管肺炎",
        plan="阿莫西林, 三天后复诊",
    )


@pytest.fixture
def report(answered) -> ConsultationReport:
    """A request recorded, its task not run yet."""
    return ConsultationReport.objects.create(consultation=answered)


def test_the_task_writes_the_file_and_records_it(answered, report, media_root):
    assert generate_pdf.delay(LABEL, report.pk).get() is True

    report = ConsultationReport.objects.get(consultation=answered)
    assert report.is_ready
    assert report.status_at_generation == "answered"
    assert report.generated_at is not None
    assert len(stored(media_root)) == 1
    assert report.file.name.startswith(f"reports/consultations/{answered.public_id}/report-answered-")


def test_the_pdf_is_bilingual_with_the_case_the_answer_and_local_times(answered, report, doctor, specialist):
    report.generate_pdf()

    text = pdf_text(ConsultationReport.objects.get(consultation=answered))
    compact = text.replace("\n", " ")
    for words in ["王小明", "YP0001", "发热三天, 咳嗽加重", "考虑支气管肺炎", "阿莫西林, 三天后复诊", "39.2"]:
        assert words in text
    # Labels in English beside the Chinese (the Chinese comes from the catalogue).
    for label in ["Consultation report", "Patient", "Assessment", "Plan", "Specialist's answer", "Requesting doctor"]:
        assert label in compact
    # Who asked and who answered, with their hospitals.
    assert doctor.display_name in text
    assert specialist.display_name in text and "主任医师" in text
    assert "杨浦区中心医院" in text and "Yangpu District Central Hospital" in compact
    assert "新华医院" in text
    # Times in Asia/Shanghai: sent 01:00 UTC is 09:00 there; answered 5 h 30 min later.
    assert "2025-03-03 09:00" in text
    assert "2025-03-03 14:30" in text
    assert "4 h 30 min" in compact  # response time with the hour of pause taken out
    assert "Closing feedback" not in compact


def test_a_closed_case_reports_the_closing_feedback(answered, report):
    Consultation.objects.filter(pk=answered.pk).update(
        status="closed",
        closed_at=answered.answered_at + timedelta(days=1),
        advice_adopted="partly",
        not_adopted_reason="家长拒绝住院",
        referral_avoided=True,
        usefulness=4,
    )

    report.generate_pdf()

    report = ConsultationReport.objects.get(consultation=answered)
    text = pdf_text(report)
    assert report.status_at_generation == "closed"
    assert "Closing feedback" in text.replace("\n", " ")
    assert "家长拒绝住院" in text
    assert "4 / 5" in text


def test_running_twice_makes_one_report(answered, report, media_root):
    assert report.generate_pdf() is True
    first = ConsultationReport.objects.get(consultation=answered)

    assert generate_pdf.delay(LABEL, report.pk).get() is False

    again = ConsultationReport.objects.get(consultation=answered)
    assert (again.file.name, again.generated_at) == (first.file.name, first.generated_at)
    assert len(stored(media_root)) == 1


def test_a_crash_while_rendering_leaves_no_report_and_the_retry_completes_it(answered, report, media_root, monkeypatch):
    original = reports.build_report_pdf

    def crash(*args, **kwargs):
        raise MemoryError("worker killed")

    monkeypatch.setattr(reports, "build_report_pdf", crash)
    with pytest.raises(MemoryError):
        generate_pdf.delay(LABEL, report.pk)

    report = ConsultationReport.objects.get(consultation=answered)
    assert not report.is_ready and not report.file and report.generated_at is None
    assert stored(media_root) == []

    monkeypatch.setattr(reports, "build_report_pdf", original)
    assert generate_pdf.delay(LABEL, report.pk).get() is True
    assert ConsultationReport.objects.get(consultation=answered).is_ready


def test_a_crash_after_writing_the_file_leaves_no_report_and_the_retry_leaves_one_file(
    answered, report, media_root, monkeypatch
):
    from django.core.files.storage import FileSystemStorage

    original_save = FileSystemStorage.save

    def write_then_die(self, name, content, max_length=None):
        original_save(self, name, content, max_length=max_length)
        raise SystemExit("worker killed after writing")

    monkeypatch.setattr(FileSystemStorage, "save", write_then_die)
    with pytest.raises(SystemExit):
        report.generate_pdf()
    assert not ConsultationReport.objects.get(consultation=answered).is_ready
    assert len(stored(media_root)) == 1  # written, but no row points at it

    monkeypatch.setattr(FileSystemStorage, "save", original_save)
    assert ConsultationReport.objects.get(pk=report.pk).generate_pdf() is True

    report = ConsultationReport.objects.get(consultation=answered)
    assert report.is_ready
    assert stored(media_root) == [media_root / report.file.name]


def test_an_unanswered_case_gets_no_report(doctor, specialist, media_root):
    waiting = ConsultationFactory(patient=PatientFactory(hospital=doctor.hospital, registered_by=doctor))

    with pytest.raises(ConsultationError):
        waiting.request_report()
    assert generate_pdf.delay(LABEL, 10**9).get() is False  # deleted since it was queued

    assert not ConsultationReport.objects.exists()
    # A row for a case that is not answered (none is made, but say one were): nothing to render.
    assert ConsultationReport.objects.create(consultation=waiting).generate_pdf() is False
    assert not ConsultationReport.objects.get(consultation=waiting).is_ready
    assert stored(media_root) == []


def test_a_report_for_an_earlier_status_is_replaced_after_the_new_one_is_recorded(
    answered, report, media_root, django_capture_on_commit_callbacks
):
    report.generate_pdf()
    old = ConsultationReport.objects.get(consultation=answered).file.name
    Consultation.objects.filter(pk=answered.pk).update(status="closed", advice_adopted="fully", usefulness=5)
    answered.refresh_from_db()
    assert answered.report_state(ConsultationReport.objects.get(consultation=answered)) == "outdated"

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        answered.request_report()

    # Queuing the task after the request's commit; the task (run eagerly) then removed the
    # old file only after its own commit.
    assert len(callbacks) == 2
    report = ConsultationReport.objects.get(consultation=answered)
    assert report.status_at_generation == "closed"
    assert report.file.name != old
    assert stored(media_root) == [media_root / report.file.name]


def test_the_pdf_carries_the_thread_the_files_the_flags_and_the_times(answered, report, doctor, specialist, media_root):
    """The report is the record of the advice: the whole conversation in order, the files by
    name and date, the "abnormal for age" flags of the case page, both doctors and the times."""
    doctor.title = "主治医师"
    doctor.save(update_fields=["title"])
    at = answered.submitted_at
    Consultation.objects.filter(pk=answered.pk).update(
        status="closed",
        claimed_at=at + timedelta(hours=1),
        closed_at=at + timedelta(days=1),
        respiratory_rate=52,  # fast breathing for a child of 1-5 years (40 or more)
        advice_adopted="fully",
    )
    asked = Message.objects.create(
        consultation=answered,
        author=specialist,
        body="请补充未吸氧时的血氧饱和度及喘息史",
        is_info_request=True,
        created_at=at + timedelta(hours=2),
    )
    reply = Message.objects.create(
        consultation=answered,
        author=doctor,
        body="未吸氧 SpO₂ 94%, 既往无喘息史; 胸片示右下肺斑片影",
        created_at=at + timedelta(hours=3),
    )
    Message.objects.create(
        consultation=answered, author=specialist, body="收到, 稍后给出意见", created_at=at + timedelta(hours=4)
    )
    AttachmentFactory(patient=answered.patient, uploaded_by=doctor, kind="xray_photo", source=reply)
    case_file = AttachmentFactory(patient=answered.patient, uploaded_by=doctor, kind="lab_report", source=answered)
    Attachment.objects.filter(pk=case_file.pk).update(uploaded_at=at)
    answered.patient.date_of_birth = timezone.localdate(at) - timedelta(days=3 * 365)
    answered.patient.save(update_fields=["date_of_birth"])

    report.generate_pdf()

    text = pdf_text(ConsultationReport.objects.get(consultation=answered))
    compact = " ".join(text.split())
    # The thread in order: the request for information, the requester's reply, the message.
    positions = [
        compact.find(words)
        for words in ["请补充未吸氧时的血氧饱和度及喘息史", "胸片示右下肺斑片影", "收到, 稍后给出意见"]
    ]
    assert -1 not in positions and positions == sorted(positions)
    assert "Information requested" in compact and "Information provided" in compact
    assert asked.body in text.replace("\n", "")
    # The files by name, kind and date.
    assert compact.count("皮疹.png") >= 2  # one under the reply, and two rows in the list
    assert "Photo of an X-ray film" in compact and "Lab report" in compact
    assert "2025-03-03 09:00" in compact
    # The flag the case page shows.
    assert "abnormal for age" in compact and "fast breathing" in compact
    # SpO₂ once per language, not "血氧饱和度 SpO2 (%) SpO2 (%)".
    assert "SpO2 (%) SpO2" not in compact
    # Both doctors with titles and hospitals; the times of request, taking, answer and close.
    assert doctor.display_name in compact and "主治医师" in compact
    assert specialist.display_name in compact and "主任医师" in compact
    assert "杨浦区中心医院" in compact and "新华医院" in compact
    for moment in ["2025-03-03 10:00", "2025-03-03 14:30", "2025-03-04 09:00"]:
        assert moment in compact
