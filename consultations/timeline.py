"""The child's timeline: one entry per step of each consultation the user may see
(see cloudpeds/patients/timeline.py). The case page's own timeline uses the same titles."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cloudpeds.patients.timeline import ACTOR_COLUMNS, PROVIDER_ROWS, TimelineEntry

from .models import Consultation, ConsultationEvent

if TYPE_CHECKING:
    from cloudpeds.accounts.models import User
    from cloudpeds.patients.models import Patient

ICON = "bi-chat-square-text"

EVENT_TITLES = {
    "submitted": _("Consultation sent to a specialist"),
    "claimed": _("A specialist took the consultation"),
    "assigned": _("The consultation was assigned to a specialist"),
    "info_requested": _("The specialist asked for more information"),
    "info_provided": _("The information asked for was provided"),
    "redirected": _("The consultation was redirected to another specialty"),
    "declined": _("The consultation was declined"),
    "answered": _("The specialist answered the consultation"),
    "closed": _("The consultation was closed"),
    "withdrawn": _("The consultation was withdrawn"),
    "overdue": _("The consultation passed its response target"),
    "escalated": _("The consultation was escalated to the group administrators"),
    "conference_scheduled": _("A video case conference was scheduled"),
    "conference_summary": _("The case conference summary was recorded"),
}

# Notes worth showing on the child's timeline (the others repeat the title).
_NOTE_KINDS = frozenset(
    {"info_requested", "info_provided", "redirected", "declined", "withdrawn", "assigned", "conference_summary"}
)


def event_title(kind: str) -> str:
    title = EVENT_TITLES.get(kind)
    return str(title) if title is not None else gettext("The consultation was updated")


def timeline_entries(patient: Patient, user: User) -> list[TimelineEntry]:
    # One query for the events (the access rule is a subquery in it), plus at most one for
    # the user's roles: visible_to again even though the caller checked the patient, so a
    # specialist reached through a care-team grant sees only the consultations shown to them.
    # The newest PROVIDER_ROWS events, with only the columns an entry shows.
    consultations = Consultation.objects.visible_to(user).filter(patient=patient)
    events = (
        ConsultationEvent.objects.filter(consultation__in=consultations)
        .select_related("actor", "consultation__department")
        .only(
            "at",
            "kind",
            "note",
            "consultation__public_id",
            "consultation__department__name_zh",
            "consultation__department__name_en",
            *(f"actor__{name}" for name in ACTOR_COLUMNS),
        )
        .order_by("-at", "-pk")[:PROVIDER_ROWS]
    )
    entries = []
    for event in reversed(list(events)):  # in the order they happened, as the case page lists them
        consultation = event.consultation
        detail = str(consultation.department)
        if event.note and event.kind in _NOTE_KINDS:
            detail = f"{detail} · {Truncator(event.note).chars(160)}"
        entries.append(
            TimelineEntry(
                at=event.at,
                kind=f"consultation.{event.kind}",
                title=event_title(event.kind),
                detail=detail,
                url=reverse("consultations:detail", args=[consultation.public_id]),
                actor=event.actor.display_name if event.actor else "",
                icon=ICON,
            )
        )
    return entries
