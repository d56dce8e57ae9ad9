"""Triage pathways: a topic's interactive table, its versions and the runs doctors make.

A pathway belongs to one topic. Its content lives in numbered versions, each a table of
questions, rules, classifications and test cases stored as rows (handbook.triage explains
the rule language and evaluates it). Versions follow the topics' governance
(handbook.models.topics): draft ──submit──▶ in_review ──approve (another editor)──▶
published ──(next approved)──▶ superseded, with `return` back to draft; every transition
is a model method on locked rows that writes a PathwayVersionEvent. On top of the topics'
rules, a version whose test cases do not all pass can be neither sent for review nor
approved: the table is clinical logic, and its cases are its specification.

Every evaluation is recorded as a TriageRun (who, which child if any, which version, the
answers, the classification and the rows that fired), shown on the child's timeline. A red
or yellow run can be handed over in one click as a draft consultation to Xinhua.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from cloudpeds.accounts.models import Department, Hospital
from cloudpeds.audit.history import track_clinical
from cloudpeds.core.text import render_markdown
from cloudpeds.patients.age import pediatric_age
from cloudpeds.patients.models import Patient, works_with_patients

from ..triage import (
    HANDOVER_COLOURS,
    RED,
    YELLOW,
    AgeBand,
    AgeUnit,
    CaseResult,
    ChildAge,
    DocumentError,
    Operator,
    PathwaySpec,
    QuestionKind,
    Unit,
    VitalSign,
    describe_answers,
    failing,
    pick,
    stored_answers,
)
from .topics import OPEN_STATUSES, Colour, EventKind, HandbookError, VersionStatus, is_editor

__all__ = [
    "HandoverError",
    "Pathway",
    "PathwayClassification",
    "PathwayCondition",
    "PathwayQuestion",
    "PathwayRule",
    "PathwayTestCase",
    "PathwayVersion",
    "PathwayVersionEvent",
    "TriageRun",
    "document_problems",
]


class HandoverError(Exception):
    """A handover refused for a reason the doctor can act on; the message is shown."""


class AgeBandFields(models.Model):
    """An age band [from, to) with a unit for each end (days or months); both ends optional."""

    age_from = models.PositiveIntegerField(_("from age"), null=True, blank=True)
    age_from_unit = models.CharField(max_length=6, choices=AgeUnit.choices, default=AgeUnit.MONTHS)
    age_to = models.PositiveIntegerField(_("under age"), null=True, blank=True)
    age_to_unit = models.CharField(max_length=6, choices=AgeUnit.choices, default=AgeUnit.MONTHS)

    class Meta:
        abstract = True

    @property
    def age_band(self) -> AgeBand | None:
        return AgeBand.from_fields(self.age_from, self.age_from_unit, self.age_to, self.age_to_unit)

    def age_band_document(self) -> dict[str, Any]:
        band = self.age_band
        return band.as_fields() if band is not None else {}


# --- Pathways ----------------------------------------------------------------------------------


class PathwayQuerySet(models.QuerySet):
    def published(self) -> PathwayQuerySet:
        return self.filter(current_version__isnull=False)


class Pathway(models.Model):
    topic = models.OneToOneField(
        "handbook.Topic", on_delete=models.PROTECT, related_name="pathway", verbose_name=_("topic")
    )
    slug = models.SlugField(_("address"), max_length=80, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    # Which Xinhua department a red or yellow result is handed over to.
    specialty = models.CharField(
        _("Xinhua department for handovers"),
        max_length=40,
        choices=Department.Specialty.choices,
        default=Department.Specialty.GENERAL_PEDIATRICS,
    )
    is_demo = models.BooleanField(_("demonstration content"), default=False)
    # The published version doctors use; set only by PathwayVersion.approve().
    current_version = models.ForeignKey(
        "PathwayVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = PathwayQuerySet.as_manager()

    class Meta:
        verbose_name = _("triage pathway")
        verbose_name_plural = _("triage pathways")
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug

    def get_absolute_url(self) -> str:
        return reverse("handbook:triage", args=[self.topic.slug])

    @property
    def name(self) -> str:
        return pick(self.name_zh, self.name_en)

    @classmethod
    def create_with_draft(
        cls, user, *, topic, slug: str, name_zh: str, name_en: str, specialty: str, document: dict | None = None
    ) -> PathwayVersion:
        """A new pathway for `topic` and its first version, a draft by `user` (empty or from `document`)."""
        if not is_editor(user):
            raise HandbookError(_("Only handbook editors can create triage pathways."))
        with transaction.atomic():
            pathway = cls.objects.create(
                topic=topic, slug=slug, name_zh=name_zh, name_en=name_en, specialty=specialty, created_by=user
            )
            version = PathwayVersion.objects.create(pathway=pathway, number=1, author=user)
            version._record(user, EventKind.CREATED, VersionStatus.DRAFT)
            if document is not None:
                version.replace_content(user, document)
        return version

    def open_version(self) -> PathwayVersion | None:
        return self.versions.filter(status__in=OPEN_STATUSES).first()

    def start_draft(self, user) -> PathwayVersion:
        """A new draft copied from the published version (or the latest); the open one if there is one."""
        if not is_editor(user):
            raise HandbookError(_("Only handbook editors can write new versions."))
        with transaction.atomic():
            pathway = type(self).objects.select_for_update().get(pk=self.pk)
            existing = pathway.open_version()
            if existing is not None:
                return existing
            base = pathway.current_version or pathway.versions.order_by("-number").first()
            number = (pathway.versions.aggregate(models.Max("number"))["number__max"] or 0) + 1
            draft = PathwayVersion.objects.create(pathway=pathway, number=number, author=user)
            draft._record(user, EventKind.CREATED, VersionStatus.DRAFT, f"v{base.number}" if base else "")
            if base is not None:
                draft._store(base.document())
                draft.change_note = ""
                draft.save(update_fields=["change_note"])
        return draft


# --- Versions ----------------------------------------------------------------------------------


class PathwayVersionQuerySet(models.QuerySet):
    def with_content(self) -> PathwayVersionQuerySet:
        """Everything `document()` and `spec()` read, in a fixed number of queries."""
        return self.select_related("pathway", "pathway__topic", "author", "approved_by").prefetch_related(
            "questions",
            "classifications",
            "test_cases",
            models.Prefetch(
                "rules",
                queryset=PathwayRule.objects.select_related("classification").prefetch_related(
                    models.Prefetch("conditions", queryset=PathwayCondition.objects.select_related("question"))
                ),
            ),
        )

    def awaiting_review_by(self, user) -> PathwayVersionQuerySet:
        return self.filter(status=VersionStatus.IN_REVIEW).exclude(author=user)


class PathwayVersion(AgeBandFields):
    """One version of a pathway's table. The age band fields are its scope: the children it applies to."""

    Status = VersionStatus

    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="versions")
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

    objects = PathwayVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("pathway version")
        verbose_name_plural = _("pathway versions")
        ordering = ["pathway", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["pathway", "number"], name="handbook_pathway_number_unique"),
            models.UniqueConstraint(
                fields=["pathway"],
                condition=Q(status__in=["draft", "in_review"]),
                name="handbook_pathway_one_open_version",
            ),
            models.UniqueConstraint(
                fields=["pathway"], condition=Q(status="published"), name="handbook_pathway_one_published"
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("author")),
                name="handbook_pathway_two_person_rule",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pathway.slug} v{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("handbook:pathway_version", args=[self.pathway.slug, self.number])

    @property
    def is_current(self) -> bool:
        return self.status == VersionStatus.PUBLISHED

    # --- Content ------------------------------------------------------------------------------

    def document(self) -> dict[str, Any]:
        """The version as a pathway document (see handbook.triage), from its rows."""
        return {
            "scope": self.age_band_document(),
            "questions": [question.as_document() for question in self.questions.all()],
            "classifications": [classification.as_document() for classification in self.classifications.all()],
            "rules": [rule.as_document() for rule in self.rules.all()],
            "test_cases": [case.as_document() for case in self.test_cases.all()],
        }

    @cached_property
    def spec(self) -> PathwaySpec:
        return PathwaySpec.from_document(self.document())

    def test_results(self) -> list[CaseResult]:
        return self.spec.run_cases()

    def replace_content(self, user, document: dict[str, Any], change_note: str | None = None) -> None:
        """The author replaces the draft's table with a (validated) document."""
        with transaction.atomic():
            locked = self._locked()
            if not locked.can_edit(user):
                raise HandbookError(_("Only the author can change this draft."))
            locked._store(document)
            if change_note is not None:
                locked.change_note = change_note
                locked.save(update_fields=["change_note"])

    def _store(self, document: dict[str, Any]) -> None:
        spec = PathwaySpec.from_document(document)  # DocumentError: nothing is written
        self.rules.all().delete()  # their conditions with them
        self.questions.all().delete()
        self.classifications.all().delete()
        self.test_cases.all().delete()
        band = spec.scope or AgeBand()
        for name, value in band.as_fields().items():
            setattr(self, name, value)
        self.save(update_fields=["age_from", "age_from_unit", "age_to", "age_to_unit"])
        questions = {
            q.key: PathwayQuestion(
                version=self,
                position=index,
                key=q.key,
                kind=q.kind,
                label_zh=q.label_zh,
                label_en=q.label_en,
                text_zh=q.text_zh,
                text_en=q.text_en,
                help_zh=q.help_zh,
                help_en=q.help_en,
                unit=q.unit,
                min_value=q.min_value,
                max_value=q.max_value,
                required=q.required,
                choices=[{"value": c.value, "label_zh": c.label_zh, "label_en": c.label_en} for c in q.choices],
                vital_sign=q.vital_sign,
            )
            for index, q in enumerate(spec.questions, 1)
        }
        PathwayQuestion.objects.bulk_create(questions.values())
        classifications = {
            c.code: PathwayClassification(
                version=self,
                position=c.position,
                code=c.code,
                colour=c.colour,
                name_zh=c.name_zh,
                name_en=c.name_en,
                actions_zh=c.actions_zh,
                actions_en=c.actions_en,
                is_note=c.is_note,
                is_default=c.is_default,
            )
            for c in spec.classifications
        }
        PathwayClassification.objects.bulk_create(classifications.values())
        rules = [
            PathwayRule(
                version=self,
                position=rule.position,
                classification=classifications[rule.classification.code],
                min_conditions=rule.min_conditions,
                label_zh=rule.label_zh,
                label_en=rule.label_en,
            )
            for rule in spec.rules
        ]
        PathwayRule.objects.bulk_create(rules)
        PathwayCondition.objects.bulk_create(
            PathwayCondition(
                rule=row,
                position=position,
                question=questions[condition.question.key],
                operator=condition.operator,
                value=condition.value,
                threshold=condition.threshold,
                **(condition.band.as_fields() if condition.band else {}),
            )
            for row, rule in zip(rules, spec.rules, strict=True)
            for position, condition in enumerate(rule.conditions, 1)
        )
        PathwayTestCase.objects.bulk_create(
            PathwayTestCase(
                version=self,
                position=index,
                name=case.name,
                born=case.born,
                assessed_on=case.assessed_on,
                answers=dict(case.answers),
                expected=case.expected,
                expected_notes=list(case.expected_notes),
            )
            for index, case in enumerate(spec.test_cases, 1)
        )
        self.__dict__.pop("spec", None)

    # --- Who may do what ----------------------------------------------------------------------

    def can_edit(self, user) -> bool:
        # Only the author edits a draft: otherwise a second editor could approve their own changes.
        return self.status == VersionStatus.DRAFT and is_editor(user) and self.author_id == user.pk

    def can_submit(self, user) -> bool:
        return self.can_edit(user)

    def can_approve(self, user) -> bool:
        return self.status == VersionStatus.IN_REVIEW and is_editor(user) and self.author_id != user.pk

    def can_return(self, user) -> bool:
        return self.status == VersionStatus.IN_REVIEW and is_editor(user)

    # --- Transitions --------------------------------------------------------------------------
    # Each returns the version as stored after the change (the status field is protected, so
    # the caller's instance is not reloaded in place).

    def _locked(self) -> PathwayVersion:
        return type(self).objects.select_for_update().select_related("pathway").get(pk=self.pk)

    def _record(self, actor, kind: str, from_status: str, note: str = "") -> PathwayVersionEvent:
        return PathwayVersionEvent.objects.create(
            version=self, actor=actor, kind=kind, from_status=from_status, to_status=self.status, note=note
        )

    def _check_test_cases(self) -> None:
        """Refuse a version whose cases do not all pass, naming the failing ones."""
        # With every row in a fixed number of queries (the locked row has none prefetched).
        results = type(self).objects.with_content().get(pk=self.pk).test_results()
        if not results:
            raise HandbookError(_("Add test cases (boundaries included) before this version can be reviewed."))
        failed = failing(results)
        if failed:
            raise HandbookError(
                gettext("%(count)s of %(total)s test cases fail: %(names)s. Correct the table or the cases first.")
                % {"count": len(failed), "total": len(results), "names": "; ".join(r.name for r in failed)}
            )

    @transition(field=status, source=VersionStatus.DRAFT, target=VersionStatus.IN_REVIEW)
    def _to_in_review(self) -> None:
        pass

    def submit(self, user, note: str = "") -> PathwayVersion:
        with transaction.atomic():
            locked = self._locked()
            if not locked.can_submit(user):
                raise HandbookError(_("Only the author can send this draft for review."))
            locked._check_test_cases()
            locked._to_in_review()
            locked.submitted_at = timezone.now()
            locked.save()
            locked._record(user, EventKind.SUBMITTED, VersionStatus.DRAFT, note)
        return locked

    @transition(field=status, source=VersionStatus.IN_REVIEW, target=VersionStatus.DRAFT)
    def _to_draft(self) -> None:
        pass

    def return_to_draft(self, user, note: str) -> PathwayVersion:
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
        return locked

    @transition(field=status, source=VersionStatus.IN_REVIEW, target=VersionStatus.PUBLISHED)
    def _to_published(self) -> None:
        pass

    @transition(field=status, source=VersionStatus.PUBLISHED, target=VersionStatus.SUPERSEDED)
    def _to_superseded(self) -> None:
        pass

    def approve(self, user, note: str = "", now=None) -> PathwayVersion:
        """Another editor approves the version, which publishes it and supersedes the previous one."""
        now = now or timezone.now()
        with transaction.atomic():
            # Pathway first, then versions: two approvals of one pathway are serialised.
            pathway = Pathway.objects.select_for_update().get(pk=self.pathway_id)
            locked = self._locked()
            if locked.status != VersionStatus.IN_REVIEW:
                raise HandbookError(_("Only a version in review can be approved."))
            if not is_editor(user):
                raise HandbookError(_("Only handbook editors can approve versions."))
            if locked.author_id == user.pk:
                raise HandbookError(_("Another editor must approve this version: authors cannot approve their own."))
            # The cases are run again: the rows may have been changed since the submission.
            locked._check_test_cases()
            if pathway.current_version_id is not None:
                previous = type(self).objects.select_for_update().get(pk=pathway.current_version_id)
                previous._to_superseded()
                previous.superseded_at = now
                previous.save()
                previous._record(user, EventKind.SUPERSEDED, VersionStatus.PUBLISHED, f"v{locked.number}")
            locked._to_published()
            locked.approved_by = user
            locked.approved_at = now
            locked.save()
            locked._record(user, EventKind.APPROVED, VersionStatus.IN_REVIEW, note)
            pathway.current_version = locked
            pathway.save(update_fields=["current_version"])
        return locked

    # --- Use ----------------------------------------------------------------------------------

    def run(self, user, answers: dict, *, born: date, on: date | None = None, patient=None) -> TriageRun:
        """Evaluate parsed answers for a child born on `born` and record the run."""
        on = on or timezone.localdate()
        age = ChildAge.between(born, on)
        spec = self.spec
        error = spec.scope_error(age)
        if error:
            raise HandbookError(error)
        outcome = spec.evaluate(answers, age)
        return TriageRun.objects.create(
            user=user,
            hospital_id=user.hospital_id,
            patient=patient,
            pathway_version=self,
            assessed_on=on,
            age_days=age.days,
            age_months=age.months,
            age_entered=patient is None,
            answers=stored_answers(answers),
            answer_texts=describe_answers(spec, answers),
            classification_code=outcome.classification.code,
            classification_colour=outcome.classification.colour,
            classification=outcome.classification.as_json(),
            notes=outcome.notes_json(),
            fired=outcome.fired_json(),
        )

    def runs_by_classification(self) -> list[dict[str, Any]]:
        return list(
            self.runs.values("classification_code", "classification_colour")
            .annotate(total=Count("pk"))
            .order_by("-total", "classification_code")
        )


class PathwayVersionEvent(models.Model):
    """One step of a pathway version: who, when, from which state to which, and a note."""

    version = models.ForeignKey(PathwayVersion, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    from_status = models.CharField(max_length=20, choices=VersionStatus.choices)
    to_status = models.CharField(max_length=20, choices=VersionStatus.choices)
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["version", "at"], name="handbook_pathway_event_order")]

    def __str__(self) -> str:
        return f"{self.version_id} {self.from_status}→{self.to_status} {self.at:%Y-%m-%d %H:%M}"


