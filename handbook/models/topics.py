"""The handbook's content: topics, their versions, search, usage and the handbook PDF.

A topic (fever, diarrhoea…) has numbered versions that follow the review workflow of
handbook.models.review (draft, in review, published, superseded; the two-person rule).
Publishing a topic version also sets its effective and next review dates and builds its
search document. Superseded versions may be cited by training lessons: the training
managers are told which.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.cache import cache
from django.core.files import File
from django.core.paginator import Page, Paginator
from django.db import connection, models, transaction
from django.db.models import Case, Count, F, Q, Value, When, Window
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from cloudpeds.accounts.models import User
from cloudpeds.accounts.roles import Role
from cloudpeds.core.documents import GeneratedPdf
from cloudpeds.core.text import plain_text
from cloudpeds.notifications.email import absolute_url
from cloudpeds.notifications.services import notify

from ..search import document_words, expanded_words
from .review import (
    OPEN_STATUSES,
    READABLE_STATUSES,
    EventKind,
    HandbookError,
    ReviewedVersion,
    VersionEvent,
    VersionStatus,
    is_editor,
    normalise_text,
)

REVIEW_INTERVAL_YEARS = 2
# Results on one page of a search.
SEARCH_PAGE_SIZE = 20
# A handbook PDF not made this long after it was asked for may be asked for again.
EDITION_GIVE_UP_AFTER = timedelta(minutes=15)
# Containers the browsers of the group's computers play (the form checks the first bytes).
VIDEO_TYPES = {"mp4": "video/mp4", "m4v": "video/mp4", "webm": "video/webm"}
# A version's own texts, in both languages (its sections and table are rows of their own).
TEXT_FIELDS = ("title_zh", "title_en", "summary_zh", "summary_en", "keywords_zh", "keywords_en")


class Symptom(models.TextChoices):
    DANGER_SIGNS = "danger_signs", _("General danger signs")
    COUGH = "cough", _("Cough or difficult breathing")
    WHEEZE = "wheeze", _("Wheeze and asthma")
    FEVER = "fever", _("Fever")
    DIARRHOEA = "diarrhoea", _("Diarrhoea")
    VOMITING = "vomiting", _("Vomiting")
    RASH = "rash", _("Rash")
    CONVULSIONS = "convulsions", _("Convulsions")
    NEONATAL_JAUNDICE = "neonatal_jaundice", _("Neonatal jaundice")
    ABDOMINAL_PAIN = "abdominal_pain", _("Abdominal pain")
    EAR_PROBLEM = "ear_problem", _("Ear problem")
    SORE_THROAT = "sore_throat", _("Sore throat")
    FEEDING = "feeding", _("Feeding problems and malnutrition")
    ANAEMIA = "anaemia", _("Anaemia")
    YOUNG_INFANT = "young_infant", _("The sick young infant")
    URINARY = "urinary", _("Urinary symptoms")
    INJURY = "injury", _("Injuries and burns")
    POISONING = "poisoning", _("Poisoning")
    IMMUNISATION = "immunisation", _("Immunisation")
    OTHER = "other", _("Other problems")


class AgeBand(models.TextChoices):
    YOUNG_INFANT = "young_infant", _("Young infant (under 2 months)")
    CHILD = "child", _("2 months to 5 years")
    OLDER_CHILD = "older_child", _("Older children (5 years and over)")


class SectionKind(models.TextChoices):
    ASSESS = "assess", _("How to assess")
    DANGER_SIGNS = "danger_signs", _("Danger signs")
    CLASSIFICATION = "classification", _("Classification")
    MANAGEMENT = "management", _("Management")
    REFERRAL = "referral", _("When to refer")
    FOLLOW_UP = "follow_up", _("Follow-up")
    PARENT_ADVICE = "parent_advice", _("Advice for parents")
    REFERENCES = "references", _("References")


SECTION_ORDER: tuple[str, ...] = tuple(SectionKind.values)


class Colour(models.TextChoices):
    RED = "red", _("Red: urgent referral")
    YELLOW = "yellow", _("Yellow: specific treatment")
    GREEN = "green", _("Green: home care")


def review_date_after(effective: date, years: int = REVIEW_INTERVAL_YEARS) -> date:
    try:
        return effective.replace(year=effective.year + years)
    except ValueError:  # 29 February
        return effective.replace(year=effective.year + years, day=28)


def _lang() -> str:
    return "en" if (get_language() or settings.LANGUAGE_CODE).startswith("en") else "zh"


# --- A version's content as values (what the content files hold: handbook.content) ----------


@dataclass(frozen=True)
class SectionContent:
    body_zh: str = ""
    body_en: str = ""
    # Where in the version's video lecture this section is explained.
    video_start_seconds: int | None = None


@dataclass(frozen=True)
class RowContent:
    """A row of the classification table."""

    colour: str
    signs_zh: str
    signs_en: str
    classification_zh: str
    classification_en: str
    action_zh: str
    action_en: str


@dataclass(frozen=True)
class TopicContent:
    """Everything a version says; two versions saying the same have equal contents."""

    title_zh: str
    title_en: str
    summary_zh: str = ""
    summary_en: str = ""
    keywords_zh: str = ""
    keywords_en: str = ""
    change_note: str = ""
    sections: dict[str, SectionContent] = field(default_factory=dict)
    rows: tuple[RowContent, ...] = ()
    has_video: bool = False

    def section(self, kind: str) -> SectionContent:
        return self.sections.get(kind, SectionContent())


# --- Topics ------------------------------------------------------------------------------------


class TopicQuerySet(models.QuerySet):
    def published(self) -> TopicQuerySet:
        """Topics that have a published version (the one readers see)."""
        return self.filter(current_version__isnull=False)

    def with_current(self) -> TopicQuerySet:
        return self.select_related("current_version", "current_version__approved_by")

    def for_symptom(self, symptom: str) -> TopicQuerySet:
        return self.filter(symptom=symptom)

    def for_age_band(self, band: str) -> TopicQuerySet:
        return self.filter(age_bands__contains=[band])

    def in_reading_order(self) -> TopicQuerySet:
        """By symptom in the handbook's order (not alphabetical), then the topic's own order."""
        rank = Case(
            *[When(symptom=value, then=Value(index)) for index, value in enumerate(Symptom.values)],
            default=Value(len(Symptom.values)),
            output_field=models.IntegerField(),
        )
        return self.annotate(symptom_rank=rank).order_by("symptom_rank", "order", "slug")

    def due_for_review(self, on: date | None = None) -> TopicQuerySet:
        """Published topics whose current version has reached its next review date."""
        on = on or timezone.localdate()
        return self.published().filter(current_version__next_review_date__lte=on)


class Topic(models.Model):
    slug = models.SlugField(_("address"), max_length=80, unique=True)
    symptom = models.CharField(_("symptom"), max_length=30, choices=Symptom.choices)
    age_bands = ArrayField(
        models.CharField(max_length=20, choices=AgeBand.choices), verbose_name=_("age bands"), default=list
    )
    order = models.PositiveSmallIntegerField(_("order within the symptom"), default=0)
    is_demo = models.BooleanField(
        _("demonstration content"),
        default=False,
        help_text=_("Shown with a notice that it is demonstration content, not clinical advice."),
    )
    # The published version readers see; set only by TopicVersion.approve().
    current_version = models.ForeignKey(
        "TopicVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = TopicQuerySet.as_manager()

    class Meta:
        verbose_name = _("handbook topic")
        verbose_name_plural = _("handbook topics")
        ordering = ["symptom", "order", "slug"]
        indexes = [
            models.Index(fields=["symptom", "order"], name="handbook_topic_symptom"),
            GinIndex(fields=["age_bands"], name="handbook_topic_age_bands"),
        ]

    def __str__(self) -> str:
        return self.slug

    def get_absolute_url(self) -> str:
        return reverse("handbook:topic", args=[self.slug])

    def age_band_labels(self) -> list[str]:
        return [str(AgeBand(band).label) for band in self.age_bands if band in AgeBand.values]

    @classmethod
    def create_with_draft(
        cls, user: User, *, slug: str, symptom: str, age_bands: list[str], order: int, title_zh: str, title_en: str
    ) -> TopicVersion:
        """A new topic and its first version, a draft with every section, written by `user`."""
        if not is_editor(user):
            raise HandbookError(_("Only handbook editors can create topics."))
        with transaction.atomic():
            topic = cls.objects.create(slug=slug, symptom=symptom, age_bands=age_bands, order=order, created_by=user)
            version = TopicVersion.objects.create(
                topic=topic, number=1, title_zh=title_zh, title_en=title_en, author=user
            )
            Section.objects.bulk_create(
                [Section(version=version, kind=kind, position=index) for index, kind in enumerate(SECTION_ORDER)]
            )
            version._record(user, EventKind.CREATED, VersionStatus.DRAFT)
        return version

    def open_version(self) -> TopicVersion | None:
        return self.versions.filter(status__in=OPEN_STATUSES).first()

    def latest_version(self) -> TopicVersion | None:
        return self.versions.order_by("-number").first()

    def start_draft(self, user: User) -> TopicVersion:
        """A new draft copied from the current published version (or the open one, if any).

        One version at a time is being worked on: starting again returns it.
        """
        if not is_editor(user):
            raise HandbookError(_("Only handbook editors can write new versions."))
        with transaction.atomic():
            topic = type(self).objects.select_for_update().get(pk=self.pk)
            existing = topic.open_version()
            if existing is not None:
                return existing
            base = topic.current_version or topic.latest_version()
            if base is None:
                raise HandbookError(_("This topic has no version to start from."))
            return base._copy_as_draft(user)

    def record_view(self, on: date | None = None) -> None:
        """Count one reading of the topic today (one row per topic and day), in batches:
        see handbook/view_counts.py."""
        from handbook import view_counts

        view_counts.count_view(self.pk, on or timezone.localdate())


# --- Versions ----------------------------------------------------------------------------------


class TopicVersionQuerySet(models.QuerySet):
    def readable(self) -> TopicVersionQuerySet:
        return self.filter(status__in=READABLE_STATUSES)

    def visible_to(self, user: User) -> TopicVersionQuerySet:
        """Everyone reads published and superseded versions; editors also see work in progress."""
        if not user.is_authenticated:
            return self.none()
        if is_editor(user):
            return self.all()
        return self.readable()

    def open(self) -> TopicVersionQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def awaiting_review_by(self, user: User) -> TopicVersionQuerySet:
        return self.filter(status=VersionStatus.IN_REVIEW).exclude(author=user)


def _video_path(instance: TopicVersion, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "mp4"
    return f"handbook/videos/{instance.topic.slug}/v{instance.number}.{extension}"


class TopicVersion(ReviewedVersion):
    """A numbered version of a topic: its text in both languages, sections, table and video."""

    subject_field = "topic"

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="versions")
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    summary_zh = models.TextField(_("summary (Chinese)"), blank=True)
    summary_en = models.TextField(_("summary (English)"), blank=True)
    keywords_zh = models.CharField(
        _("other words for it (Chinese)"), max_length=300, blank=True, help_text=_("Synonyms that search should find.")
    )
    keywords_en = models.CharField(
        _("other words for it (English)"), max_length=300, blank=True, help_text=_("Synonyms that search should find.")
    )
    video = models.FileField(_("video lecture"), upload_to=_video_path, blank=True, max_length=200)
    video_content_type = models.CharField(max_length=40, blank=True, editable=False)
    effective_date = models.DateField(_("effective from"), null=True, blank=True)
    next_review_date = models.DateField(_("next review"), null=True, blank=True)

    objects = TopicVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("topic version")
        verbose_name_plural = _("topic versions")
        ordering = ["topic", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "number"], name="handbook_version_number_unique"),
            # One version at a time is written or reviewed, and one is published.
            models.UniqueConstraint(
                fields=["topic"],
                condition=Q(status__in=["draft", "in_review"]),
                name="handbook_one_open_version",
            ),
            models.UniqueConstraint(
                fields=["topic"], condition=Q(status="published"), name="handbook_one_published_version"
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("author")),
                name="handbook_two_person_rule",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_review_date"], name="handbook_version_review")]

    def __str__(self) -> str:
        return f"{self.topic.slug} v{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("handbook:version", args=[self.topic.slug, self.number])

    @property
    def title(self) -> str:
        return self.title_en if _lang() == "en" else self.title_zh

    def localized(self, field: str, lang: str) -> str:
        return getattr(self, f"{field}_{lang}")

    def previous_readable(self) -> TopicVersion | None:
        return (
            type(self)
            .objects.readable()
            .filter(topic_id=self.topic_id, number__lt=self.number)
            .order_by("-number")
            .first()
        )

    # --- The review workflow (handbook.models.review) -----------------------------------------

    def _check_ready_for_review(self) -> None:
        if not (self.title_zh.strip() and self.title_en.strip()):
            raise HandbookError(_("Give the topic a Chinese and an English title first."))
        self._check_agrees_with_pathway()

    def _check_agrees_with_pathway(self) -> None:
        """The table must say what the topic's pathway does: its published version, or the
        version being written with it (a change to both is written pathway first, then the topic)."""
        from ..agreement import disagreements, table_rows  # the pathway models import this module

        pathway = getattr(self.topic, "pathway", None)
        if pathway is None:
            return
        candidates = [v for v in (pathway.current_version, pathway.open_version()) if v is not None]
        results = []
        for version in candidates:
            try:
                results.append(disagreements(table_rows(self), version.spec))
            except ValueError:  # an open draft whose table is not written yet
                continue
        if results and all(results):
            raise HandbookError(
                gettext("This classification table and the topic's pathway disagree: %(problems)s.")
                % {"problems": "; ".join(results[0])}
            )

    def _publication_fields(
        self, now: datetime, *, effective_date: date | None = None, next_review_date: date | None = None
    ) -> dict[str, Any]:
        """The effective date is today or an earlier date (a committee's decision recorded
        late), never a future one: the published version is what every reader sees now.
        The next review defaults to two years after the effective date."""
        today = timezone.localdate(now)
        effective_date = effective_date or today
        next_review_date = next_review_date or review_date_after(effective_date)
        if effective_date > today:
            raise HandbookError(_("The effective date cannot be in the future."))
        if next_review_date <= effective_date:
            raise HandbookError(_("The next review must come after the effective date."))
        return {"effective_date": effective_date, "next_review_date": next_review_date}

    def _after_publication(self, previous: TopicVersion | None, user: User) -> None:
        self.index_for_search()
        if previous is not None:
            previous._tell_training_managers(self, user)

    def _tell_training_managers(self, successor: TopicVersion, actor: User) -> None:
        """Training lessons citing this (now superseded) version need a look."""
        # Lesson.handbook_topic_version (training) is the foreign key that cites a version.
        lessons = list(self.training_lessons.all())
        if not lessons:
            return
        notify(
            list(User.objects.with_role(Role.TRAINING_MANAGER)),
            "handbook.version_superseded",
            successor,
            actor=actor,
            context={
                "topic_zh": successor.title_zh,
                "topic_en": successor.title_en,
                "old_number": self.number,
                "new_number": successor.number,
                "citations": [
                    {"label": str(lesson), "url": absolute_url(lesson.get_absolute_url())} for lesson in lessons
                ],
            },
        )

    # --- Content ------------------------------------------------------------------------------

    def content(self) -> TopicContent:
        return TopicContent(
            **{name: getattr(self, name) for name in TEXT_FIELDS},
            change_note=self.change_note,
            sections={
                section.kind: SectionContent(section.body_zh, section.body_en, section.video_start_seconds)
                for section in self.sections.all()
            },
            rows=tuple(
                RowContent(
                    row.colour,
                    row.signs_zh,
                    row.signs_en,
                    row.classification_zh,
                    row.classification_en,
                    row.action_zh,
                    row.action_en,
                )
                for row in self.classification_rows.all()
            ),
            has_video=bool(self.video),
        )

    def replace_content(self, user: User, content: TopicContent, video: File | None = None) -> None:
        """The author replaces the whole draft: text, sections, table and video (given as a
        file, kept if the content has one and none is given, removed if it has none)."""
        with transaction.atomic():
            locked = self._locked()
            if not locked.can_edit(user):
                raise HandbookError(_("Only the author can change this draft."))
            # Every text normalised on the way in (normalise_text): the stored version is
            # what the next one is compared against.
            for name in TEXT_FIELDS:
                setattr(locked, name, normalise_text(getattr(content, name)))
            locked.change_note = normalise_text(content.change_note)
            if video is not None:
                extension = video.name.rsplit(".", 1)[-1].lower()
                locked.video.save(f"lecture.{extension}", video, save=False)
                locked.video_content_type = VIDEO_TYPES[extension]
            elif not content.has_video:
                locked.video = ""
                locked.video_content_type = ""
            locked.save()
            sections = list(locked.sections.all())
            for section in sections:
                text = content.section(section.kind)
                section.body_zh, section.body_en = normalise_text(text.body_zh), normalise_text(text.body_en)
                section.video_start_seconds = text.video_start_seconds
            Section.objects.bulk_update(sections, ["body_zh", "body_en", "video_start_seconds"])
            locked.classification_rows.all().delete()
            ClassificationRow.objects.bulk_create(
                ClassificationRow(
                    version=locked,
                    position=index,
                    **{name: normalise_text(value) for name, value in asdict(row).items()},
                )
                for index, row in enumerate(content.rows, 1)
            )
        self.refresh_from_db()

    def _copy_as_draft(self, user: User) -> TopicVersion:
        number = (self.topic.versions.aggregate(models.Max("number"))["number__max"] or 0) + 1
        draft = TopicVersion.objects.create(
            topic=self.topic,
            number=number,
            **{name: getattr(self, name) for name in TEXT_FIELDS},
            video=self.video.name if self.video else "",
            video_content_type=self.video_content_type,
            author=user,
        )
        Section.objects.bulk_create(
            [
                Section(
                    version=draft,
                    kind=section.kind,
                    position=section.position,
                    body_zh=section.body_zh,
                    body_en=section.body_en,
                    video_start_seconds=section.video_start_seconds,
                )
                for section in self.sections.all()
            ]
        )
        ClassificationRow.objects.bulk_create(
            [
                ClassificationRow(
                    version=draft,
                    position=row.position,
                    colour=row.colour,
                    signs_zh=row.signs_zh,
                    signs_en=row.signs_en,
                    classification_zh=row.classification_zh,
                    classification_en=row.classification_en,
                    action_zh=row.action_zh,
                    action_en=row.action_en,
                )
                for row in self.classification_rows.all()
            ]
        )
        draft._record(user, EventKind.CREATED, VersionStatus.DRAFT, f"v{self.number}")
        return draft

    def search_texts(self, sections=None, rows=None) -> dict[str, dict[str, list[str]]]:
        """The words of this version by search weight (A title, B danger signs and
        classification, C the rest) and language. `sections` and `rows` default to the
        version's own (bulk loaders pass the ones they just made)."""
        sections = self.sections.all() if sections is None else sections
        rows = self.classification_rows.all() if rows is None else rows
        texts: dict[str, dict[str, list[str]]] = {weight: {"zh": [], "en": []} for weight in ("A", "B", "C")}
        for lang in ("zh", "en"):
            texts["A"][lang] += [self.localized("title", lang), self.localized("keywords", lang)]
            texts["C"][lang].append(self.localized("summary", lang))
            for section in sections:
                weight = "B" if section.kind in (SectionKind.DANGER_SIGNS, SectionKind.CLASSIFICATION) else "C"
                texts[weight][lang].append(plain_text(section.localized("body", lang)))
            for row in rows:
                texts["B"][lang] += [
                    row.localized("signs", lang),
                    row.localized("classification", lang),
                    plain_text(row.localized("action", lang)),
                ]
        return texts

    def index_for_search(self, sections=None, rows=None) -> None:
        """Build (or rebuild) the search document of this version; called when it is published."""
        SearchDocument.objects.build([(self, sections, rows)])


