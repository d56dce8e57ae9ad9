"""Training on the home page's work list (cloudpeds.core.worklist).

The learner (every doctor): courses in progress, those due within two weeks. The training
manager: learners past their due date with the course unfinished.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cloudpeds.core.worklist import WorkItem

from .models import Enrolment, is_learner, is_training_manager


def work_scopes(user) -> list[str] | None:
    """The training manager's count is cached (cloudpeds.core.worklist) until an enrolment
    changes; a learner's own counts are read on every request (one indexed query), since a
    course completes by an UPDATE no signal reports."""
    return ["training"] if is_training_manager(user) and not is_learner(user) else None


def _enrolment_changed(enrolment: Enrolment) -> list[str]:
    return ["training"]


WORK_CHANGES = {Enrolment: _enrolment_changed}


def work_items(user) -> list[WorkItem]:
    items: list[WorkItem] = []
    today = timezone.localdate()
    if is_learner(user):
        counts = (
            Enrolment.objects.visible_to(user)
            .filter(user=user)
            .incomplete()
            .aggregate(open=Count("pk"), due=Count("pk", filter=Q(due_date__lte=today + timedelta(days=14))))
        )
        url = reverse("training:index")
        items += [
            WorkItem(_("Courses due within two weeks"), counts["due"], url, "bi-hourglass-split", urgent=True),
            WorkItem(_("Courses in progress"), counts["open"], url, "bi-mortarboard"),
        ]
    if is_training_manager(user):
        overdue = Enrolment.objects.incomplete().filter(due_date__lt=today).values("user").distinct().count()
        items.append(
            WorkItem(
                _("Learners past their due date"),
                overdue,
                reverse("training:manage"),
                "bi-person-exclamation",
                urgent=True,
            )
        )
    return items
