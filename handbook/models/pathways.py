"""Triage pathways: a topic's interactive table, its versions and the runs doctors make.

A pathway belongs to one topic. Its content lives in numbered versions; a version's table
(questions, classifications, rules and test cases) is one validated JSON document, the one
the editors edit, and `spec` is the immutable form that handbook.triage builds from it and
evaluates. Versions follow the review workflow of handbook.models.review; on top of it, a
version whose test cases do not all pass can be neither sent for review nor approved: the
table is clinical logic, and its cases are its specification.

Every evaluation is recorded as a TriageRun (who, which child if any, which version, the
answers, the classification and the rows that fired), shown on the child's timeline. A red
or yellow run can be handed over in one click as a draft consultation to Xinhua.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
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

from cloudpeds.accounts.models import Department, Hospital, User
from cloudpeds.audit.history import track_clinical
from cloudpeds.core.text import render_markdown
from cloudpeds.patients.age import pediatric_age
from cloudpeds.patients.models import Patient, works_with_patients
from consultations.models import Consultation, ConsultationError, Urgency
from consultations.models import Status as ConsultationStatus

from ..agreement import disagreements, table_rows
from ..impact import Impact, RuleChange, impact, rule_diff
from ..triage import (
    HANDOVER_COLOURS,
    RED,
    CaseResult,
    ChildAge,
    Operator,
    PathwaySpec,
    VitalSign,
    describe_answers,
    empty_document,
    failing,
    pick,
    stored_answers,
)
from .review import OPEN_STATUSES, EventKind, HandbookError, ReviewedVersion, VersionEvent, VersionStatus, is_editor
from .topics import Colour, Topic


class HandoverError(Exception):
    """A handover refused for a reason the doctor can act on; the message is shown."""


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
        cls,
        user: User,
        *,
        topic: Topic,
        slug: str,
        name_zh: str,
        name_en: str,
        specialty: str,
        document: dict[str, Any] | None = None,
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

    def start_draft(self, user: User) -> PathwayVersion:
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
            draft = PathwayVersion.objects.create(
                pathway=pathway, number=number, author=user, document=base.document if base else empty_document()
            )
            draft._record(user, EventKind.CREATED, VersionStatus.DRAFT, f"v{base.number}" if base else "")
        return draft


# --- Versions ----------------------------------------------------------------------------------


class PathwayVersionQuerySet(models.QuerySet):
    def with_content(self) -> PathwayVersionQuerySet:
        """With what the pages show beside the table (the table is on the row itself)."""
        return self.select_related("pathway", "pathway__topic", "author", "approved_by")

    def awaiting_review_by(self, user: User) -> PathwayVersionQuerySet:
        return self.filter(status=VersionStatus.IN_REVIEW).exclude(author=user)


class PathwayVersion(ReviewedVersion):
    """One version of a pathway's table."""

    subject_field = "pathway"

    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="versions")
    # The table as a pathway document (handbook.triage): validated when it is stored, and
    # stored as the spec writes it back, every field explicit (what the editors then edit).
    document = models.JSONField(_("table"), default=empty_document)
    # What the approver saw of the impact analysis against the published version (handbook.impact):
    # {"checked": children run, "changes": children whose colour changes}; set by approve().
    impact_seen = models.JSONField(_("impact analysis seen at approval"), null=True, blank=True, editable=False)

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

    # --- Content ------------------------------------------------------------------------------

    @cached_property
    def spec(self) -> PathwaySpec:
        """The table as the engine evaluates it (DocumentError for a new draft's empty table)."""
        return PathwaySpec.from_document(self.document)

    def test_results(self) -> list[CaseResult]:
        return self.spec.run_cases()

    def replace_content(self, user: User, document: dict[str, Any], change_note: str | None = None) -> None:
        """The author replaces the draft's table with a document; DocumentError if it is not valid."""
        spec = PathwaySpec.from_document(document)  # DocumentError: nothing is written
        with transaction.atomic():
            locked = self._locked()
            if not locked.can_edit(user):
                raise HandbookError(_("Only the author can change this draft."))
            locked.document = spec.as_document()
            if change_note is not None:
                locked.change_note = change_note
            locked.save(update_fields=["document", "change_note"])
        self.refresh_from_db()
        self.__dict__.pop("spec", None)

    # --- The review workflow (handbook.models.review) -----------------------------------------

    def _check_test_cases(self) -> None:
        """Refuse a version whose cases do not all pass, naming the failing ones."""
        results = self.test_results()
        if not results:
            raise HandbookError(_("Add test cases (boundaries included) before this version can be reviewed."))
        failed = failing(results)
        if failed:
            raise HandbookError(
                gettext("%(count)s of %(total)s test cases fail: %(names)s. Correct the table or the cases first.")
                % {"count": len(failed), "total": len(results), "names": "; ".join(r.name for r in failed)}
            )

    def _check_agrees_with_topic(self) -> None:
        """The topic's published classification table says what this table does (handbook.agreement)."""
        topic_version = self.pathway.topic.current_version
        if topic_version is None:
            return
        problems = disagreements(table_rows(topic_version), self.spec)
        if problems:
            raise HandbookError(
                gettext("The topic's classification table and this pathway disagree: %(problems)s.")
                % {"problems": "; ".join(problems)}
            )

    def reference_results(self) -> list[CaseResult]:
        """The pathway's active reference cases (owned by clinical safety) run against this version."""
        cases = self.pathway.reference_cases.active()
        return [self.spec.run_case(case.as_test_case()) for case in cases]

    def _check_reference_cases(self) -> None:
        """Refuse a version that fails a reference case: its author cannot edit those away."""
        results = self.reference_results()
        failed = failing(results)
        if failed:
            raise HandbookError(
                gettext(
                    "%(count)s of %(total)s reference cases of clinical safety fail: %(names)s. "
                    "The table must classify these children as clinical safety expects."
                )
                % {"count": len(failed), "total": len(results), "names": "; ".join(r.name for r in failed)}
            )

    def _check_ready_for_review(self) -> None:
        self._check_test_cases()
        self._check_reference_cases()
        self._check_agrees_with_topic()

    def impact_against_published(self) -> Impact | None:
        """The published and this version run side by side (None for the first version)."""
        published = self.pathway.current_version
        if published is None or published.pk == self.pk:
            return None
        reference = [case.as_test_case() for case in self.pathway.reference_cases.active()]
        return impact(published.spec, self.spec, reference)

    def rule_changes(self) -> list[RuleChange]:
        published = self.pathway.current_version
        return rule_diff(published.spec if published and published.pk != self.pk else None, self.spec)

    def _publication_fields(self, now: datetime, *, impact_seen: int | None = None) -> dict[str, Any]:
        # The cases are run again: the table (or the reference cases) may have changed since
        # the submission.
        self._check_test_cases()
        self._check_reference_cases()
        self._check_agrees_with_topic()
        result = self.impact_against_published()
        if result is None:
            return {}
        # The approver confirms the number of children whose colour changes, as the review
        # page showed it: an approval given without having seen the list is refused.
        if impact_seen != len(result.changes):
            raise HandbookError(
                gettext(
                    "Review the impact analysis first: %(count)s children change colour with this version. "
                    "Confirm that you have seen the list."
                )
                % {"count": len(result.changes)}
            )
        return {"impact_seen": {"checked": result.checked, "changes": len(result.changes)}}

    # --- Use ----------------------------------------------------------------------------------

    def run(
        self, user: User, answers: dict, *, born: date, on: date | None = None, patient: Patient | None = None
    ) -> TriageRun:
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


