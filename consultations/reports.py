"""The consultation report PDF: when it is (re)made, what it shows, and where it stands.

A report can be asked for once the case is answered or closed, by anyone who sees the
case. The ConsultationReport row (one per consultation) is the record of the work:

- asking (`request_report`) sets `requested_at` and queues the task after commit;
- the task (`generate_report`) renders the PDF, writes the file to storage first and only
  then points the row at it (`generated_at`, `status_at_generation`) in a short locked
  transaction. A worker killed mid-render leaves the row as it was (no half report is
  ever offered) and the retry finishes the job; run twice, the second run finds the
  report current and does nothing.
- a report describes the case as of one status. When the case moves on (answered →
  closed), the existing report stays downloadable and the panel offers to prepare it again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from enum import StrEnum

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Adoption, Consultation, ConsultationError, ConsultationReport, Recommendation, Status, Urgency

logger = logging.getLogger(__name__)

REPORTABLE_STATUSES = (Status.ANSWERED, Status.CLOSED)
# A request not done after this long probably lost its task (a broker outage); the panel
# then lets people ask again instead of polling forever.
STALLED_AFTER = timedelta(minutes=10)
TEMPLATE = "pdf/consultation_report.html"


class ReportState(StrEnum):
    UNAVAILABLE = "unavailable"  # the case is not answered yet
    NOT_REQUESTED = "not_requested"
    PENDING = "pending"
    STALLED = "stalled"
    READY = "ready"
    OUTDATED = "outdated"  # made for an earlier status of the case


def report_state(consultation: Consultation, report: ConsultationReport | None, now: datetime | None = None) -> str:
    if consultation.status not in REPORTABLE_STATUSES:
        return ReportState.UNAVAILABLE
    if report is None:
        return ReportState.NOT_REQUESTED
    if report.is_ready and report.status_at_generation == consultation.status:
        return ReportState.READY
    if report.generated_at is None or report.requested_at > report.generated_at:
        now = now or timezone.now()
        return ReportState.STALLED if now - report.requested_at > STALLED_AFTER else ReportState.PENDING
    return ReportState.OUTDATED


def report_of(consultation: Consultation) -> ConsultationReport | None:
    return ConsultationReport.objects.filter(consultation=consultation).first()


def request_report(consultation: Consultation, user) -> ConsultationReport:
    """Ask for the report of the case as it is now; the task makes it after commit.

    Asking again while it is being made, or when it is current, changes nothing (a double
    click queues one task).
    """
    with transaction.atomic():
        locked = consultation._locked()
        if locked.status not in REPORTABLE_STATUSES:
            raise ConsultationError(_("A report can be prepared once the consultation is answered."))
        report, created = ConsultationReport.objects.select_for_update().get_or_create(consultation=locked)
        if not created:
            if report_state(locked, report) in (ReportState.READY, ReportState.PENDING):
                return report
            report.requested_at = timezone.now()
            report.save(update_fields=["requested_at"])
        consultation_pk = locked.pk
        # robust: with the broker down the request stays pending (then stalled, and can be
        # asked again); the person's click must not fail because of the queue.
        transaction.on_commit(lambda: _queue(consultation_pk), robust=True)
    return report


def _queue(consultation_pk: int) -> None:
    from .tasks_reports import generate_consultation_report

    generate_consultation_report.delay(consultation_pk)


def generate_report(consultation_pk: int) -> bool:
    """Make the report if the current one is missing or outdated. Returns whether it made one."""
    consultation = (
        Consultation.objects.select_related(
            "patient", "patient__hospital", "requesting_hospital", "requested_by", "department__hospital"
        )
        .select_related("assigned_to__department", "assigned_to__hospital")
        .filter(pk=consultation_pk)
        .first()
    )
    if consultation is None or consultation.status not in REPORTABLE_STATUSES:
        return False
    report, _created = ConsultationReport.objects.get_or_create(consultation=consultation)
    if report_state(consultation, report) == ReportState.READY:
        return False

    status = consultation.status
    generated_at = timezone.now()
    pdf = build_report_pdf(consultation, generated_at)
    storage = report.file.storage
    # One name per request: a retry after a crash between writing and recording replaces
    # its own leftover instead of leaving a second file behind.
    name = f"reports/consultations/{consultation.public_id}/report-{status}-{report.requested_at:%Y%m%dT%H%M%S%f}.pdf"
    if storage.exists(name):
        storage.delete(name)
    saved = storage.save(name, ContentFile(pdf))

    with transaction.atomic():
        locked = ConsultationReport.objects.select_for_update().get(pk=report.pk)
        if report_state(consultation, locked) == ReportState.READY:
            # Another run of this request recorded its report meanwhile (a redelivered task).
            if locked.file.name != saved:
                transaction.on_commit(lambda: storage.delete(saved), robust=True)
            return False
        previous = locked.file.name if locked.file else ""
        locked.file.name = saved
        locked.generated_at = generated_at
        locked.status_at_generation = status
        locked.save(update_fields=["file", "generated_at", "status_at_generation"])
        if previous and previous != saved:
            # The superseded version goes once the new one is recorded (never before).
            transaction.on_commit(lambda: storage.delete(previous), robust=True)
    return True


def download_name(consultation: Consultation, report: ConsultationReport) -> str:
    # No child's name in a file name: downloads folders of shared clinic computers are read
    # by everyone who sits there.
    return f"consultation-report-{str(consultation.public_id)[:8]}-{report.status_at_generation}.pdf"


# --- The document -----------------------------------------------------------------------------


def _field_label(name: str):
    """A Consultation field's own label, so the report reads like the case page."""
    return lambda: capfirst(Consultation._meta.get_field(name).verbose_name)


