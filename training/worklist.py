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

from cloudpeds.core.worklist import WorkItem, changed

from .models import Enrolment, is_learner, is_training_manager


def work_scopes(user) -> list[str] | None:
    """What this person's counts below depend on (cloudpeds.core.worklist caches them): their
    own enrolments; for the training manager, every enrolment."""
    if not (is_learner(user) or is_training_manager(user)):
        return None
    return [f"training:user:{user.pk}", "training"] if is_training_manager(user) else [f"training:user:{user.pk}"]


def _enrolment_changed(enrolment: Enrolment) -> list[str]:
    return [f"training:user:{enrolment.user_id}", "training"]


def enrolments_changed(user_ids) -> None:
    """For the writes no signal reports (bulk enrolment, a due date or a completion set by
    UPDATE): training/models call it."""
    changed([*(f"training:user:{pk}" for pk in user_ids), "training"])


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
