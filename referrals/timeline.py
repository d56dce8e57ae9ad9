"""The child's timeline: one entry per step of each referral the user may see — up-referral,
arrival, discharge, down-referral, acknowledgement and each follow-up item — so the whole
loop reads in order on the patient page (see cloudpeds/patients/timeline.py). The referral
page's own history uses the same titles."""

from __future__ import annotations

from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cloudpeds.accounts.models import User
from cloudpeds.patients.models import Patient
from cloudpeds.patients.timeline import ACTOR_COLUMNS, PROVIDER_ROWS, TimelineEntry

from .models import Direction, Referral, ReferralEvent

EVENT_TITLES = {
    "requested": _("Transfer requested"),
    "info_requested": _("The receiving hospital asked for more information"),
    "info_provided": _("The information asked for was provided"),
    "redirected": _("The transfer request was sent to another department"),
    "approved": _("Transfer approved, bed reserved"),
    "rejected": _("Transfer request rejected"),
    "departed": _("The child left for the receiving hospital"),
    "arrived": _("The child arrived (handover confirmed)"),
    "cancelled": _("Transfer cancelled"),
    "expired": _("The bed reservation expired"),
    "discharged": _("The child was discharged"),
    "down_referred": _("Referred down for follow-up"),
    "acknowledged": _("The down-referral was acknowledged"),
    "follow_up_done": _("Follow-up done"),
    "follow_up_missed": _("Follow-up missed"),
    "follow_up_lapsed": _("A follow-up is past its date"),
    "follow_up_escalated": _("A lapsed follow-up was escalated to the referring doctor"),
    "completed": _("Follow-up completed"),
}

NAMES = ("name_zh", "name_en")  # a hospital's name in either language

ICONS = {
    "requested": "bi-arrow-up-circle",
    "approved": "bi-check2-circle",
    "rejected": "bi-x-circle",
    "departed": "bi-truck",
    "arrived": "bi-box-arrow-in-right",
    "discharged": "bi-box-arrow-right",
    "down_referred": "bi-arrow-down-circle",
    "follow_up_done": "bi-calendar-check",
    "follow_up_missed": "bi-calendar-x",
    "follow_up_lapsed": "bi-alarm",
    "completed": "bi-check2-all",
}

# Notes worth showing on the child's timeline (the others repeat the title or are internal).
_NOTE_KINDS = frozenset(
    {"redirected", "rejected", "cancelled", "approved", "down_referred", "follow_up_done", "follow_up_missed"}
)


def event_title(kind: str, direction: str = "") -> str:
    if kind == "requested" and direction == Direction.DOWN:
        return gettext("Transfer down requested")
    if kind == "requested" and direction == Direction.UP:
        return gettext("Transfer up requested")
    title = EVENT_TITLES.get(kind)
    return str(title) if title is not None else gettext("The referral was updated")


def timeline_entries(patient: Patient, user: User) -> list[TimelineEntry]:
    # One query: the access rule is a subquery, so a hospital that lost the record (consent
    # withdrawn) or never had this referral sees none of its steps.
    # The newest PROVIDER_ROWS events, with only the columns an entry shows.
    referrals = Referral.objects.visible_to(user).filter(patient=patient)
    events = (
        ReferralEvent.objects.filter(referral__in=referrals)
        .select_related("actor", "referral__sending_hospital", "referral__receiving_hospital")
        .only(
            "at",
            "kind",
            "note",
            "referral__public_id",
            "referral__direction",
            *(f"referral__{side}__{name}" for side in ("sending_hospital", "receiving_hospital") for name in NAMES),
            *(f"actor__{name}" for name in ACTOR_COLUMNS),
        )
        .order_by("-at", "-pk")[:PROVIDER_ROWS]
    )
    entries = []
    for event in reversed(list(events)):  # in the order they happened, as the case page lists them
        referral = event.referral
        detail = f"{referral.sending_hospital.name} → {referral.receiving_hospital.name}"
        if event.note and event.kind in _NOTE_KINDS:
            detail = f"{detail} · {Truncator(event.note).chars(160)}"
        entries.append(
            TimelineEntry(
                at=event.at,
                kind=f"referral.{event.kind}",
                title=event_title(event.kind, referral.direction),
                detail=detail,
                url=reverse("referrals:detail", args=[referral.public_id]),
                actor=event.actor.display_name if event.actor else "",
                icon=ICONS.get(event.kind, "bi-arrow-left-right"),
            )
        )
    return entries
