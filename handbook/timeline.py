"""The handbook's events on a child's timeline: the triage runs made for the child."""

from __future__ import annotations

from django.utils.translation import gettext as _

from cloudpeds.accounts.models import User
from cloudpeds.patients.models import Patient
from cloudpeds.patients.timeline import ACTOR_COLUMNS, PROVIDER_ROWS, TimelineEntry

from .models import TriageRun
from .triage import pick

ICONS = {"red": "bi-exclamation-octagon", "yellow": "bi-exclamation-triangle", "green": "bi-check-circle"}


def timeline_entries(patient: Patient, user: User) -> list[TimelineEntry]:
    """One entry per triage run for this child (the newest PROVIDER_ROWS), in one query (the
    caller checked access)."""
    runs = (
        TriageRun.objects.filter(patient=patient)
        .select_related("user", "pathway_version__pathway")
        .only(
            "public_id",
            "created_at",
            "classification",
            "classification_code",
            "classification_colour",
            "fired",
            "pathway_version__pathway__name_zh",
            "pathway_version__pathway__name_en",
            *(f"user__{name}" for name in ACTOR_COLUMNS),
        )
        .order_by("-created_at", "-pk")[:PROVIDER_ROWS]
    )
    entries = []
    for run in runs:
        pathway = run.pathway_version.pathway
        entries.append(
            TimelineEntry(
                at=run.created_at,
                kind="handbook.triage",
                title=_("Handbook triage (%(pathway)s): %(classification)s")
                % {"pathway": pick(pathway.name_zh, pathway.name_en), "classification": run.classification_name},
                detail="; ".join(run.fired_texts()),
                url=run.get_absolute_url(),
                actor=run.user.display_name,
                icon=ICONS.get(run.classification_colour, "bi-signpost-split"),
            )
        )
    return entries