class TopicVersionEvent(VersionEvent):
    version = models.ForeignKey(TopicVersion, on_delete=models.CASCADE, related_name="events")

    class Meta(VersionEvent.Meta):
        indexes = [models.Index(fields=["version", "at"], name="handbook_event_order")]


class Section(models.Model):
    """One of the fixed sections of a version, in both languages (Markdown)."""

    version = models.ForeignKey(TopicVersion, on_delete=models.CASCADE, related_name="sections")
    kind = models.CharField(_("section"), max_length=20, choices=SectionKind.choices)
    position = models.PositiveSmallIntegerField(default=0)
    body_zh = models.TextField(_("text (Chinese)"), blank=True)
    body_en = models.TextField(_("text (English)"), blank=True)
    # The video lecture's chapter for this section: where in the video it is explained.
    video_start_seconds = models.PositiveIntegerField(_("video chapter starts at (seconds)"), null=True, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["version", "kind"], name="handbook_section_kind_unique")]

    def __str__(self) -> str:
        return f"{self.version} {self.kind}"

    def localized(self, field: str, lang: str) -> str:
        return getattr(self, f"{field}_{lang}")

    @property
    def anchor(self) -> str:
        return f"section-{self.kind.replace('_', '-')}"


class ClassificationRow(models.Model):
    """A row of the classification table: the signs, the classification, its colour, what to do."""

    version = models.ForeignKey(TopicVersion, on_delete=models.CASCADE, related_name="classification_rows")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    colour = models.CharField(_("colour"), max_length=10, choices=Colour.choices)
    signs_zh = models.TextField(_("signs (Chinese)"))
    signs_en = models.TextField(_("signs (English)"))
    classification_zh = models.CharField(_("classification (Chinese)"), max_length=200)
    classification_en = models.CharField(_("classification (English)"), max_length=200)
    action_zh = models.TextField(_("what to do (Chinese)"))
    action_en = models.TextField(_("what to do (English)"))

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.version} {self.colour} {self.classification_en}"

    def localized(self, field: str, lang: str) -> str:
        return getattr(self, f"{field}_{lang}")

    def as_text(self, lang: str) -> str:
        """The row as one line, for comparing versions."""
        return " | ".join(
            [
                str(Colour(self.colour).label),
                self.localized("signs", lang),
                self.localized("classification", lang),
                self.localized("action", lang),
            ]
        )


