"""Courses, their modules and lessons, enrolments and per-lesson progress.

A course (draft ──publish──▶ published ──unpublish──▶ draft, django-fsm-2; each transition
checks who may do it, runs on a locked row and writes a CourseEvent) has modules, a module
has lessons. A lesson is a video lecture, a reading (Markdown, optionally citing a handbook
topic version), or both.

Progress is per lesson. A video counts as watched only when most of its timeline was
actually played and the learner spent about that long on it (see `LessonProgress.record_play`):
the page posts the intervals it played; the server merges them, clamps what one beat may
claim to the wall time since the previous one, and decides.
"""

from __future__ import annotations

import math
import re
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from cloudpeds.accounts.roles import DOCTOR_ROLES, Role
from cloudpeds.core.fsm import ReloadableStatusMixin
from cloudpeds.core.text import render_markdown

if TYPE_CHECKING:
    from collections.abc import Iterable

    from cloudpeds.accounts.models import Hospital, User

__all__ = [
    "Course",
    "CourseEvent",
    "CourseStatus",
    "CreditClass",
    "Enrolment",
    "EnrolmentReminder",
    "EnrolmentSource",
    "Lesson",
    "LessonKind",
    "LessonProgress",
    "Module",
    "TrainingError",
    "is_learner",
    "is_training_manager",
    "merge_intervals",
    "total_length",
]

# --- Rules for counting a video as watched ------------------------------------------------------

# Share of the timeline that must have been played, and wall-clock time spent on the lesson
# as a share of its duration (so skipping through at 4× speed does not count either).
VIDEO_COVERAGE_REQUIRED = 0.9
VIDEO_TIME_REQUIRED = 0.8
# The page posts a heartbeat about every 10 s while playing. A longer silence (a paused or
# hidden tab) counts as at most this much time spent.
HEARTBEAT_MAX_GAP_SECONDS = 30.0
# A beat may claim at most the wall time since the previous one plus this slack (network
# jitter, a beat sent on pause just after a regular one).
HEARTBEAT_SLACK_SECONDS = 5.0
# A forged beat with thousands of tiny intervals is cut short.
HEARTBEAT_MAX_INTERVALS = 200

# --- Rules for counting a reading as read ---------------------------------------------------------

# At least this long on the page before "I have read this" counts…
READING_MIN_SECONDS = 30
# …or longer for long texts: half the time a quick reader needs (400 Chinese characters or
# 200 English words a minute), capped so a long chapter does not lock the button for ages.
READING_MAX_SECONDS = 300
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z0-9]+")


class TrainingError(Exception):
    """A training action that is not allowed; the message is shown to the person."""


def _lang() -> str:
    lang = get_language() or settings.LANGUAGE_CODE
    return "en" if lang.startswith("en") else "zh"


def is_training_manager(user: User) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.has_role(Role.TRAINING_MANAGER)))


def is_learner(user: User) -> bool:
    """Every doctor is a trainee: the people who enrol in courses and sit exams."""
    return bool(user.is_authenticated and user.is_doctor)


def merge_intervals(intervals: list[list[float]] | list[tuple[float, float]]) -> list[list[float]]:
    """Sorted, non-overlapping [start, end] intervals covering the same seconds.

    Touching intervals merge too (a beat ends where the next one starts).
    """
    merged: list[list[float]] = []
    for start, end in sorted((float(s), float(e)) for s, e in intervals if e > s):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def total_length(intervals: list[list[float]]) -> float:
    return sum(end - start for start, end in merge_intervals(intervals))


def _clean_intervals(raw: Any, duration: float) -> list[list[float]]:
    """The posted intervals that make sense, clipped to the video: anything else is dropped."""
    cleaned: list[list[float]] = []
    if not isinstance(raw, list):
        return cleaned
    for item in raw[:HEARTBEAT_MAX_INTERVALS]:
        if not isinstance(item, list | tuple) or len(item) != 2:
            continue
        try:
            start, end = float(item[0]), float(item[1])
        except (TypeError, ValueError):
            continue
        if not (math.isfinite(start) and math.isfinite(end)):
            continue
        start, end = max(0.0, start), min(float(duration), end)
        if end > start:
            cleaned.append([start, end])
    return cleaned


