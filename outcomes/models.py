"""Who sees the outcomes pages, and of which hospitals.

Hospital leadership is the hospital's transfer administrator (the role that already runs a
hospital's side of the group, with two-factor sign-in): it sees its own hospital. The group
administrator sees every hospital. Nobody else (403); another hospital's page is a 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from cloudpeds.accounts.models import Hospital
from cloudpeds.accounts.roles import Role

if TYPE_CHECKING:
    from cloudpeds.accounts.models import User


def sees_whole_group(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or user.has_role(Role.GROUP_ADMIN))


def can_see_outcomes(user: User) -> bool:
    return user.is_authenticated and (sees_whole_group(user) or user.has_role(Role.TRANSFER_ADMIN))


def hospitals_visible_to(user: User) -> QuerySet[Hospital]:
    if sees_whole_group(user):
        return Hospital.objects.order_by("code")
    if can_see_outcomes(user) and user.hospital_id:
        return Hospital.objects.filter(pk=user.hospital_id)
    return Hospital.objects.none()
