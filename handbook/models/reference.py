"""Reference cases: the clinic's check on a pathway, owned by the clinical-safety role.

An author's own test cases live in the pathway document and change with it: "≥ 40 became
≥ 41 with the two failing expectations edited". Reference cases do not. Only a clinical-safety
reviewer (临床安全审核员) proposes one, a change to one or its retirement, and a proposal counts
only once a second clinical-safety reviewer, not the proposer, approves it. Every publication
of a pathway runs all active reference cases of its pathway and refuses on a failure. Proposals
are never deleted (they are the history), and the cases are tracked by pghistory.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cloudpeds.accounts.roles import Role
from cloudpeds.audit.history import track_clinical

from ..triage import TestCase
from .review import HandbookError

if TYPE_CHECKING:
    from cloudpeds.accounts.models import User


def is_clinical_safety(user: User) -> bool:
    """The clinical-safety reviewers' predicate (views, templates and models ask this)."""
    return bool(user.is_authenticated and user.has_role(Role.CLINICAL_SAFETY))


class ReferenceCaseQuerySet(models.QuerySet):
    def active(self) -> ReferenceCaseQuerySet:
        return self.filter(is_active=True)

    def visible_to(self, user: User) -> ReferenceCaseQuerySet:
        """Clinical-safety reviewers see every case; everyone else none (the pages 403 first)."""
        return self if is_clinical_safety(user) else self.none()


