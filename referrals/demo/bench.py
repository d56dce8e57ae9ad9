"""Paths of referral pages for the benchmark (bench/run.py's PAGES call these with the page's
user once Django is set up)."""

from __future__ import annotations

from cloudpeds.accounts.models import User

from ..models import Referral, Status


def referral_path(user: User) -> str:
    """The newest open transfer the user may see (the page an administrator opens most)."""
    referrals = Referral.objects.visible_to(user).exclude(status=Status.NEW)
    public_id = (
        referrals.filter(status__in=(Status.REQUESTED, Status.APPROVED))
        .order_by("-pk")
        .values_list("public_id", flat=True)
        .first()
        or referrals.order_by("-pk").values_list("public_id", flat=True).first()
    )
    if public_id is None:
        raise LookupError(f"{user} can see no referral: run `manage.py seed_demo` (or seed_scale) first")
    return f"/referrals/{public_id}/"