# Labels shown in both languages (see cloudpeds.core.pdf.bilingual).
_LABELS = {
    "title": _("Consultation report"),
    "patient": _("Patient"),
    "name": _("Name"),
    "sex": _("Sex"),
    "age": _("Age"),
    "date_of_birth": _("Date of birth"),
    "record_number": _("Medical record number"),
    "request": _("Request"),
    "requesting_hospital": _("Requesting hospital"),
    "requested_by": _("Requesting doctor"),
    "submitted_at": _("Sent"),
    "department": _("Specialty asked"),
    "urgency": _("Urgency"),
    "case": _("The case"),
    "question": _field_label("question"),
    "history": _field_label("history"),
    "symptoms": _field_label("symptoms"),
    "symptom_duration": _field_label("symptom_duration"),
    "vitals": _("Vital signs"),
    "temperature_c": _field_label("temperature_c"),
    "heart_rate": _field_label("heart_rate"),
    "respiratory_rate": _field_label("respiratory_rate"),
    # Not the field's "SpO₂": the subscript two is not in the embedded font.
    "spo2": _("SpO2 (%)"),
    "weight_kg": _field_label("weight_kg"),
    "height_cm": _field_label("height_cm"),
    "current_medicines": _field_label("current_medicines"),
    "allergies": _field_label("allergies"),
    "tried_so_far": _field_label("tried_so_far"),
    "answer": _("Specialist's answer"),
    "specialist": _("Specialist"),
    "answered_at": _("Answered"),
    "response_time": _("Response time (pauses excluded)"),
    "assessment": _("Assessment"),
    "recommendation": _("Recommendation"),
    "plan": _("Plan"),
    "family_advice": _("Advice for the family"),
    "follow_up": _("Follow up"),
    "feedback": _("Closing feedback"),
    "advice_adopted": _("Advice adopted"),
    "not_adopted_reason": _("Why not (fully) adopted"),
    "referral_avoided": _("Referral avoided"),
    "usefulness": _("Usefulness"),
    "closed_at": _("Closed"),
    "report_status": _("Report of the case as"),
    "generated_at": _("Generated"),
    "reference": _("Reference"),
    "times_note": _("Times are China Standard Time (UTC+8)."),
    "responsibility_note": _(
        "The specialist's advice supports the requesting doctor, who remains responsible for the decision."
    ),
}

_VITALS = ("temperature_c", "heart_rate", "respiratory_rate", "spo2", "weight_kg", "height_cm")
_CASE_TEXTS = ("history", "symptoms", "symptom_duration", "current_medicines", "allergies", "tried_so_far")


def _duration(value: timedelta | None):
    from cloudpeds.core.pdf import bilingual

    if value is None:
        return None
    minutes = max(int(value.total_seconds() // 60), 0)
    return bilingual(_("%(hours)d h %(minutes)02d min"), hours=minutes // 60, minutes=minutes % 60)


def _follow_up_text(days: int) -> str:
    return ngettext("in %(days)d day", "in %(days)d days", days) % {"days": days}


def report_context(consultation: Consultation, generated_at: datetime) -> dict:
    from cloudpeds.core.pdf import bilingual

    patient = consultation.patient
    closed = consultation.status == Status.CLOSED
    labels = {key: bilingual(label) for key, label in _LABELS.items()}
    yes_no = {True: bilingual(_("Yes")), False: bilingual(_("No")), None: None}
    return {
        "L": labels,
        "consultation": consultation,
        "patient": patient,
        "sex": bilingual(patient.get_sex_display),
        "age": bilingual(lambda: patient.age_display(timezone.localdate(generated_at))),
        "urgency": bilingual(Urgency(consultation.urgency).label),
        "status": bilingual(Status(consultation.status).label),
        "vitals": [
            (labels[key], getattr(consultation, key)) for key in _VITALS if getattr(consultation, key) is not None
        ],
        "case_texts": [(labels[key], getattr(consultation, key)) for key in _CASE_TEXTS if getattr(consultation, key)],
        "recommendation": (
            bilingual(Recommendation(consultation.recommendation).label) if consultation.recommendation else None
        ),
        "follow_up": (
            bilingual(lambda: _follow_up_text(consultation.follow_up_days))
            if consultation.follow_up_days is not None
            else None
        ),
        "response_time": _duration(consultation.response_time()),
        "closed": closed,
        "advice_adopted": (
            bilingual(Adoption(consultation.advice_adopted).label) if closed and consultation.advice_adopted else None
        ),
        "referral_avoided": yes_no[consultation.referral_avoided] if closed else None,
        "generated_at": generated_at,
    }


def build_report_pdf(consultation: Consultation, generated_at: datetime) -> bytes:
    # Imported here: WeasyPrint is loaded by the worker that renders, not by web requests.
    from django.utils import translation

    from cloudpeds.core.pdf import render_pdf

    # The document is bilingual whoever asked for it; Chinese is its main language.
    with translation.override("zh-hans"), timezone.override(timezone.get_default_timezone()):
        return render_pdf(TEMPLATE, report_context(consultation, generated_at))
