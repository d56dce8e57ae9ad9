"""Paths of consultation pages for the benchmark (bench/run.py's PAGES call these with the
page's user once Django is set up)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse

from .models import Consultation, Status

if TYPE_CHECKING:
    from cloudpeds.accounts.models import User


def consultation_path(user: User) -> str:
    """The newest open case the user may see (what a specialist opens from the queue all
    day), or else the newest one sent."""
    cases = Consultation.objects.visible_to(user).exclude(status=Status.DRAFT)
    public_id = (
        cases.open().order_by("-pk").values_list("public_id", flat=True).first()
        or cases.order_by("-pk").values_list("public_id", flat=True).first()
    )
    if public_id is None:
        raise LookupError(f"{user} can see no consultation: run `manage.py seed_demo` (or seed_scale) first")
    return reverse("consultations:detail", args=[public_id])