def _number(value: Decimal | None) -> int | float | None:
    """A decimal for a JSON document: an int when whole, else a float (37.5 stays 37.5)."""
    if value is None:
        return None
    value = value.normalize()
    return int(value) if value == value.to_integral_value() else float(value)


class PathwayQuestion(models.Model):
    version = models.ForeignKey(PathwayVersion, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    key = models.SlugField(_("key"), max_length=40)
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices)
    label_zh = models.CharField(_("short label (Chinese)"), max_length=100)
    label_en = models.CharField(_("short label (English)"), max_length=100)
    text_zh = models.TextField(_("question (Chinese)"), blank=True)
    text_en = models.TextField(_("question (English)"), blank=True)
    help_zh = models.TextField(_("how to assess (Chinese)"), blank=True)
    help_en = models.TextField(_("how to assess (English)"), blank=True)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, blank=True)
    # Plausible range: outside it the number is a typo, not a child.
    min_value = models.DecimalField(_("lowest plausible value"), max_digits=8, decimal_places=2, null=True, blank=True)
    max_value = models.DecimalField(_("highest plausible value"), max_digits=8, decimal_places=2, null=True, blank=True)
    required = models.BooleanField(_("required"), default=True)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    vital_sign = models.CharField(
        _("fills in the consultation's"), max_length=20, choices=VitalSign.choices, blank=True
    )

    class Meta:
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="handbook_pathway_question_key")]

    def __str__(self) -> str:
        return self.key

    @property
    def label(self) -> str:
        return pick(self.label_zh, self.label_en)

    def as_document(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "label_zh": self.label_zh,
            "label_en": self.label_en,
            "text_zh": self.text_zh,
            "text_en": self.text_en,
            "help_zh": self.help_zh,
            "help_en": self.help_en,
            "unit": self.unit,
            "min_value": _number(self.min_value),
            "max_value": _number(self.max_value),
            "required": self.required,
            "choices": self.choices,
            "vital_sign": self.vital_sign,
        }


