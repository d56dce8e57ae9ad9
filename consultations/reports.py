"""The consultation report PDF: what the document shows and how it is rendered.

The workflow around it is on the models: `Consultation.request_report()` records the request
and queues the one PDF task after commit; `ConsultationReport` (a GeneratedPdf) renders
with `build_report_pdf` outside any lock, stores the file, then records it under a short
lock (cloudpeds/core/documents.py); `Consultation.report_state()` says where it stands.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from cloudpeds.attachments.models import Attachment

from .models import Adoption, Consultation, Message, Recommendation, Status, Urgency

TEMPLATE = "pdf/consultation_report.html"


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
    # Not the field's "SpO₂": the subscript two is not in the embedded font. A context of its
    # own: the Chinese is the name only, the English beside it carries the abbreviation
    # (the field's Chinese, "血氧饱和度 SpO₂ (%)", printed it twice).
    "spo2": pgettext_lazy("bilingual document", "SpO2 (%)"),
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
    "times": pgettext_lazy("moments of a case", "Times"),
    "claimed_at": _("Taken by the specialist"),
    "abnormal": _("abnormal for age"),
    "thread": _("Messages"),
    "info_requested": _("Information requested"),
    "info_provided": _("Information provided"),
    "message": _("Message"),
    "no_messages": _("No messages."),
    "files": _("Files"),
    "file_name": _("File name"),
    "file_kind": _("Kind"),
    "uploaded": _("Uploaded"),
    "uploaded_by": _("Uploaded by"),
    "no_files": _("No files attached."),
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


def _thread(consultation: Consultation, files_by_message: dict[int, list[Attachment]]) -> list[dict]:
    """The conversation in order, each message with what it is: the specialist's request for
    information, the requesting doctor's reply to it (the first message of the requesting
    side after the request), or a message."""
    from cloudpeds.core.pdf import bilingual

    entries = []
    waiting_for_reply = False
    for message in consultation.messages.select_related("author", "author__hospital"):
        if message.is_info_request:
            kind, waiting_for_reply = "info_requested", True
        elif waiting_for_reply and message.author_id == consultation.requested_by_id:
            kind, waiting_for_reply = "info_provided", False
        else:
            kind = "message"
        entries.append(
            {
                "message": message,
                "kind": kind,
                "label": bilingual(_LABELS[kind]),
                "files": files_by_message.get(message.pk, []),
            }
        )
    return entries


def _files(consultation: Consultation) -> tuple[list[Attachment], dict[int, list[Attachment]]]:
    """Every file of the case (sent with it, or with a message of its thread), oldest first,
    and the thread's files by message."""
    message_ids = list(consultation.messages.values_list("pk", flat=True))
    case_files = Attachment.objects.for_source(consultation)
    thread_files = Attachment.objects.filter(
        source_type=ContentType.objects.get_for_model(Message), source_id__in=message_ids
    )
    files = list((case_files | thread_files).select_related("uploaded_by").order_by("uploaded_at", "pk"))
    by_message: dict[int, list[Attachment]] = {}
    message_type = ContentType.objects.get_for_model(Message)
    for attachment in files:
        if attachment.source_type_id == message_type.pk:
            by_message.setdefault(attachment.source_id, []).append(attachment)
    return files, by_message


def report_context(consultation: Consultation, generated_at: datetime) -> dict:
    from cloudpeds.core.pdf import bilingual

    files, files_by_message = _files(consultation)
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
        # The readings of the case page, with its "abnormal for age" notes.
        "vitals": [
            {
                "label": labels[reading.field],
                "value": reading.value,
                "notes": [bilingual(note) for note in reading.notes],
            }
            for reading in consultation.vital_signs()
            if reading.field in _VITALS
        ],
        "thread": _thread(consultation, files_by_message),
        "files": [{"attachment": attachment, "kind": bilingual(attachment.get_kind_display)} for attachment in files],
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
