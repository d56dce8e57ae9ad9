"""Paths of patient pages for the benchmark (bench/run.py's PAGES call these with the page's
user once Django is set up)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from .models import Patient


def patient_path(user: Any) -> str:
    """The child of the user's own hospital registered last (a record their doctors open,
    not one seen through a care-team grant)."""
    public_id = (
        Patient.objects.visible_to(user)
        .filter(hospital_id=user.hospital_id)
        .order_by("-pk")
        .values_list("public_id", flat=True)
        .first()
    )
    if public_id is None:
        raise LookupError(f"{user} can see no child of their hospital: run `manage.py seed_demo` first")
    return reverse("patients:detail", args=[public_id])