class PathwayClassification(models.Model):
    version = models.ForeignKey(PathwayVersion, on_delete=models.CASCADE, related_name="classifications")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    code = models.SlugField(_("code"), max_length=40)
    colour = models.CharField(_("colour"), max_length=10, choices=Colour.choices)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    actions_zh = models.TextField(_("what to do (Chinese)"), blank=True)
    actions_en = models.TextField(_("what to do (English)"), blank=True)
    # A note is reported beside the classification ("cough for 14 days or more: assess
    # further") and never replaces it; the default is the result when no rule fires.
    is_note = models.BooleanField(_("note"), default=False)
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="handbook_pathway_classification_code"),
            models.UniqueConstraint(
                fields=["version"], condition=Q(is_default=True), name="handbook_pathway_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def name(self) -> str:
        return pick(self.name_zh, self.name_en)

    @property
    def actions(self) -> str:
        return pick(self.actions_zh, self.actions_en)

    def as_document(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "colour": self.colour,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "actions_zh": self.actions_zh,
            "actions_en": self.actions_en,
            "is_note": self.is_note,
            "is_default": self.is_default,
        }


class PathwayRule(models.Model):
    """A row of the table: when its conditions hold (all, or at least `min_conditions`), the classification."""

    version = models.ForeignKey(PathwayVersion, on_delete=models.CASCADE, related_name="rules")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    classification = models.ForeignKey(PathwayClassification, on_delete=models.CASCADE, related_name="rules")
    min_conditions = models.PositiveSmallIntegerField(_("at least this many conditions"), null=True, blank=True)
    label_zh = models.CharField(_("label (Chinese)"), max_length=200, blank=True)
    label_en = models.CharField(_("label (English)"), max_length=200, blank=True)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.version} rule {self.position}"

    def as_document(self) -> dict[str, Any]:
        return {
            "classification": self.classification.code,
            "label_zh": self.label_zh,
            "label_en": self.label_en,
            "min_conditions": self.min_conditions,
            "conditions": [condition.as_document() for condition in self.conditions.all()],
        }


