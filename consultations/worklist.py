"""Consultations on the home page's work list (cloudpeds.core.worklist).

The requesting doctor: answers to read and close, information a specialist asked of her.
The specialist: the department's waiting cases by urgency, overdue ones, their own cases.
The group administrator: overdue cases in each specialty, each opening that queue.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cloudpeds.accounts.roles import Role
from cloudpeds.core.worklist import WorkItem

from .models import Consultation, Status, Urgency, can_ask_consultations, can_see_queue, works_from_the_queue


def _mine(status: str) -> str:
    return reverse("consultations:index") + "?" + urlencode({"status": status, "mine": "on"})


def work_scopes(user) -> list[str]:
    """What this person's counts below depend on (cloudpeds.core.worklist caches them):
    their own requests and cases, their department's queue, the group's overdue cases."""
    scopes = [f"consultations:user:{user.pk}"]
    if user.has_role(Role.SPECIALIST):
        scopes.append(f"consultations:department:{user.department_id}")
    if user.has_role(Role.GROUP_ADMIN):
        scopes.append("consultations:group")
    return scopes


def _changed_by(consultation: Consultation) -> list[str]:
    return [
        f"consultations:user:{consultation.requested_by_id}",
        f"consultations:user:{consultation.assigned_to_id}",
        f"consultations:department:{consultation.department_id}",
        "consultations:group",
    ]


WORK_CHANGES = {Consultation: _changed_by}


def work_items(user) -> list[WorkItem]:
    items: list[WorkItem] = []
    if can_ask_consultations(user) and not works_from_the_queue(user):
        counts = (
            Consultation.objects.visible_to(user)
            # Only the two statuses counted, read from the (requester, status) index (issue 17).
            .filter(requested_by=user, status__in=[Status.ANSWERED, Status.INFO_REQUESTED])
            .aggregate(
                answered=Count("pk", filter=Q(status=Status.ANSWERED)),
                asked=Count("pk", filter=Q(status=Status.INFO_REQUESTED)),
            )
        )
        items += [
            WorkItem(
                _("Information a specialist asked of you"),
                counts["asked"],
                _mine(Status.INFO_REQUESTED),
                "bi-question-circle",
                urgent=True,
            ),
            WorkItem(_("Answers to read and close"), counts["answered"], _mine(Status.ANSWERED), "bi-check2-square"),
        ]
    if user.has_role(Role.SPECIALIST) and can_see_queue(user):
        queue = Consultation.objects.visible_to(user).queue_for(user.department).exclude(assigned_to=user)
        counts = queue.aggregate(
            urgent=Count("pk", filter=Q(urgency=Urgency.URGENT, status=Status.SUBMITTED)),
            routine=Count("pk", filter=Q(urgency=Urgency.ROUTINE, status=Status.SUBMITTED)),
            overdue=Count("pk", filter=Q(is_overdue=True)),
        )
        mine = Consultation.objects.visible_to(user).assigned_to_user(user).count()
        url = reverse("consultations:queue")
        items += [
            WorkItem(_("Overdue cases in your queue"), counts["overdue"], url, "bi-alarm", urgent=True),
            WorkItem(_("Urgent cases waiting"), counts["urgent"], url, "bi-lightning-charge", urgent=True),
            WorkItem(_("Routine cases waiting"), counts["routine"], url, "bi-inboxes"),
            WorkItem(_("Cases you are handling"), mine, url + "#mine-title", "bi-person-check"),
        ]
    if user.has_role(Role.GROUP_ADMIN) and can_see_queue(user):
        overdue = (
            Consultation.objects.overseen_by(user)
            .past_target()
            .values("department", "department__name_zh", "department__name_en")
            .annotate(count=Count("pk"))
            .order_by("-count", "department")
        )
        english = (get_language() or "").startswith("en")
        for row in overdue:
            name = row["department__name_en"] if english else row["department__name_zh"]
            items.append(
                WorkItem(
                    _("Overdue consultations · %(specialty)s") % {"specialty": name},
                    row["count"],
                    reverse("consultations:queue") + "?" + urlencode({"department": row["department"]}),
                    "bi-alarm",
                    urgent=True,
                )
            )
        if not overdue:
            items.append(WorkItem(_("Overdue consultations"), 0, reverse("consultations:metrics"), "bi-alarm"))
    return items