class PathwayVersionEvent(VersionEvent):
    version = models.ForeignKey(PathwayVersion, on_delete=models.CASCADE, related_name="events")

    class Meta(VersionEvent.Meta):
        indexes = [models.Index(fields=["version", "at"], name="handbook_pathway_event_order")]


# --- Runs ------------------------------------------------------------------------------------------


class TriageRunQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> TriageRunQuerySet:
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

    # --- What a handover (a consultation, a referral) starts from -------------------------------

    @property
    def summary(self) -> str:
        """The run as text, in the active language: the classification, why, and the answers."""
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

    def fired_texts(self) -> list[str]:
        """Why: each condition that held, in the active language."""
        return [
            pick(condition["text"]["zh"], condition["text"]["en"])
            for rule in self.fired
            for condition in rule["conditions"]
        ]

    def can_start_consultation(self, user: User) -> bool:
        return (
            self.offers_handover
            and self.patient_id is not None
            and (self.consultation is None or self.consultation.status == ConsultationStatus.WITHDRAWN)
            and Consultation.can_start(user, self.patient)
        )

    def start_consultation(self, user: User) -> Consultation:
        """A draft consultation to Xinhua, pre-filled from this run; the same one if already started."""
        with transaction.atomic():
            run = (
                type(self)
                .objects.select_for_update(of=("self",))
                .select_related("patient", "pathway_version__pathway__topic", "consultation")
                .get(pk=self.pk)
            )
            if run.consultation is not None and run.consultation.status != ConsultationStatus.WITHDRAWN:
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
                symptoms=run.summary,
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