class PathwayCondition(AgeBandFields):
    """One threshold or answer of a rule, optionally only within an age band."""

    rule = models.ForeignKey(PathwayRule, on_delete=models.CASCADE, related_name="conditions")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    question = models.ForeignKey(PathwayQuestion, on_delete=models.CASCADE, related_name="conditions")
    operator = models.CharField(_("operator"), max_length=3, choices=Operator.choices)
    value = models.CharField(_("equals"), max_length=40, blank=True)
    threshold = models.DecimalField(_("threshold"), max_digits=8, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(operator="eq") & Q(threshold__isnull=True))
                | (Q(operator__in=["gte", "gt", "lte", "lt"]) & Q(threshold__isnull=False)),
                name="handbook_condition_threshold_for_comparisons",
            )
        ]

    def __str__(self) -> str:
        return f"{self.question.key} {self.operator} {self.value or self.threshold}"

    def as_document(self) -> dict[str, Any]:
        document: dict[str, Any] = {"question": self.question.key, "operator": self.operator}
        if self.operator == Operator.EQ:
            document["value"] = self.value
        else:
            document["threshold"] = _number(self.threshold)
        document.update(self.age_band_document())
        return document


class PathwayTestCase(models.Model):
    """Answers in, classification (and notes) out; the child's age by dates, so boundaries are exact."""

    version = models.ForeignKey(PathwayVersion, on_delete=models.CASCADE, related_name="test_cases")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    name = models.CharField(_("name"), max_length=200)
    born = models.DateField(_("born on"))
    assessed_on = models.DateField(_("assessed on"))
    answers = models.JSONField(_("answers"), default=dict)
    expected = models.SlugField(_("expected classification"), max_length=40)
    expected_notes = models.JSONField(_("expected notes"), default=list, blank=True)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name

    def as_document(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "born": self.born.isoformat(),
            "assessed_on": self.assessed_on.isoformat(),
            "answers": self.answers,
            "expected": self.expected,
            "expected_notes": self.expected_notes,
        }


