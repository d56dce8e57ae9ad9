"""The consultation report PDF: what the document shows and how it is rendered.

The workflow around it is on the models: `Consultation.request_report()` records the request
and queues the one PDF task after commit; `ConsultationReport` (a GeneratedPdf) renders
with `build_report_pdf` outside any lock, stores the file, then records it under a short
lock (cloudpeds/core/documents.py); `Consultation.report_state()` says where it stands.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Adoption, Consultation, Recommendation, Status, Urgency

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