# --- Search ------------------------------------------------------------------------------------


# The weighted vector, made by PostgreSQL from the words segmented in Python: `simple` for
# both languages (no stemming and no stop words, right for Chinese words) and `english` on
# the English text for stems. Title words come first, so they hold the first positions.
_VECTOR_SQL = " || ".join(
    f"setweight(to_tsvector('{config}'::regconfig, coalesce(v.{weight.lower()}_{config}, '')), '{weight}')"
    for weight in ("A", "B", "C")
    for config in ("simple", "english")
)
# The head: title and keywords (A), as in the vector (the same positions, so the same
# title rank), and the summary (C). A few hundred bytes that stay in the row, where the whole
# vector (~3.5 KB) is stored out of line and read back for every document it ranks.
_HEAD_SQL = " || ".join(
    f"setweight(to_tsvector('{config}'::regconfig, coalesce(v.{part}_{config}, '')), '{weight}')"
    for part, weight in (("a", "A"), ("summary", "C"))
    for config in ("simple", "english")
)
# How long a page of results is kept (a publication forgets them all at once before that).
SEARCH_CACHE_SECONDS = 24 * 3600
_SEARCH_GENERATION_KEY = "handbook:search:generation"


def _search_generation() -> int:
    """The number of the index as it is now: changed by every (re)build of a document, so
    cached results never outlive the publication that changes them."""
    generation = cache.get(_SEARCH_GENERATION_KEY)
    if generation is None:
        generation = time.time_ns()
        cache.add(_SEARCH_GENERATION_KEY, generation, None)
        generation = cache.get(_SEARCH_GENERATION_KEY, generation)
    return generation