# --- Runs ------------------------------------------------------------------------------------------


class TriageRunQuerySet(models.QuerySet):
    def visible_to(self, user) -> TriageRunQuerySet:
        """Your own runs, and the runs about children whose record you may see."""
        if not user.is_authenticated:
            return self.none()
        rule = Q(user=user)
        if works_with_patients(user):
            rule |= Q(patient__in=Patient.objects.visible_to(user).values("pk"))
        return self.filter(rule)

    def counts_by_classification(self) -> models.QuerySet:
        """Runs per pathway version and classification, for the editors' usage page."""
        return (
            self.values("pathway_version_id", "classification_code", "classification_colour")
            .annotate(total=Count("pk"))
            .order_by("pathway_version_id", "-total")
        )


@track_clinical()
class TriageRun(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, null=True, blank=True, related_name="triage_runs")
    pathway_version = models.ForeignKey(PathwayVersion, on_delete=models.PROTECT, related_name="runs")
    assessed_on = models.DateField(_("assessed on"))
    age_days = models.PositiveIntegerField(_("age (days)"))
    age_months = models.PositiveIntegerField(_("age (months)"))
    age_entered = models.BooleanField(_("age typed in"), default=False)  # else from the patient record
    answers = models.JSONField(_("answers"), default=dict)
    # Frozen with the run in both languages: what the doctor saw is what a handover carries.
    answer_texts = models.JSONField(default=list)
    classification_code = models.SlugField(_("classification"), max_length=40)
    classification_colour = models.CharField(_("colour"), max_length=10, choices=Colour.choices)
    classification = models.JSONField(default=dict)
    notes = models.JSONField(default=list)
    fired = models.JSONField(_("rules that fired"), default=list)
    created_at = models.DateTimeField(default=timezone.now)
    consultation = models.ForeignKey(
        "consultations.Consultation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = TriageRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("triage run")
        verbose_name_plural = _("triage runs")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["patient", "-created_at"], name="handbook_triage_patient"),
            models.Index(fields=["pathway_version", "classification_colour"], name="handbook_triage_usage"),
        ]

    def __str__(self) -> str:
        return f"{self.pathway_version} → {self.classification_code}"

    def get_absolute_url(self) -> str:
        return reverse("handbook:triage_result", args=[self.public_id])

    @property
    def age(self) -> ChildAge:
        return ChildAge(days=self.age_days, months=self.age_months)

    @property
    def classification_name(self) -> str:
        return pick(self.classification.get("name_zh", ""), self.classification.get("name_en", ""))

    @property
    def classification_actions(self) -> str:
        return pick(self.classification.get("actions_zh", ""), self.classification.get("actions_en", ""))

    @property
    def actions_html(self) -> str:
        """The actions as the editors wrote them (Markdown lists), sanitised."""
        return render_markdown(self.classification_actions)

    @property
    def offers_handover(self) -> bool:
        return self.classification_colour in HANDOVER_COLOURS

    @property
    def age_display(self) -> str:
        """The age used, as the patient page writes ages ("11 months 29 days")."""
        return pediatric_age(self.assessed_on - timedelta(days=self.age_days), self.assessed_on)

    def why(self) -> list[dict[str, Any]]:
        """The rows that fired, in the active language, for the result page."""
        return [
            {
                "classification": pick(rule["classification_name"]["zh"], rule["classification_name"]["en"]),
                "colour": rule["colour"],
                "is_note": rule["is_note"],
                "label": pick(rule["label_zh"], rule["label_en"]),
                "needed": rule["needed"],
                "of": rule["of"],
                "conditions": [pick(c["text"]["zh"], c["text"]["en"]) for c in rule["conditions"]],
            }
            for rule in self.fired
        ]

    def answer_rows(self) -> list[tuple[str, str]]:
        return [
            (pick(row["label"]["zh"], row["label"]["en"]), pick(row["text"]["zh"], row["text"]["en"]))
            for row in self.answer_texts
        ]

    def note_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "colour": note["colour"],
                "name": pick(note["name_zh"], note["name_en"]),
                "actions_html": render_markdown(pick(note["actions_zh"], note["actions_en"])),
            }
            for note in self.notes
        ]

    # --- For the referrals app (referrals/handbook_hook.py reads these by name) -------------------

    @property
    def urgency(self) -> str:
        """The transfer urgency a referral from this run starts with (the referrals app's values)."""
        return {RED: "emergency", YELLOW: "urgent"}.get(self.classification_colour, "routine")

    @property
    def summary(self) -> str:
        return self._summary()

    def as_referral_context(self) -> dict[str, Any]:
        return self.handbook_context()

    def fired_texts(self) -> list[str]:
        """Why: each condition that held, in the active language."""
        return [
            pick(condition["text"]["zh"], condition["text"]["en"])
            for rule in self.fired
            for condition in rule["conditions"]
        ]

    def can_start_consultation(self, user) -> bool:
        from consultations.models import Consultation, Status

        return (
            self.offers_handover
            and self.patient_id is not None
            and (self.consultation is None or self.consultation.status == Status.WITHDRAWN)
            and Consultation.can_start(user, self.patient)
        )

    def start_consultation(self, user):
        """A draft consultation to Xinhua, pre-filled from this run; the same one if already started."""
        from consultations.models import Consultation, ConsultationError, Status, Urgency

        with transaction.atomic():
            run = (
                type(self)
                .objects.select_for_update(of=("self",))
                .select_related("patient", "pathway_version__pathway__topic", "consultation")
                .get(pk=self.pk)
            )
            if run.consultation is not None and run.consultation.status != Status.WITHDRAWN:
                return run.consultation  # a double click: the draft already made (a withdrawn one is replaced)
            if run.patient is None:
                raise HandoverError(_("Run the triage for a registered child to start a consultation about them."))
            if not run.offers_handover:
                raise HandoverError(_("A green result is managed at home: there is nothing to hand over."))
            if not Consultation.can_start(user, run.patient):
                raise HandoverError(_("You can ask about the children of your own hospital only."))
            consultation = Consultation(
                patient=run.patient,
                department=run._xinhua_department(),
                urgency=Urgency.URGENT if run.classification_colour == RED else Urgency.ROUTINE,
                symptoms=run._summary(),
                question=run._prefilled_question(),
                handbook_context=run.handbook_context(),
                **run._vital_signs(),
            )
            try:
                consultation.save_draft(user)
            except ConsultationError as exc:
                raise HandoverError(str(exc)) from exc
            run.consultation = consultation
            run.save(update_fields=["consultation"])
        return consultation

    def _xinhua_department(self) -> Department:
        pathway = self.pathway_version.pathway
        departments = Department.objects.filter(hospital__level=Hospital.Level.LEAD).order_by("hospital__code")
        department = (
            departments.filter(specialty=pathway.specialty).first()
            or departments.filter(specialty=Department.Specialty.GENERAL_PEDIATRICS).first()
        )
        if department is None:
            raise HandoverError(_("Xinhua has no department to send this consultation to."))
        return department

    def _vital_signs(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for question in self.pathway_version.spec.questions:
            answer = self.answers.get(question.key)
            if not question.vital_sign or answer in (None, ""):
                continue
            number = Decimal(answer)
            if question.vital_sign == VitalSign.TEMPERATURE:
                values["temperature_c"] = number.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            elif question.vital_sign == VitalSign.WEIGHT:
                values["weight_kg"] = number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            else:
                values[question.vital_sign] = int(number.to_integral_value(rounding=ROUND_HALF_UP))
        return values

    def _pathway_label(self) -> str:
        return gettext("%(pathway)s, version %(number)s") % {
            "pathway": self.pathway_version.pathway.name,
            "number": self.pathway_version.number,
        }

    def _summary(self) -> str:
        lines = [
            gettext("Handbook triage (%(pathway)s): %(classification)s (%(colour)s).")
            % {
                "pathway": self._pathway_label(),
                "classification": self.classification_name,
                "colour": Colour(self.classification_colour).label,
            }
        ]
        lines += [f"- {text}" for text in self.fired_texts()]
        lines.append(gettext("Answers:"))
        lines += [
            f"- {pick(row['label']['zh'], row['label']['en'])}: {pick(row['text']['zh'], row['text']['en'])}"
            for row in self.answer_texts
        ]
        return "\n".join(lines)

    def _prefilled_question(self) -> str:
        return gettext(
            "The handbook triage classified this child as %(classification)s. "
            "Please advise on management and whether to transfer the child to Xinhua."
        ) % {"classification": self.classification_name}

    def handbook_context(self) -> dict[str, Any]:
        """What the consultation keeps of the triage (JSON): enough to show where it came from."""
        version = self.pathway_version
        pathway = version.pathway
        return {
            "source": "handbook_triage",
            "triage_run": str(self.public_id),
            "url": self.get_absolute_url(),
            "topic": pathway.topic.slug,
            "pathway": pathway.slug,
            "pathway_name": {"zh": pathway.name_zh, "en": pathway.name_en},
            "version": version.number,
            "version_approved_at": version.approved_at.isoformat() if version.approved_at else None,
            "assessed_on": self.assessed_on.isoformat(),
            "age": {"days": self.age_days, "months": self.age_months, "entered": self.age_entered},
            "classification": self.classification,
            "notes": self.notes,
            "answers": self.answer_texts,
            "fired": self.fired,
            "thresholds": [
                condition["text"]
                for rule in self.fired
                for condition in rule["conditions"]
                if condition["operator"] != Operator.EQ
            ],
            "is_demo": pathway.is_demo,
        }


def document_problems(document: Any) -> list[str]:
    """The problems of a pathway document; empty when it can be stored."""
    try:
        PathwaySpec.from_document(document)
    except DocumentError as exc:
        return exc.problems
    return []
