"""The home page's work list: unread notifications (cloudpeds.core.worklist)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from cloudpeds.core.worklist import WorkItem

from .models import Notification


def work_items(user) -> list[WorkItem]:
    unread = Notification.objects.visible_to(user).unread().count()
    return [WorkItem(_("Unread notifications"), unread, reverse("notifications:inbox"), "bi-bell")]