def _clamp_to_budget(intervals: list[list[float]], budget: float) -> list[list[float]]:
    """The first `budget` seconds of the claimed intervals, in the order they were played."""
    kept: list[list[float]] = []
    for start, end in intervals:
        if budget <= 0:
            break
        length = min(end - start, budget)
        kept.append([start, start + length])
        budget -= length
    return kept


# --- Courses -------------------------------------------------------------------------------------


class CreditClass(models.TextChoices):
    # China's continuing medical education counts class I (national/provincial programmes)
    # and class II (institution-level) credits separately.
    CLASS_I = "I", _("Class I")
    CLASS_II = "II", _("Class II")


class CourseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class CourseQuerySet(models.QuerySet):
    def published(self) -> CourseQuerySet:
        return self.filter(status=CourseStatus.PUBLISHED)

    def visible_to(self, user: User) -> CourseQuerySet:
        """Managers see every course; others see published ones and those they are enrolled in
        (a course taken back to draft stays open to the people already taking it)."""
        if not user.is_authenticated:
            return self.none()
        if is_training_manager(user):
            return self.all()
        enrolled = Enrolment.objects.filter(user=user).values("course_id")
        return self.filter(Q(status=CourseStatus.PUBLISHED) | Q(pk__in=enrolled))

    def open_to(self, user: User) -> CourseQuerySet:
        """Published self-enrolment courses the user has not joined."""
        return self.published().filter(is_open=True).exclude(enrolments__user=user)

    def with_lesson_count(self) -> CourseQuerySet:
        lessons = Lesson.objects.filter(module__course=OuterRef("pk"))
        return self.annotate(lesson_count=_count_of(lessons, "module__course"))

    def with_enrolment_counts(self) -> CourseQuerySet:
        enrolments = Enrolment.objects.filter(course=OuterRef("pk"))
        return self.annotate(
            enrolled_count=_count_of(enrolments, "course"),
            completed_count=_count_of(enrolments.filter(completed_at__isnull=False), "course"),
        )


def _count_of(queryset: models.QuerySet, group: str) -> Coalesce:
    """COUNT(*) of a correlated queryset as a subquery: no join fan-out in the outer query."""
    counted = queryset.order_by().values(group).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


