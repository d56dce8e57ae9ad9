"""Where a referral starts from a handbook triage result (`referrals:new?triage=<uuid>`).

The handbook's triage model (`handbook.TriageRun`) does not exist yet. When it does, a
triage run found here by its `public_id` pre-fills the request: its child, urgency and
summary. The referral keeps a generic reference to it (Referral.triage, no migration needed
when the model lands) plus a JSON snapshot of what the triage said (`handbook_context`).

What is read from a run, each only if the run has it: `patient` (a Patient), `urgency`
("emergency"/"urgent"/"routine", or a red/amber/green `classification`), `summary` (text),
`as_referral_context()` (a JSON-able dict). Access: the run's own `visible_to(user)` if its
manager has one, and in every case the child must be visible to the user.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.apps import apps
from django.db import models

from cloudpeds.patients.models import Patient

# Triage classifications mapped to transfer urgency (the handbook's red means "refer urgently").
_CLASSIFICATION_URGENCY = {"red": "emergency", "amber": "urgent", "yellow": "urgent", "green": "routine"}


@dataclass
class TriagePrefill:
    run: models.Model
    patient: Patient | None
    initial: dict[str, Any] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)


def triage_model() -> type[models.Model] | None:
    try:
        return apps.get_model("handbook", "TriageRun")
    except LookupError:
        return None


def triage_prefill(user, public_id: UUID | str) -> TriagePrefill | None:
    """The triage run with this id that `user` may see, as referral pre-fill; else None."""
    model = triage_model()
    if model is None or not any(f.name == "public_id" for f in model._meta.get_fields()):
        return None
    manager = model._default_manager
    runs = manager.visible_to(user) if hasattr(manager, "visible_to") else manager.all()
    try:
        run = runs.filter(public_id=public_id).first()
    except (ValueError, TypeError):
        return None
    if run is None:
        return None
    patient = getattr(run, "patient", None)
    if patient is not None and not Patient.objects.visible_to(user).filter(pk=patient.pk).exists():
        return None
    initial: dict[str, Any] = {}
    urgency = getattr(run, "urgency", "") or _CLASSIFICATION_URGENCY.get(str(getattr(run, "classification", "")), "")
    if urgency:
        initial["urgency"] = urgency
    summary = getattr(run, "summary", "")
    if summary:
        initial["clinical_summary"] = str(summary)
    context = run.as_referral_context() if hasattr(run, "as_referral_context") else {"triage": str(run)}
    return TriagePrefill(run=run, patient=patient, initial=initial, context=context)
