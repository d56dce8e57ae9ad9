"""Referrals on the home page's work list (cloudpeds.core.worklist).

The doctor: down-referrals to acknowledge, follow-ups due within a week. The transfer
administrator: incoming requests (emergencies apart), transfers on their way, free beds.
The group administrator: lapsed follow-ups across the group, opening the metrics.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cloudpeds.accounts.models import Department
from cloudpeds.core.worklist import WorkItem

from .models import (
    BedReservation,
    BedState,
    FollowUpItem,
    Referral,
    Status,
    Urgency,
    departments_with_capacity,
    is_transfer_admin,
    sees_whole_group,
)


def work_scopes(user) -> list[str]:
    """What this person's counts below depend on (cloudpeds.core.worklist caches them): the
    transfers, follow-ups and beds of their hospital; the group's lapsed follow-ups."""
    scopes = [f"referrals:hospital:{user.hospital_id}"]
    if sees_whole_group(user):
        scopes.append("referrals:group")
    return scopes


def _referral_changed(referral: Referral) -> list[str]:
    return [
        f"referrals:hospital:{referral.sending_hospital_id}",
        f"referrals:hospital:{referral.receiving_hospital_id}",
        "referrals:group",
    ]


def _follow_up_changed(item: FollowUpItem) -> list[str]:
    hospitals = Referral.objects.filter(pk=item.referral_id).values_list("sending_hospital_id", "receiving_hospital_id")
    return [*(f"referrals:hospital:{pk}" for row in hospitals for pk in row), "referrals:group"]


def _beds_changed(row: BedState | BedReservation) -> list[str]:
    hospital = Department.objects.filter(pk=row.department_id).values_list("hospital_id", flat=True).first()
    return [f"referrals:hospital:{hospital}"]


WORK_CHANGES = {
    Referral: _referral_changed,
    FollowUpItem: _follow_up_changed,
    BedState: _beds_changed,
    BedReservation: _beds_changed,
}


def work_items(user) -> list[WorkItem]:
    items: list[WorkItem] = []
    if user.is_doctor and user.hospital_id is not None:
        visible = Referral.objects.visible_to(user)
        to_acknowledge = visible.filter(receiving_hospital_id=user.hospital_id, status=Status.SENT).count()
        # The few pending items due soon, each probing its referral's access rule (one EXISTS
        # per row inside the count's FILTER, issue 17): an `IN (visible referrals)` hashed all
        # the hospital's 20,000 received referrals and their children on every home page.
        on_our_referral = Exists(visible.filter(pk=OuterRef("referral_id"), receiving_hospital_id=user.hospital_id))
        follow_ups = FollowUpItem.objects.filter(
            state=FollowUpItem.State.PENDING, due_on__lte=timezone.localdate() + timedelta(days=7)
        ).aggregate(count=Count("pk", filter=on_our_referral))["count"]
        items += [
            WorkItem(
                _("Children sent back to you for follow-up"),
                to_acknowledge,
                reverse("referrals:list") + "?" + urlencode({"status": Status.SENT}),
                "bi-arrow-down-circle",
                urgent=True,
            ),
            WorkItem(_("Follow-ups due this week"), follow_ups, reverse("referrals:index"), "bi-calendar-check"),
        ]
    if is_transfer_admin(user):
        visible = Referral.objects.visible_to(user)
        incoming = visible.queue_for(user.hospital_id).aggregate(
            emergency=Count("pk", filter=Q(urgency=Urgency.EMERGENCY)), total=Count("pk")
        )
        arriving = visible.awaiting_arrival(user.hospital_id).count()
        free = sum(max(department.free, 0) for department in departments_with_capacity(user.hospital))
        queue = reverse("referrals:queue")
        items += [
            WorkItem(
                _("Emergency transfer requests"), incoming["emergency"], queue, "bi-exclamation-octagon", urgent=True
            ),
            WorkItem(_("Transfer requests to decide"), incoming["total"], queue, "bi-inboxes"),
            WorkItem(_("Children on their way to you"), arriving, queue + "#arriving-heading", "bi-truck"),
            WorkItem(_("Free beds"), free, reverse("referrals:capacity"), "bi-hospital"),
        ]
    if sees_whole_group(user) and not user.is_doctor:
        lapsed = FollowUpItem.objects.lapsed().count()
        items.append(
            WorkItem(
                _("Lapsed follow-ups across the group"),
                lapsed,
                reverse("referrals:metrics"),
                "bi-calendar-x",
                urgent=True,
            )
        )
    return items