class Course(ReloadableStatusMixin, models.Model):
    Status = CourseStatus

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(_("address"), max_length=80, unique=True)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    credit_hours = models.DecimalField(
        _("credit hours"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("1.0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    credit_class = models.CharField(
        _("credit class"), max_length=2, choices=CreditClass.choices, default=CreditClass.CLASS_II
    )
    is_open = models.BooleanField(
        _("open for self-enrolment"), default=False, help_text=_("Doctors can enrol themselves.")
    )
    status = FSMField(_("status"), default=CourseStatus.DRAFT, choices=CourseStatus.choices, protected=True)
    certificate_validity_months = models.PositiveSmallIntegerField(_("certificate valid for (months)"), default=36)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    objects = CourseQuerySet.as_manager()

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["-created_at", "pk"]
        indexes = [models.Index(fields=["status", "is_open"], name="training_course_status")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("training:course", args=[self.slug])

    @property
    def title(self) -> str:
        return self.title_en if _lang() == "en" else self.title_zh

    @property
    def description(self) -> str:
        return self.description_en if _lang() == "en" else self.description_zh

    @property
    def is_published(self) -> bool:
        return self.status == CourseStatus.PUBLISHED

    def lessons(self) -> models.QuerySet[Lesson]:
        return Lesson.objects.filter(module__course=self).order_by("module__order", "module_id", "order", "pk")

    # --- Who may do what --------------------------------------------------------------------------

    def can_manage(self, user: User) -> bool:
        return is_training_manager(user)

    def can_enrol_self(self, user: User) -> bool:
        return bool(is_learner(user) and self.is_open and self.is_published)

    # --- Transitions --------------------------------------------------------------------------------

    def _locked(self) -> Course:
        return type(self).objects.select_for_update().get(pk=self.pk)

    def _record(self, actor: User, kind: str, from_status: str, note: str = "") -> CourseEvent:
        return CourseEvent.objects.create(
            course=self, actor=actor, kind=kind, from_status=from_status, to_status=self.status, note=note
        )

    @transition(field=status, source=CourseStatus.DRAFT, target=CourseStatus.PUBLISHED)
    def _to_published(self) -> None:
        pass

    @transition(field=status, source=CourseStatus.PUBLISHED, target=CourseStatus.DRAFT)
    def _to_draft(self) -> None:
        pass

    def publish(self, user: User) -> None:
        """Learners can find the course. A course with no lesson cannot be published."""
        if not self.can_manage(user):
            raise TrainingError(_("Only training managers can publish courses."))
        with transaction.atomic():
            locked = self._locked()
            if locked.status != CourseStatus.DRAFT:
                raise TrainingError(_("Only a draft course can be published."))
            if not locked.lessons().exists():
                raise TrainingError(_("Add at least one lesson before publishing the course."))
            locked._to_published()
            locked.published_at = timezone.now()
            locked.save(update_fields=["status", "published_at"])
            locked._record(user, CourseEvent.Kind.PUBLISHED, CourseStatus.DRAFT)
        self.__dict__["status"] = locked.status
        self.published_at = locked.published_at

    def unpublish(self, user: User) -> None:
        """Back to draft: hidden from the catalogue; existing enrolments keep working."""
        if not self.can_manage(user):
            raise TrainingError(_("Only training managers can unpublish courses."))
        with transaction.atomic():
            locked = self._locked()
            if locked.status != CourseStatus.PUBLISHED:
                raise TrainingError(_("Only a published course can be taken back to draft."))
            locked._to_draft()
            locked.save(update_fields=["status"])
            locked._record(user, CourseEvent.Kind.UNPUBLISHED, CourseStatus.PUBLISHED)
        self.__dict__["status"] = locked.status

    # --- Enrolment ----------------------------------------------------------------------------------

    def enrol_self(self, user: User) -> Enrolment:
        if not self.can_enrol_self(user):
            raise TrainingError(_("This course is not open for self-enrolment."))
        enrolments, _created = self.enrol([user], by=user, source=EnrolmentSource.SELF)
        return enrolments[0]

    def enrol(
        self,
        users: Iterable[User],
        *,
        by: User,
        source: str = "manager",
        due_date: date | None = None,
    ) -> tuple[list[Enrolment], int]:
        """Enrol `users`; people already enrolled are left as they are (their due date too).

        Returns every matching enrolment and how many were new. Idempotent: the course row is
        locked so concurrent enrolments of the same course take turns, and the unique
        constraint (with ignore_conflicts) backs that up.
        """
        from cloudpeds.notifications.services import notify
        from training.worklist import enrolments_changed

        if source != EnrolmentSource.SELF and not self.can_manage(by):
            raise TrainingError(_("Only training managers can enrol other people."))
        people = {user.pk: user for user in users}
        with transaction.atomic():
            locked = self._locked()
            if locked.status != CourseStatus.PUBLISHED:
                raise TrainingError(_("Only published courses take enrolments."))
            existing = set(
                Enrolment.objects.filter(course=locked, user_id__in=people).values_list("user_id", flat=True)
            )
            new = [
                Enrolment(course=locked, user_id=pk, due_date=due_date, enrolled_by=by, source=source)
                for pk in people
                if pk not in existing
            ]
            Enrolment.objects.bulk_create(new, ignore_conflicts=True)
            enrolments_changed(people)  # the home pages' cached counts (no signal for a bulk insert)
            enrolments = list(
                Enrolment.objects.filter(course=locked, user_id__in=people).select_related("course", "user")
            )
            created = [e for e in enrolments if e.user_id not in existing]
            if created and source != EnrolmentSource.SELF:
                # One notify() for everyone enrolled now (one bulk insert, even for a cohort of
                # thousands); the notification points at the course they share.
                notify(
                    [enrolment.user for enrolment in created],
                    "training.enrolled",
                    locked,
                    actor=by,
                    context=locked.notification_context(due_date),
                )
        return enrolments, len(created)

    def enrol_cohort(
        self,
        *,
        by: User,
        hospital: Hospital | None = None,
        role: str | None = None,
        title: str = "",
        due_date: date | None = None,
    ) -> tuple[list[Enrolment], int]:
        """Enrol every active doctor matching the hospital × role × professional title picked."""
        return self.enrol(
            cohort_members(hospital=hospital, role=role, title=title),
            by=by,
            source=EnrolmentSource.COHORT,
            due_date=due_date,
        )

    def notification_context(self, due_date: date | None = None) -> dict[str, Any]:
        return {
            "course_zh": self.title_zh,
            "course_en": self.title_en,
            "due_date": due_date.isoformat() if due_date else "",
            "credit_hours": str(self.credit_hours),
            "credit_class": self.credit_class,
        }

    def completion_required_met(self, user: User) -> bool:
        """The learner finished every lesson (what the exam requires before an attempt)."""
        enrolment = self.enrolments.filter(user=user).first()
        return bool(enrolment and enrolment.is_complete)


def cohort_members(*, hospital: Hospital | None = None, role: str | None = None, title: str = "") -> models.QuerySet:
    """Active doctors (every doctor is a trainee) matching whichever of the three was picked."""
    from django.contrib.auth import get_user_model

    if not (hospital or role or title):
        raise TrainingError(_("Pick a hospital, a role or a professional title."))
    people = get_user_model().objects.with_role(*DOCTOR_ROLES)
    if hospital is not None:
        people = people.filter(hospital=hospital)
    if role:
        people = people.with_role(role)
    if title:
        people = people.filter(title=title)
    return people.order_by("pk")


class CourseEvent(models.Model):
    class Kind(models.TextChoices):
        PUBLISHED = "published", _("Published")
        UNPUBLISHED = "unpublished", _("Taken back to draft")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    from_status = models.CharField(max_length=20, choices=CourseStatus.choices)
    to_status = models.CharField(max_length=20, choices=CourseStatus.choices)
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.course_id} {self.from_status}→{self.to_status}"


class Module(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="modules", verbose_name=_("course"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return self.title_en if _lang() == "en" else self.title_zh


class LessonKind(models.TextChoices):
    VIDEO = "video", _("Video lecture")
    READING = "reading", _("Reading")
    BOTH = "both", _("Video and reading")


def _lesson_video_path(instance: Lesson, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "mp4"
    return f"training/videos/{instance.public_id}.{extension}"


class LessonQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> LessonQuerySet:
        """Managers see every lesson; learners the lessons of courses they are enrolled in."""
        if not user.is_authenticated:
            return self.none()
        if is_training_manager(user):
            return self.all()
        return self.filter(module__course__enrolments__user=user)


class Lesson(models.Model):
    Kind = LessonKind

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="lessons", verbose_name=_("module"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=LessonKind.choices, default=LessonKind.READING)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    video = models.FileField(_("video lecture"), upload_to=_lesson_video_path, null=True, blank=True, max_length=200)
    video_content_type = models.CharField(max_length=40, blank=True, editable=False)
    video_duration_seconds = models.PositiveIntegerField(_("video length (seconds)"), default=0)
    reading_markdown_zh = models.TextField(_("reading (Chinese, Markdown)"), blank=True)
    reading_markdown_en = models.TextField(_("reading (English, Markdown)"), blank=True)
    handbook_topic_version = models.ForeignKey(
        "handbook.TopicVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="training_lessons",
        verbose_name=_("handbook topic version cited"),
    )

    objects = LessonQuerySet.as_manager()

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("training:lesson", args=[self.public_id])

    @property
    def title(self) -> str:
        return self.title_en if _lang() == "en" else self.title_zh

    @property
    def reading_markdown(self) -> str:
        # English falls back to the Chinese text when no translation was written.
        return (self.reading_markdown_en or self.reading_markdown_zh) if _lang() == "en" else self.reading_markdown_zh

    def reading_html(self) -> SafeString:
        return render_markdown(self.reading_markdown)

    def neighbours(self) -> tuple[Lesson | None, Lesson | None]:
        """The lessons before and after this one in the course's order."""
        ordered = list(Course(pk=self.module.course_id).lessons().values_list("pk", flat=True))
        index = ordered.index(self.pk)
        before = ordered[index - 1] if index > 0 else None
        after = ordered[index + 1] if index + 1 < len(ordered) else None
        found = Lesson.objects.in_bulk([pk for pk in (before, after) if pk])
        return found.get(before), found.get(after)

    @property
    def has_video(self) -> bool:
        return self.kind in (LessonKind.VIDEO, LessonKind.BOTH)

    @property
    def duration_label(self) -> str:
        minutes, seconds = divmod(self.video_duration_seconds, 60)
        return f"{minutes}:{seconds:02d}"

    @property
    def has_reading(self) -> bool:
        return self.kind in (LessonKind.READING, LessonKind.BOTH)

    def reading_seconds_required(self) -> int:
        """How long the learner stays on the page before "I have read this" counts."""
        text = self.reading_markdown
        units = len(_CJK.findall(text)) / 400 + len(_LATIN_WORD.findall(_CJK.sub(" ", text))) / 200
        return int(min(READING_MAX_SECONDS, max(READING_MIN_SECONDS, units * 60 / 2)))


# --- Enrolments and progress ---------------------------------------------------------------------


class EnrolmentSource(models.TextChoices):
    SELF = "self", _("Self-enrolled")
    MANAGER = "manager", _("Enrolled by a manager")
    COHORT = "cohort", _("Enrolled with a cohort")


class EnrolmentQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> EnrolmentQuerySet:
        """A learner sees their own enrolments; training managers see everyone's."""
        if not user.is_authenticated:
            return self.none()
        if is_training_manager(user):
            return self.all()
        return self.filter(user=user)

    def with_progress(self, lessons_total: int | None = None) -> EnrolmentQuerySet:
        """Annotate `lessons_total` and `lessons_done` in the same query (no per-row queries).

        For the enrolments of one course, pass the course's lesson count: it is the same for
        every learner, so the per-enrolment subquery counting it is left out."""
        total = (
            Value(lessons_total, output_field=IntegerField())
            if lessons_total is not None
            else _count_of(Lesson.objects.filter(module__course=OuterRef("course")), "module__course")
        )
        return self.annotate(
            lessons_total=total,
            lessons_done=_count_of(
                LessonProgress.objects.filter(enrolment=OuterRef("pk"), completed_at__isnull=False), "enrolment"
            ),
        )

    def progress_summary(self, *by: str, lessons_total: int | None = None) -> list[dict[str, Any]]:
        """Learners, completed and average progress grouped by "hospital" and/or "title", in one query."""
        return _summary_rows(self._progress_rows(by, lessons_total))

    def progress_by_hospital_and_cohort(
        self, lessons_total: int | None = None
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The summaries by hospital and by cohort (hospital × title) from one query: the
        cohort rows, added up per hospital."""
        cohorts = self._progress_rows(("hospital", "title"), lessons_total)
        hospitals: dict[tuple, dict[str, Any]] = {}
        for row in cohorts:
            key = (row["user__hospital__code"], row["user__hospital__name_zh"], row["user__hospital__name_en"])
            total = hospitals.setdefault(
                key,
                {
                    "user__hospital__code": key[0],
                    "user__hospital__name_zh": key[1],
                    "user__hospital__name_en": key[2],
                    "learners": 0,
                    "completed": 0,
                    "done": 0,
                    "total": 0,
                },
            )
            for name in ("learners", "completed", "done", "total"):
                total[name] += row[name] or 0
        return _summary_rows(list(hospitals.values())), _summary_rows(cohorts)

    def _progress_rows(self, by: tuple[str, ...], lessons_total: int | None) -> list[dict[str, Any]]:
        group = {"hospital": ["user__hospital__code", "user__hospital__name_zh", "user__hospital__name_en"]}
        group["title"] = ["user__title"]
        fields = [field for key in by for field in group[key]]
        return list(
            self.with_progress(lessons_total)
            .order_by()
            .values(*fields)
            .annotate(
                learners=Count("pk"),
                completed=Count("pk", filter=Q(completed_at__isnull=False)),
                done=Sum("lessons_done"),
                total=Sum("lessons_total"),
            )
            .order_by(*fields)
        )

    def incomplete(self) -> EnrolmentQuerySet:
        return self.filter(completed_at__isnull=True)

    def due_between(self, first: date, last: date) -> EnrolmentQuerySet:
        return self.filter(due_date__gte=first, due_date__lte=last)

    def needing_reminder(self, today: date) -> EnrolmentQuerySet:
        """Incomplete enrolments whose due date is within the widest reminder window."""
        widest = max(high for _low, high in REMINDER_WINDOWS.values())
        return self.incomplete().due_between(today, today + timedelta(days=widest))


def _summary_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    english = _lang() == "en"
    summary = []
    for row in rows:
        name_zh, name_en = row.get("user__hospital__name_zh"), row.get("user__hospital__name_en")
        summary.append(
            {
                "hospital_name": (name_en if english else name_zh) or "",
                "title": row.get("user__title", ""),
                "learners": row["learners"],
                "completed": row["completed"],
                "percent": round(100 * row["done"] / row["total"]) if row["total"] else 0,
            }
        )
    return summary


class Enrolment(models.Model):
    Source = EnrolmentSource

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("course"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("learner")
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("enrolled by"),
    )
    source = models.CharField(_("how enrolled"), max_length=10, choices=EnrolmentSource.choices)
    created_at = models.DateTimeField(_("enrolled at"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["-created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["course", "user"], name="training_enrolment_unique")]
        indexes = [models.Index(fields=["due_date", "completed_at"], name="training_enrolment_due")]

    def __str__(self) -> str:
        return f"{self.user} · {self.course}"

    def get_absolute_url(self) -> str:
        return self.course.get_absolute_url()

    def _counts(self) -> tuple[int, int]:
        if hasattr(self, "lessons_total") and hasattr(self, "lessons_done"):
            return self.lessons_done, self.lessons_total
        cached = self.__dict__.get("_progress_counts")
        if cached is None:
            cached = (
                self.lesson_progress.filter(completed_at__isnull=False).count(),
                Lesson.objects.filter(module__course_id=self.course_id).count(),
            )
            self.__dict__["_progress_counts"] = cached
        return cached

    @property
    def progress_percent(self) -> int:
        done, total = self._counts()
        if not total:
            return 0
        return round(100 * min(done, total) / total)

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None

    def is_overdue(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return bool(self.due_date and not self.is_complete and self.due_date < today)

    def notification_context(self) -> dict[str, Any]:
        return self.course.notification_context(self.due_date)

    def send_due_reminder(self, today: date | None = None) -> bool:
        """Remind the learner of the due date if today is in a reminder's window; each once.

        The EnrolmentReminder row (unique per enrolment, kind and due date) is written in the
        same transaction as the notification, so running the job twice sends nothing more,
        and a due date moved by a manager gets its own reminders.
        """
        from cloudpeds.notifications.services import notify

        today = today or timezone.localdate()
        if self.completed_at is not None or self.due_date is None:
            return False
        days_left = (self.due_date - today).days
        kind = next((kind for kind, (low, high) in REMINDER_WINDOWS.items() if low <= days_left <= high), None)
        if kind is None:
            return False
        with transaction.atomic():
            locked = type(self).objects.select_for_update().select_related("course", "user").get(pk=self.pk)
            if locked.completed_at is not None or locked.due_date != self.due_date:
                return False
            _reminder, created = EnrolmentReminder.objects.get_or_create(
                enrolment=locked, kind=kind, due_date=locked.due_date
            )
            if not created:
                return False
            notify(
                [locked.user],
                "training.due_soon",
                locked,
                context={**locked.notification_context(), "days_left": days_left},
                url=locked.course.get_absolute_url(),
            )
        return True

    def set_due_date(self, user: User, due_date: date | None) -> None:
        from training.worklist import enrolments_changed

        if not is_training_manager(user):
            raise TrainingError(_("Only training managers can set due dates."))
        type(self).objects.filter(pk=self.pk).update(due_date=due_date)
        self.due_date = due_date
        enrolments_changed([self.user_id])  # the home pages' cached counts (no signal for an UPDATE)

    def progress_for(self, lesson: Lesson) -> LessonProgress:
        progress, _created = LessonProgress.objects.get_or_create(enrolment=self, lesson=lesson)
        return progress

    def update_completion(self, now: datetime | None = None) -> bool:
        """Mark the enrolment complete once every lesson is; call inside the lesson's transaction."""
        from training.worklist import enrolments_changed

        if self.completed_at is not None:
            return True
        total = Lesson.objects.filter(module__course_id=self.course_id).count()
        done = self.lesson_progress.filter(completed_at__isnull=False).count()
        if total and done >= total:
            self.completed_at = now or timezone.now()
            type(self).objects.filter(pk=self.pk, completed_at__isnull=True).update(completed_at=self.completed_at)
            enrolments_changed([self.user_id])  # the home pages' cached counts (no signal for an UPDATE)
            self.__dict__.pop("_progress_counts", None)
            return True
        return False


class LessonProgress(models.Model):
    """One learner's progress on one lesson."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="lesson_progress")
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="progress")
    # Merged [start, end] seconds of the video actually played.
    watched_intervals = models.JSONField(default=list, blank=True)
    watched_seconds = models.FloatField(default=0)
    time_spent_seconds = models.FloatField(default=0)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    reading_opened_at = models.DateTimeField(null=True, blank=True)
    video_completed_at = models.DateTimeField(null=True, blank=True)
    reading_completed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "lesson"], name="training_progress_unique"),
        ]
        indexes = [models.Index(fields=["enrolment", "completed_at"], name="training_progress_done")]

    def __str__(self) -> str:
        return f"{self.enrolment_id} · {self.lesson_id}"

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None

    @property
    def coverage_percent(self) -> int:
        duration = self.lesson.video_duration_seconds
        return round(100 * min(1.0, self.watched_seconds / duration)) if duration else 0

    def _locked(self) -> LessonProgress:
        return type(self).objects.select_for_update().select_related("lesson", "enrolment").get(pk=self.pk)

    def _copy_from(self, other: LessonProgress) -> None:
        for field in (
            "watched_intervals",
            "watched_seconds",
            "time_spent_seconds",
            "last_seen_at",
            "reading_opened_at",
            "video_completed_at",
            "reading_completed_at",
            "completed_at",
        ):
            setattr(self, field, getattr(other, field))

    def open(self, now: datetime | None = None) -> None:
        """The learner opened the lesson page: start the clocks (the reading one only once)."""
        now = now or timezone.now()
        updates: dict[str, Any] = {"last_seen_at": now}
        if self.reading_opened_at is None:
            updates["reading_opened_at"] = now
        type(self).objects.filter(pk=self.pk).update(**updates)
        # A concurrent first open may have set the reading clock already: keep the earliest.
        type(self).objects.filter(pk=self.pk, reading_opened_at__gt=now).update(reading_opened_at=now)
        for field, value in updates.items():
            setattr(self, field, value)

    def record_play(self, intervals: Any, now: datetime | None = None) -> None:
        """A heartbeat from the video player: the [start, end] seconds played since the last one.

        Time spent grows by the wall time since the previous beat (at most
        HEARTBEAT_MAX_GAP_SECONDS). The claimed seconds are clamped to that wall time plus
        slack, so a forged "I played 0–600" in one beat credits only what could have been
        played. Seeking is never reported by the page, only playing.
        """
        now = now or timezone.now()
        with transaction.atomic():
            locked = self._locked()
            duration = float(locked.lesson.video_duration_seconds)
            if locked.last_seen_at is None:
                elapsed = 0.0
            else:
                elapsed = max(0.0, min((now - locked.last_seen_at).total_seconds(), HEARTBEAT_MAX_GAP_SECONDS))
            claimed = _clamp_to_budget(_clean_intervals(intervals, duration), elapsed + HEARTBEAT_SLACK_SECONDS)
            locked.watched_intervals = merge_intervals([*locked.watched_intervals, *claimed])
            locked.watched_seconds = total_length(locked.watched_intervals)
            locked.time_spent_seconds += elapsed
            locked.last_seen_at = now
            if (
                locked.video_completed_at is None
                and duration > 0
                and locked.watched_seconds >= VIDEO_COVERAGE_REQUIRED * duration
                and locked.time_spent_seconds >= VIDEO_TIME_REQUIRED * duration
            ):
                locked.video_completed_at = now
            locked._complete_if_done(now)
            locked.save()
        self._copy_from(locked)

    def reading_seconds_left(self, now: datetime | None = None) -> int:
        now = now or timezone.now()
        required = self.lesson.reading_seconds_required()
        if self.reading_opened_at is None:
            return required
        return max(0, math.ceil(required - (now - self.reading_opened_at).total_seconds()))

    def confirm_reading(self, now: datetime | None = None) -> None:
        """ "I have read this": counts once the learner has had the page open long enough."""
        now = now or timezone.now()
        with transaction.atomic():
            locked = self._locked()
            if not locked.lesson.has_reading:
                raise TrainingError(_("This lesson has no reading."))
            if locked.reading_completed_at is None:
                left = locked.reading_seconds_left(now)
                if left > 0:
                    raise TrainingError(
                        _("Please take a little longer to read: %(seconds)s more seconds.") % {"seconds": left}
                    )
                locked.reading_completed_at = now
                locked._complete_if_done(now)
                locked.save()
        self._copy_from(locked)

    def _complete_if_done(self, now: datetime) -> None:
        if self.completed_at is not None:
            return
        lesson = self.lesson
        video_done = not lesson.has_video or self.video_completed_at is not None
        reading_done = not lesson.has_reading or self.reading_completed_at is not None
        if video_done and reading_done:
            self.completed_at = now
            self.save(update_fields=["completed_at"])
            Enrolment.objects.select_for_update().get(pk=self.enrolment_id).update_completion(now)


class EnrolmentReminder(models.Model):
    """A due-date reminder that was sent: one row per enrolment, kind and due date, so once."""

    class Kind(models.TextChoices):
        WEEK = "7d", _("7 days before")
        DAY = "1d", _("1 day before")

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=4, choices=Kind.choices)
    due_date = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "kind", "due_date"], name="training_reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id} {self.kind} {self.due_date}"


# Time left before a due date at which each reminder goes out (the job runs daily; a
# reminder missed on its day still goes once within its window).
REMINDER_WINDOWS: dict[str, tuple[int, int]] = {
    EnrolmentReminder.Kind.WEEK: (2, 7),
    EnrolmentReminder.Kind.DAY: (0, 1),
}
