"""The handbook on the home page's work list (cloudpeds.core.worklist).

Editors: reviews waiting for them (topics and pathways written by someone else), their own
drafts, their own versions awaiting a colleague's review, and topics past their review date.
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from cloudpeds.core.worklist import WorkItem

from .models import (
    PathwayVersion,
    ReferenceCaseProposal,
    Topic,
    TopicVersion,
    VersionStatus,
    is_clinical_safety,
    is_editor,
)

# How many of the author's own versions awaiting review the home page names (the oldest first).
AWAITING_SHOWN = 5


def work_scopes(user) -> list[str] | None:
    """Every count below is the handbook's, whoever changed it (cloudpeds.core.worklist
    caches them): any version, topic or proposal saved recomputes editors' home pages."""
    return ["handbook"] if is_editor(user) or is_clinical_safety(user) else None


def _handbook_changed(row) -> list[str]:
    return ["handbook"]


WORK_CHANGES = {
    Topic: _handbook_changed,
    TopicVersion: _handbook_changed,
    PathwayVersion: _handbook_changed,
    ReferenceCaseProposal: _handbook_changed,
}


def work_items(user) -> list[WorkItem]:
    items = []
    if is_clinical_safety(user):
        pending = ReferenceCaseProposal.objects.pending().exclude(proposed_by=user).count()
        items.append(
            WorkItem(
                _("Reference case proposals waiting for your decision"),
                pending,
                reverse("handbook:reference_index"),
                "bi-shield-check",
                urgent=True,
            )
        )
    if not is_editor(user):
        return items
    editor = reverse("handbook:editor")
    mine = TopicVersion.objects.filter(author=user).aggregate(
        drafts=Count("pk", filter=Q(status=VersionStatus.DRAFT)),
        in_review=Count("pk", filter=Q(status=VersionStatus.IN_REVIEW)),
    )
    reviews = TopicVersion.objects.awaiting_review_by(user).count()
    # The author's own versions awaiting a colleague's review, each by name (issue 12).
    waiting = [
        WorkItem(
            _("Awaiting review: %(title)s v%(number)s") % {"title": version.title, "number": version.number},
            1,
            version.get_absolute_url(),
            "bi-hourglass-split",
        )
        for version in TopicVersion.objects.filter(author=user, status=VersionStatus.IN_REVIEW)
        .select_related("topic")
        .order_by("submitted_at")[:AWAITING_SHOWN]
    ]
    waiting += [
        WorkItem(
            _("Awaiting review: %(title)s v%(number)s") % {"title": version.pathway.name, "number": version.number},
            1,
            version.get_absolute_url(),
            "bi-hourglass-split",
        )
        for version in PathwayVersion.objects.filter(author=user, status=VersionStatus.IN_REVIEW)
        .select_related("pathway")
        .order_by("submitted_at")[:AWAITING_SHOWN]
    ]
    pathway_reviews = PathwayVersion.objects.awaiting_review_by(user).count()
    return [
        *items,
        WorkItem(_("Topics waiting for your review"), reviews, editor, "bi-clipboard-check", urgent=True),
        WorkItem(
            _("Pathways waiting for your review"), pathway_reviews, reverse("handbook:pathway_list"), "bi-diagram-3"
        ),
        WorkItem(_("Your drafts"), mine["drafts"], editor, "bi-pencil-square"),
        WorkItem(_("Your topics awaiting review"), mine["in_review"], editor, "bi-hourglass"),
        *waiting,
        WorkItem(
            _("Topics past their review date"),
            Topic.objects.due_for_review().count(),
            reverse("handbook:review_due"),
            "bi-calendar-x",
        ),
    ]
