"""The home page's work list: unread notifications (cloudpeds.core.worklist)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from cloudpeds.core.worklist import WorkItem

from .models import unread_badge_count


def work_items(user) -> list[WorkItem]:
    unread = unread_badge_count(user)  # the badge's number, capped, counted once
    return [WorkItem(_("Unread notifications"), unread, reverse("notifications:inbox"), "bi-bell")]
