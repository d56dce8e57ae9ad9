"""The review workflow that topic versions and pathway versions share (the two-person rule).

A version is numbered within its subject (a topic, a pathway). Workflow (django-fsm-2; each
transition is a model method that checks who may do it, runs in a transaction on locked
rows and writes an event row):

    draft ──submit──▶ in_review ──approve (another editor)──▶ published ──(next approved)──▶ superseded
      ▲                   │
      └───return──────────┘

The editor who wrote a version can never be the one who approves it. Approving publishes:
the version becomes its subject's `current_version` and the previous one is superseded
(it stays readable). Every transition updates the instance it is called on (as `save()`
does) and returns nothing.

What differs between topics and pathways is said by three methods of the concrete model:
`_check_ready_for_review()`, `_publication_fields(now, **terms)` and `_after_publication()`.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from cloudpeds.accounts.roles import Role
from cloudpeds.core.fsm import ReloadableStatusMixin

if TYPE_CHECKING:
    from cloudpeds.accounts.models import User


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")


class EventKind(models.TextChoices):
    CREATED = "created", _("Draft started")
    SUBMITTED = "submitted", _("Sent for review")
    RETURNED = "returned", _("Returned for changes")
    APPROVED = "approved", _("Approved and published")
    SUPERSEDED = "superseded", _("Superseded")


OPEN_STATUSES = (VersionStatus.DRAFT, VersionStatus.IN_REVIEW)
READABLE_STATUSES = (VersionStatus.PUBLISHED, VersionStatus.SUPERSEDED)


class HandbookError(Exception):
    """A transition refused for a reason the editor can act on; the message is shown."""


def normalise_text(text: str) -> str:
    """An editor's text as stored and compared: LF line endings (browsers submit textareas
    with CRLF), no spaces at the ends of lines, no blank lines at the end.

    Without it a version saved from the browser differs from the one before in every section
    it carried over unchanged, and "what changed" marks them all as changed. (A Markdown hard
    break written as two trailing spaces is lost; the handbook's texts use paragraphs.)
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip(" \t") for line in lines).rstrip("\n")


def is_editor(user: User) -> bool:
    """The handbook editors' predicate: views (@requires), templates and models ask this."""
    return bool(user.is_authenticated and user.has_role(Role.HANDBOOK_EDITOR))


