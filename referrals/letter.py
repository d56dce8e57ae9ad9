"""The referral letter: a bilingual PDF that travels with the child.

Rendered by the task (cloudpeds.core.tasks.generate_pdf, see ReferralLetter) through cloudpeds.core.pdf, which
loads WeasyPrint: import this module where a letter is made, not in web requests.
"""

from __future__ import annotations

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cloudpeds.core.pdf import bilingual, qr_data_uri, render_pdf
from cloudpeds.notifications.email import absolute_url

from .models import Referral

# Every label of the letter, shown in Chinese and English side by side.
LABELS = {
    "referral_letter": _("Referral letter"),
    "down_referral_letter": _("Down-referral letter"),
    "patient": _("Patient"),
    "name": _("Name"),
    "record_number": _("Medical record number"),
    "date_of_birth": _("Date of birth"),
    "age": _("Age"),
    "sex": _("Sex"),
    "allergies": _("Allergies"),
    "none_recorded": _("None recorded"),
    "transfer": _("Transfer"),
    # Contexts: the bare "From"/"To" are the audit's date filter (起始日期 / 截止日期).
    "from": pgettext_lazy("referral: the sending hospital", "From"),
    "to": pgettext_lazy("referral: the receiving hospital", "To"),
    "guardians": _("Guardians"),
    "relation": _("Relation"),
    "telephone": _("Telephone"),
    "no_guardian": _("No guardian recorded"),
    "where_to_go": _("Where to go"),
    "hospital": _("Hospital"),
    "ward": _("Ward"),
    "arrival_note": _("Note from the transfer administrator"),
    "direction": _("Direction"),
    "urgency": _("Urgency"),
    "transport": _("Transport"),
    "arrival_window": _("Arrival window"),
    "reason": _("Reason"),
    "diagnosis": _("Diagnosis"),
    "clinical_summary": _("Clinical summary"),
    "vital_signs": _("Vital signs at referral"),
    "treatment_given": _("Treatment given"),
    "discharge_summary": _("Discharge summary"),
    "medicines": _("Medicines"),
    "follow_up_plan": _("Follow-up plan"),
    "due_on": _("Due on"),
    "what": _("What"),
    "sent_by": _("Referred by"),
    "approved_by": _("Approved by"),
    "requested_at": _("Requested at"),
    "decided_at": _("Approved at"),
    "status": _("Status"),
    "open_in_portal": _("Scan to open this referral in Cloud Pediatrics (sign-in required)."),
    "generated": _("Generated"),
    "confidential": _("Confidential medical information: for the care of this child only."),
}


def letter_context(referral: Referral) -> dict:
    patient = referral.patient
    reservation = referral.latest_reservation()
    fields = {
        "age": bilingual(patient.age_display),
        "sex": bilingual(patient.get_sex_display),
        "direction": bilingual(referral.get_direction_display),
        "urgency": bilingual(referral.get_urgency_display),
        "reason": bilingual(referral.get_reason_display),
        "transport": bilingual(referral.get_transport_display),
        "status": bilingual(referral.get_status_display),
    }
    return {
        "L": {key: bilingual(message) for key, message in LABELS.items()},
        "referral": referral,
        "patient": patient,
        "labels": fields,
        "reservation": reservation,
        "follow_ups": list(referral.follow_ups.all()) if referral.is_follow_up else [],
        "guardians": [
            {"guardian": guardian, "relation": bilingual(guardian.get_relation_display)}
            for guardian in patient.guardians.all()
        ],
        # The administrator's note on approval is what the family must do on arrival
        # ("请于明日上午9-11点到住院处办理入院"); a rejection's comment is not for the letter.
        "arrival_note": referral.decision_note if referral.decided_at and not referral.reject_reason else "",
        "vitals": [
            (bilingual(_("Temperature")), referral.temperature_c, "°C"),
            (bilingual(_("Heart rate")), referral.heart_rate, "/min"),
            (bilingual(_("Respiratory rate")), referral.respiratory_rate, "/min"),
            # The Chinese is the name, the English the abbreviation (the subscript two is
            # not in the embedded font): printed "血氧饱和度 SpO₂ SpO₂" with the plain label.
            (bilingual(pgettext_lazy("bilingual document", "SpO2")), referral.spo2, "%"),
            (bilingual(_("Weight")), referral.weight_kg, "kg"),
        ],
        "sending_hospital": referral.sending_hospital,
        "receiving_hospital": referral.receiving_hospital,
        "qr": qr_data_uri(absolute_url(referral.get_absolute_url())),
        "url": absolute_url(referral.get_absolute_url()),
        "generated_at": timezone.localtime(),
    }


def render_letter(referral: Referral) -> bytes:
    # Bilingual: the labels come in both languages (Bilingual); the frame renders in Chinese.
    referral = Referral.objects.select_related(
        "patient",
        "patient__hospital",
        "sending_hospital",
        "sending_department",
        "receiving_hospital",
        "receiving_department",
        "requested_by",
        "decided_by",
        "arrival_confirmed_by",
        "diagnosis",
        "up_referral",
    ).get(pk=referral.pk)
    with translation.override("zh-hans"):
        return render_pdf("pdf/referral_letter.html", letter_context(referral))