def _new_search_generation() -> None:
    cache.set(_SEARCH_GENERATION_KEY, time.time_ns(), None)


class SearchDocumentQuerySet(models.QuerySet):
    def published(self) -> SearchDocumentQuerySet:
        return self.filter(version__status=VersionStatus.PUBLISHED)

    def search(self, words: list[str], page_number: str | int | None, *, use_cache: bool = True) -> SearchResults:
        """The page `page_number` of the published documents with every word, best first;
        with any of them (broadened) when no document has them all.

        The ids of a page and the count come from one query (the count as a window over the
        same matches) and are cached per words and page until the next publication; the
        documents themselves are then read by id. The language only changes the snippets,
        which the page makes from the documents, so it is not part of the key.
        """
        try:
            number = max(1, int(page_number or 1))
        except (TypeError, ValueError):
            number = 1
        if not words:
            return SearchResults(page=Page([], 1, _CountedPaginator(0, SEARCH_PAGE_SIZE)), count=0, broadened=False)
        key = f"handbook:search:{_search_generation()}:{hashlib.sha256(' '.join(words).encode()).hexdigest()}:{number}"
        found = cache.get(key) if use_cache else None
        if found is None:
            found = self._page_ids(words, number)
            if use_cache:
                cache.set(key, found, SEARCH_CACHE_SECONDS)
        ids, count, broadened, number = found
        documents = {
            document.pk: document
            for document in self.filter(pk__in=ids).defer("vector", "head").select_related("version", "topic")
        }
        paginator = _CountedPaginator(count, SEARCH_PAGE_SIZE)
        page = Page([documents[pk] for pk in ids if pk in documents], number, paginator)
        return SearchResults(page=page, count=count, broadened=broadened)

    def _page_ids(self, words: list[str], number: int) -> tuple[list[int], int, bool, int]:
        """(ids of the page, matches, broadened, the page's number, the last one if past it)."""
        ids, count = self._ranked_ids(words, number)
        broadened = False
        if not count and len(words) > 1:
            ids, count = self._ranked_ids(words, number, any_word=True)
            broadened = count > 0
        if not count:
            number = 1
        elif not ids:
            # Past the last page: the last page, as Paginator.get_page would show.
            number = (count + SEARCH_PAGE_SIZE - 1) // SEARCH_PAGE_SIZE
            ids, _count = self._ranked_ids(words, number, any_word=broadened)
        return ids, count, broadened, number

    def _ranked_ids(self, words: list[str], number: int, *, any_word: bool = False) -> tuple[list[int], int]:
        start = (number - 1) * SEARCH_PAGE_SIZE
        matches = self.matching(words, any_word=any_word)
        with transaction.atomic(), connection.cursor() as cursor:
            # The planner takes `vector @@ query` for cheap on every row, not knowing that each
            # vector (~3.5 KB) is read back from out-of-line storage to test it: for a common
            # word it tests them all (~25 ms at 2,000 topics), where a bitmap from the GIN
            # index finds the same rows without reading one vector (~3 ms). For this query only.
            cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off")
            try:
                rows = list(
                    matches.annotate(matches=Window(Count("pk"))).values_list("pk", "matches")[
                        start : start + SEARCH_PAGE_SIZE
                    ]
                )
                # Nothing on a later page: how many there are tells an empty search from a page too far.
                count = rows[0][1] if rows else (matches.count() if number > 1 else 0)
            finally:
                cursor.execute("RESET enable_seqscan; RESET enable_indexscan")
        return [pk for pk, _matches in rows], count

    def build(self, entries: list[tuple[TopicVersion, Any, Any]]) -> None:
        """(Re)build the documents of versions, given as (version, sections, rows); sections
        and rows may be None (then the version's own are read). Two statements for any number."""
        documents, values = [], []
        for version, sections, rows in entries:
            texts = version.search_texts(sections, rows)
            row = [version.pk]
            for weight in ("A", "B", "C"):
                row.append(document_words(" ".join(texts[weight]["zh"] + texts[weight]["en"])))
                row.append(" ".join(texts[weight]["en"]))
            row += [document_words(f"{version.summary_zh} {version.summary_en}"), version.summary_en]
            values.append(row)
            # Snippets come from the summary and body: the title is shown anyway.
            snippets = {
                lang: " ".join(text for weight in ("C", "B") for text in texts[weight][lang] if text)
                for lang in ("zh", "en")
            }
            documents.append(
                SearchDocument(
                    version=version, topic_id=version.topic_id, text_zh=snippets["zh"], text_en=snippets["en"]
                )
            )
        if not documents:
            return
        self.bulk_create(
            documents, update_conflicts=True, unique_fields=["version"], update_fields=["topic", "text_zh", "text_en"]
        )
        rows_sql = ", ".join(["(%s::bigint, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(values))
        table = SearchDocument._meta.db_table
        with connection.cursor() as cursor:
            # Every value is a query parameter; the SQL around them is fixed text.
            cursor.execute(
                f"UPDATE {table} AS d SET vector = {_VECTOR_SQL}, head = {_HEAD_SQL} "  # noqa: S608
                f"FROM (VALUES {rows_sql}) AS v(version_id, a_simple, a_english, b_simple, b_english, c_simple, "
                "c_english, summary_simple, summary_english) WHERE d.version_id = v.version_id",
                [item for row in values for item in row],
            )
        # Cached results are of the index before: forget them now, and again once this is
        # committed (a search in between still read the index before).
        _new_search_generation()
        transaction.on_commit(_new_search_generation)

    def matching(self, words: list[str], *, any_word: bool = False) -> SearchDocumentQuerySet:
        """Published documents containing all `words` (or any, with any_word), best first.

        `words` come from search.query_words(): letters and digits only, so the strings
        handed to plainto_tsquery have no syntax of their own (and they are parameters).
        """
        if not words:
            return self.none()
        tsquery, params = _tsquery_sql(words, any_word=any_word)
        table = SearchDocument._meta.db_table

        def sql(template: str, output_field: models.Field) -> RawSQL:
            # Fixed SQL around the query; the words are parameters.
            return RawSQL(template.format(table=table, tsquery=tsquery), params, output_field=output_field)  # noqa: S611

        return (
            self.published()
            .filter(sql('"{table}"."vector" @@ ({tsquery})', models.BooleanField()))
            # A title match outranks any number of body matches: the title-only rank first,
            # then the rank of the title and summary. Both from the small head vector: ranking
            # every match on the whole vector read each one back from out-of-line storage
            # (15 ms of a common word's ~2,000 matches at scale, issue 17).
            .annotate(
                title_rank=sql("""ts_rank('{{0, 0, 0, 1}}', "{table}"."head", ({tsquery}))""", models.FloatField()),
                rank=sql('ts_rank("{table}"."head", ({tsquery}))', models.FloatField()),
            )
            .defer("vector", "head")
            .select_related("version", "topic")
            .order_by("-title_rank", "-rank", "topic__order", "topic__slug")
        )


def _tsquery_sql(words: list[str], *, any_word: bool) -> tuple[str, list[str]]:
    """The tsquery of `words` as SQL and its parameters: each word or any of its synonyms
    (handbook/data/synonyms.toml), each variant in both configurations (Chinese words as
    segmented, English also stemmed); all the words (&&), or any (||).

    The same query as SearchQuery objects combined with | and &, written as one piece of SQL:
    building and resolving a tree of a hundred Django expressions for each of the three uses
    took a third of a common word's search (issue 17).

    A word of Chinese characters and digits alone is the same lexeme in both configurations
    (the english one stems only Latin letters), so it is given once: every term of the query
    is looked up in the index, tested and ranked on every match, and a common Chinese word
    with its synonyms had each of them twice."""
    groups, params = [], []
    for variants in expanded_words(words):
        terms = []
        for variant in variants:
            terms.append("plainto_tsquery('simple', %s)")
            params.append(variant)
            if _STEMMED.search(variant):
                terms.append("plainto_tsquery('english', %s)")
                params.append(variant)
        groups.append(f"({' || '.join(terms)})")
    return (" || " if any_word else " && ").join(groups), params


# Any character but CJK ideographs, digits and dots: the english configuration may stem it.
_STEMMED = re.compile(r"[^0-9.\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


class _CountedPaginator(Paginator):
    """A paginator told its count (counted with the page, in the same query)."""

    def __init__(self, count: int, per_page: int) -> None:
        super().__init__([], per_page)
        self.__dict__["count"] = count


@dataclass
class SearchResults:
    """One page of a search: its documents, how many matched, and whether the search was
    broadened to any word because no topic had them all."""

    page: Page
    count: int
    broadened: bool


class SearchDocument(models.Model):
    """The search index of one published version: a weighted tsvector of its segmented
    text, and its plain text in each language for highlighted snippets."""

    version = models.OneToOneField(
        TopicVersion, on_delete=models.CASCADE, primary_key=True, related_name="search_document"
    )
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="+")
    vector = SearchVectorField(null=True)
    # Title and keywords (A) and summary (C) alone, for ranking (see _HEAD_SQL).
    head = SearchVectorField(null=True)
    text_zh = models.TextField(blank=True)
    text_en = models.TextField(blank=True)

    objects = SearchDocumentQuerySet.as_manager()

    class Meta:
        indexes = [GinIndex(fields=["vector"], name="handbook_search_vector")]

    def __str__(self) -> str:
        return f"search {self.version_id}"

    def localized(self, field: str, lang: str) -> str:
        return getattr(self, f"{field}_{lang}")


class SearchLogQuerySet(models.QuerySet):
    def without_results(self) -> SearchLogQuerySet:
        return self.filter(result_count=0)

    def gaps(self, since=None) -> models.QuerySet:
        """Queries that found nothing, most asked first: what the handbook is missing."""
        rows = self.without_results()
        if since is not None:
            rows = rows.filter(at__gte=since)
        return (
            rows.values("query")
            .annotate(times=models.Count("pk"), last_at=models.Max("at"))
            .order_by("-times", "-last_at")
        )


class SearchLog(models.Model):
    query = models.CharField(_("query"), max_length=200)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(_("when"), default=timezone.now)
    result_count = models.PositiveIntegerField(_("results"))
    language = models.CharField(max_length=10, blank=True)

    objects = SearchLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["result_count", "-at"], name="handbook_searchlog_gaps")]

    def __str__(self) -> str:
        return f"{self.query} ({self.result_count})"