@track_clinical()
class ReferenceCase(models.Model):
    """One child the pathway must classify as expected; changed only through an approved proposal."""

    pathway = models.ForeignKey(
        "handbook.Pathway", on_delete=models.CASCADE, related_name="reference_cases", verbose_name=_("pathway")
    )
    name = models.CharField(_("name"), max_length=200)
    born = models.DateField(_("date of birth"))
    assessed_on = models.DateField(_("assessed on"))
    answers = models.JSONField(_("answers"), default=dict)
    expected = models.CharField(_("expected classification"), max_length=40)
    expected_notes = models.JSONField(_("expected notes"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ReferenceCaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("reference case")
        verbose_name_plural = _("reference cases")
        ordering = ["pathway", "name", "pk"]

    def __str__(self) -> str:
        return f"{self.pathway_id}: {self.name}"

    def as_test_case(self) -> TestCase:
        return TestCase(
            self.name, self.born, self.assessed_on, dict(self.answers), self.expected, tuple(self.expected_notes)
        )


class ProposalKind(models.TextChoices):
    ADD = "add", _("New reference case")
    CHANGE = "change", _("Change to a reference case")
    RETIRE = "retire", _("Retire a reference case")


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting a second reviewer")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ReferenceCaseProposalQuerySet(models.QuerySet):
    def pending(self) -> ReferenceCaseProposalQuerySet:
        return self.filter(status=ProposalStatus.PENDING)

    def visible_to(self, user: User) -> ReferenceCaseProposalQuerySet:
        return self if is_clinical_safety(user) else self.none()


class ReferenceCaseProposal(models.Model):
    """A proposed reference case, change or retirement; applied when a second reviewer approves."""

    Kind = ProposalKind
    Status = ProposalStatus

    pathway = models.ForeignKey(
        "handbook.Pathway", on_delete=models.CASCADE, related_name="reference_proposals", verbose_name=_("pathway")
    )
    case = models.ForeignKey(ReferenceCase, on_delete=models.PROTECT, null=True, blank=True, related_name="proposals")
    kind = models.CharField(_("kind"), max_length=10, choices=ProposalKind.choices)
    name = models.CharField(_("name"), max_length=200)
    born = models.DateField(_("date of birth"))
    assessed_on = models.DateField(_("assessed on"))
    answers = models.JSONField(_("answers"), default=dict)
    expected = models.CharField(_("expected classification"), max_length=40)
    expected_notes = models.JSONField(_("expected notes"), default=list, blank=True)
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=10, choices=ProposalStatus.choices, default="pending")
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    objects = ReferenceCaseProposalQuerySet.as_manager()

    class Meta:
        verbose_name = _("reference case proposal")
        verbose_name_plural = _("reference case proposals")
        ordering = ["-proposed_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("proposed_by")),
                name="handbook_reference_two_person_rule",
            ),
            # One open proposal per case: two concurrent changes to one case cannot both count.
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="pending"), name="handbook_reference_one_open_proposal"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.name} ({self.status})"

    def as_test_case(self) -> TestCase:
        return TestCase(
            self.name, self.born, self.assessed_on, dict(self.answers), self.expected, tuple(self.expected_notes)
        )

    # --- Workflow -------------------------------------------------------------------------------

    @classmethod
    def propose(
        cls,
        user: User,
        *,
        pathway: Any,
        kind: str,
        reason: str,
        case: ReferenceCase | None = None,
        name: str = "",
        born: date | None = None,
        assessed_on: date | None = None,
        answers: dict[str, Any] | None = None,
        expected: str = "",
        expected_notes: list[str] | None = None,
    ) -> ReferenceCaseProposal:
        if not is_clinical_safety(user):
            raise HandbookError(_("Only clinical-safety reviewers can propose reference cases."))
        if not reason.strip():
            raise HandbookError(_("Say why the reference case is proposed."))
        if kind == ProposalKind.ADD:
            case = None
        elif case is None or case.pathway_id != pathway.pk or not case.is_active:
            raise HandbookError(_("Choose an active reference case of this pathway."))
        if kind == ProposalKind.RETIRE:
            name, born, assessed_on = case.name, case.born, case.assessed_on
            answers, expected, expected_notes = case.answers, case.expected, case.expected_notes
        with transaction.atomic():
            if case is not None and cls.objects.pending().filter(case=case).exists():
                raise HandbookError(_("This reference case already has a proposal awaiting review."))
            return cls.objects.create(
                pathway=pathway,
                case=case,
                kind=kind,
                name=name,
                born=born,
                assessed_on=assessed_on,
                answers=answers or {},
                expected=expected,
                expected_notes=list(expected_notes or []),
                reason=reason.strip(),
                proposed_by=user,
            )

    def can_decide(self, user: User) -> bool:
        return self.status == ProposalStatus.PENDING and is_clinical_safety(user) and self.proposed_by_id != user.pk

    def _decide(self, user: User, status: str, note: str) -> ReferenceCaseProposal:
        locked = type(self).objects.select_for_update().get(pk=self.pk)
        if locked.status != ProposalStatus.PENDING:
            raise HandbookError(_("This proposal has already been decided."))
        if not is_clinical_safety(user):
            raise HandbookError(_("Only clinical-safety reviewers can decide on reference cases."))
        if locked.proposed_by_id == user.pk:
            raise HandbookError(_("A second clinical-safety reviewer must decide: not the one who proposed it."))
        locked.status = status
        locked.decided_by = user
        locked.decided_at = timezone.now()
        locked.decision_note = note.strip()
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        return locked

    def approve(self, user: User, note: str = "") -> None:
        with transaction.atomic():
            locked = self._decide(user, ProposalStatus.APPROVED, note)
            fields = {
                "name": locked.name,
                "born": locked.born,
                "assessed_on": locked.assessed_on,
                "answers": locked.answers,
                "expected": locked.expected,
                "expected_notes": locked.expected_notes,
            }
            if locked.kind == ProposalKind.ADD:
                locked.case = ReferenceCase.objects.create(pathway=locked.pathway, **fields)
                locked.save(update_fields=["case"])
            else:
                case = ReferenceCase.objects.select_for_update().get(pk=locked.case_id)
                if locked.kind == ProposalKind.RETIRE:
                    case.is_active = False
                else:
                    for key, value in fields.items():
                        setattr(case, key, value)
                case.save()
        self.refresh_from_db()

    def reject(self, user: User, note: str) -> None:
        if not note.strip():
            raise HandbookError(_("Say why the proposal is rejected."))
        with transaction.atomic():
            self._decide(user, ProposalStatus.REJECTED, note)
        self.refresh_from_db()