class ReviewedVersion(ReloadableStatusMixin, models.Model):
    """A numbered version of a subject under the two-person rule (abstract)."""

    Status = VersionStatus
    # The field of the concrete model that points at what is versioned ("topic", "pathway").
    subject_field: ClassVar[str]

    number = models.PositiveIntegerField(_("version"))
    status = FSMField(_("status"), default=VersionStatus.DRAFT, choices=VersionStatus.choices, protected=True)
    change_note = models.TextField(_("what changed in this version"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_current(self) -> bool:
        return self.status == VersionStatus.PUBLISHED

    @property
    def is_readable(self) -> bool:
        return self.status in READABLE_STATUSES

    # --- Who may do what ----------------------------------------------------------------------

    def can_edit(self, user: User) -> bool:
        # Only the author edits a draft: a second editor who changed it could then approve
        # their own words, and the two-person rule would be empty.
        return self.status == VersionStatus.DRAFT and is_editor(user) and self.author_id == user.pk

    def can_submit(self, user: User) -> bool:
        return self.can_edit(user)

    def can_approve(self, user: User) -> bool:
        return self.status == VersionStatus.IN_REVIEW and is_editor(user) and self.author_id != user.pk

    def can_return(self, user: User) -> bool:
        return self.status == VersionStatus.IN_REVIEW and is_editor(user)

    # --- What the concrete model says ---------------------------------------------------------

    def _check_ready_for_review(self) -> None:
        """Raise HandbookError if the (locked) draft cannot be sent for review."""

    def _publication_fields(self, now: datetime, **terms: Any) -> dict[str, Any]:
        """Check the approver's `terms` and return the fields to set when publishing."""
        return {}

    def _after_publication(self, previous: ReviewedVersion | None, user: User) -> None:
        """Work done in the approving transaction once this version is the current one."""

    # --- Transitions --------------------------------------------------------------------------

    def _locked(self) -> ReviewedVersion:
        return type(self).objects.select_for_update().select_related(self.subject_field).get(pk=self.pk)

    def _record(
        self, actor: User | None, kind: str, from_status: str, note: str = "", at: datetime | None = None
    ) -> models.Model:
        return self.events.create(
            actor=actor, kind=kind, from_status=from_status, to_status=self.status, note=note, at=at or timezone.now()
        )

    @transition(field=status, source=VersionStatus.DRAFT, target=VersionStatus.IN_REVIEW)
    def _to_in_review(self) -> None:
        pass

    @transition(field=status, source=VersionStatus.IN_REVIEW, target=VersionStatus.DRAFT)
    def _to_draft(self) -> None:
        pass

    @transition(field=status, source=VersionStatus.IN_REVIEW, target=VersionStatus.PUBLISHED)
    def _to_published(self) -> None:
        pass

    @transition(field=status, source=VersionStatus.PUBLISHED, target=VersionStatus.SUPERSEDED)
    def _to_superseded(self) -> None:
        pass

    def submit(self, user: User, note: str = "", *, now: datetime | None = None) -> None:
        """The author asks another editor to review the draft."""
        now = now or timezone.now()
        with transaction.atomic():
            locked = self._locked()
            if not locked.can_submit(user):
                raise HandbookError(_("Only the author can send this draft for review."))
            locked._check_ready_for_review()
            locked._to_in_review()
            locked.submitted_at = now
            locked.save()
            locked._record(user, EventKind.SUBMITTED, VersionStatus.DRAFT, note, at=now)
        self.refresh_from_db()

    def return_to_draft(self, user: User, note: str) -> None:
        """A reviewer asks for changes (or the author withdraws the version from review)."""
        with transaction.atomic():
            locked = self._locked()
            if not locked.can_return(user):
                raise HandbookError(_("This version is not in review."))
            if not note.strip():
                raise HandbookError(_("Say what should change."))
            locked._to_draft()
            locked.submitted_at = None
            locked.save()
            locked._record(user, EventKind.RETURNED, VersionStatus.IN_REVIEW, note)
        self.refresh_from_db()

    def approve(self, user: User, *, note: str = "", now: datetime | None = None, **terms: Any) -> None:
        """A second editor approves the version, which publishes it and supersedes the previous one."""
        now = now or timezone.now()
        subject_model = self._meta.get_field(self.subject_field).related_model
        with transaction.atomic():
            # The subject first, then versions: two approvals for one subject are serialised.
            subject = subject_model.objects.select_for_update().get(pk=getattr(self, f"{self.subject_field}_id"))
            locked = self._locked()
            if locked.status != VersionStatus.IN_REVIEW:
                raise HandbookError(_("Only a version in review can be approved."))
            if not is_editor(user):
                raise HandbookError(_("Only handbook editors can approve versions."))
            if locked.author_id == user.pk:
                raise HandbookError(_("Another editor must approve this version: authors cannot approve their own."))
            fields = locked._publication_fields(now, **terms)
            previous = None
            if subject.current_version_id is not None:
                previous = type(self).objects.select_for_update().get(pk=subject.current_version_id)
                previous._to_superseded()
                previous.superseded_at = now
                previous.save()
                previous._record(user, EventKind.SUPERSEDED, VersionStatus.PUBLISHED, f"v{locked.number}", at=now)
            locked._to_published()
            locked.approved_by = user
            locked.approved_at = now
            for name, value in fields.items():
                setattr(locked, name, value)
            locked.save()
            locked._record(user, EventKind.APPROVED, VersionStatus.IN_REVIEW, note, at=now)
            subject.current_version = locked
            subject.save(update_fields=["current_version"])
            locked._after_publication(previous, user)
        self.refresh_from_db()


class VersionEvent(models.Model):
    """One step of a version: who, when, from which state to which, and a note (abstract)."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    from_status = models.CharField(max_length=20, choices=VersionStatus.choices)
    to_status = models.CharField(max_length=20, choices=VersionStatus.choices)
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.version_id} {self.from_status}→{self.to_status} {self.at:%Y-%m-%d %H:%M}"