# --- Usage -------------------------------------------------------------------------------------


class TopicViewDayQuerySet(models.QuerySet):
    def since(self, day: date) -> TopicViewDayQuerySet:
        return self.filter(day__gte=day)

    def totals_by_topic(self) -> models.QuerySet:
        return (
            self.values("topic_id", "topic__slug").annotate(total=models.Sum("views")).order_by("-total", "topic__slug")
        )


class TopicViewDay(models.Model):
    """How many times a topic page was read on a day (one row per topic and day)."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="view_days")
    day = models.DateField()
    views = models.PositiveIntegerField(default=0)

    objects = TopicViewDayQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["topic", "day"], name="handbook_view_day_unique")]
        indexes = [models.Index(fields=["day"], name="handbook_view_day")]

    def __str__(self) -> str:
        return f"{self.topic_id} {self.day}: {self.views}"


# --- The whole handbook as a PDF ------------------------------------------------------------


class HandbookEditionQuerySet(models.QuerySet):
    def current_key(self) -> tuple[str, list[int]]:
        ids = sorted(TopicVersion.objects.filter(status=VersionStatus.PUBLISHED).values_list("pk", flat=True))
        return hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest(), ids

    def current(self) -> HandbookEdition | None:
        key, _ids = self.current_key()
        return self.filter(key=key).first()


class HandbookEdition(GeneratedPdf, models.Model):
    """The PDF of the whole handbook for one set of published versions (an "edition").

    Made by the generated-PDF task (cloudpeds.core.documents); a new version published
    makes a new edition key, so the old file stays as the record of what the handbook said
    then. A render that fails is recorded (`failed_at`) so that the page can offer to try again.
    """

    key = models.CharField(max_length=64, unique=True)
    version_ids = models.JSONField(default=list)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    generated_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(upload_to="handbook/editions/", blank=True, max_length=200)

    objects = HandbookEditionQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"edition {self.key[:10]}"

    @property
    def is_ready(self) -> bool:
        return bool(self.file) and self.generated_at is not None

    @property
    def is_failed(self) -> bool:
        """Failed, or still not made long after it was asked for (its task was lost)."""
        if self.is_ready:
            return False
        return self.failed_at is not None or self.requested_at < timezone.now() - EDITION_GIVE_UP_AFTER

    @classmethod
    def request(cls, user: User) -> HandbookEdition:
        """The edition of the handbook as published now; its PDF is queued if it is not made yet."""
        key, ids = cls.objects.current_key()
        with transaction.atomic():
            edition, created = cls.objects.get_or_create(key=key, defaults={"version_ids": ids, "requested_by": user})
            edition = cls.objects.select_for_update().get(pk=edition.pk)  # two readers asking at once
            if created or edition.is_failed:
                if edition.is_failed:
                    edition.failed_at = None
                    edition.requested_at = timezone.now()
                    edition.save(update_fields=["failed_at", "requested_at"])
                edition.queue_pdf()
        return edition

    def versions(self) -> models.QuerySet:
        return (
            TopicVersion.objects.filter(pk__in=self.version_ids)
            .select_related("topic", "approved_by")
            .prefetch_related("sections", "classification_rows")
            .annotate(
                symptom_rank=Case(
                    *[When(topic__symptom=v, then=Value(i)) for i, v in enumerate(Symptom.values)],
                    default=Value(len(Symptom.values)),
                    output_field=models.IntegerField(),
                )
            )
            .order_by("symptom_rank", "topic__order", "topic__slug")
        )

    # --- The PDF (cloudpeds.core.documents) ---

    def pdf_is_current(self) -> bool:
        # An edition is one set of versions: once made, its file never changes.
        return self.is_ready

    def pdf_storage_name(self) -> str:
        return f"handbook/editions/handbook-{self.key[:12]}.pdf"

    def pdf_recorded_fields(self) -> dict[str, Any]:
        return {"failed_at": None}

    def build_pdf(self) -> bytes:
        from ..printing import render_handbook_pdf

        try:
            return render_handbook_pdf(self)
        except Exception:
            type(self).objects.filter(pk=self.pk).update(failed_at=timezone.now())
            raise
