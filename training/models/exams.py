"""Question banks, exams and attempts.

A course has a question bank sorted into categories; its exam draws a number of questions
from each category at random for every attempt and shuffles each question's options.

The time limit lives here, on the server: an attempt's `deadline` is fixed when it starts
(time limit plus the learner's extra time). Answers are saved one by one as they are given
and refused after the deadline plus ANSWER_GRACE (the last click before the deadline may
still be on its way). An attempt nobody submitted is submitted by a periodic job, or on the
learner's next visit, with its finish time set to the deadline, not to when that ran.

One open attempt per learner and exam (a partial unique constraint): a reload or a second
tab continues it. Submitting locks the attempt row, so a double submit grades once.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_fsm import FSMField, transition

from ..item_analysis import ItemStats, Sitting, analyse
from .certificates import Certificate
from .courses import Enrolment, TrainingError, _lang, is_learner, is_training_manager

if TYPE_CHECKING:
    from cloudpeds.accounts.models import User

__all__ = [
    "ANSWER_GRACE",
    "Attempt",
    "AttemptFinish",
    "AttemptQuestion",
    "AttemptStatus",
    "Choice",
    "Exam",
    "ExamDrawRule",
    "ExamOverride",
    "ExamStanding",
    "ExamStatus",
    "Question",
    "QuestionCategory",
    "QuestionKind",
    "takes_or_manages_exams",
]

# Answers (and a submit) arriving this long after the deadline still count: the request
# may have left the browser in time.
ANSWER_GRACE = timedelta(seconds=60)

# Draws use the operating system's randomness: a learner must not be able to predict which
# questions the next attempt brings.
_random = random.SystemRandom()


def takes_or_manages_exams(user: User) -> bool:
    """Who sees a course's exam panel: learners (where they stand), training managers (its state)."""
    return is_learner(user) or is_training_manager(user)


def _bilingual(obj: Any, name: str) -> str:
    return getattr(obj, f"{name}_en" if _lang() == "en" else f"{name}_zh")


# --- The question bank ------------------------------------------------------------------------


class QuestionCategory(models.Model):
    course = models.ForeignKey(
        "training.Course", on_delete=models.CASCADE, related_name="question_categories", verbose_name=_("course")
    )
    code = models.SlugField(_("code"), max_length=40, help_text=_("Short name used in the import file."))
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("question category")
        verbose_name_plural = _("question categories")
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["course", "code"], name="training_category_unique_code")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _bilingual(self, "name")


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TRUE_FALSE = "true_false", _("True or false")


class QuestionQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> QuestionQuerySet:
        """Question banks are for training managers only: a learner must not read the key."""
        if not is_training_manager(user):
            return self.none()
        return self.all()

    def active(self) -> QuestionQuerySet:
        return self.filter(is_active=True)


class Question(models.Model):
    Kind = QuestionKind

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    course = models.ForeignKey(
        "training.Course", on_delete=models.CASCADE, related_name="questions", verbose_name=_("course")
    )
    category = models.ForeignKey(
        QuestionCategory, on_delete=models.PROTECT, related_name="questions", verbose_name=_("category")
    )
    # The import file's own identifier: importing a row with a known reference updates it.
    ref = models.CharField(_("reference"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=QuestionKind.choices, default=QuestionKind.SINGLE)
    text_zh = models.TextField(_("question (Chinese)"))
    text_en = models.TextField(_("question (English)"))
    explanation_zh = models.TextField(_("explanation (Chinese)"))
    explanation_en = models.TextField(_("explanation (English)"))
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["category__position", "category_id", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "ref"], condition=~Q(ref=""), name="training_question_unique_ref"
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def text(self) -> str:
        return _bilingual(self, "text")

    @property
    def explanation(self) -> str:
        return _bilingual(self, "explanation")

    def is_used(self) -> bool:
        """Has been drawn into an attempt: its options and key are then frozen (see `can_change_options`)."""
        return AttemptQuestion.objects.filter(question=self).exists()

    @staticmethod
    def option_errors(kind: str, options: list[tuple[str, str, bool]]) -> list[str]:
        """What is wrong with a question's options, (text_zh, text_en, is_correct) each."""
        errors: list[str] = []
        correct = sum(1 for _zh, _en, is_correct in options if is_correct)
        if any(not zh.strip() or not en.strip() for zh, en, _ok in options):
            errors.append(str(_("Every option needs its Chinese and English text.")))
        if kind == QuestionKind.TRUE_FALSE:
            if len(options) != 2 or correct != 1:
                errors.append(str(_("A true-or-false question has two options, one of them correct.")))
        elif len(options) < 2:
            errors.append(str(_("A question needs at least two options.")))
        elif kind == QuestionKind.SINGLE and correct != 1:
            errors.append(str(_("A single-choice question has exactly one correct option.")))
        elif kind == QuestionKind.MULTIPLE and correct < 1:
            errors.append(str(_("A multiple-choice question has at least one correct option.")))
        elif len(options) > 8:
            errors.append(str(_("A question has at most eight options.")))
        return errors

    def set_options(self, options: list[tuple[str, str, bool]]) -> None:
        """Replace the options. Refused once the question has been in an attempt: past
        attempts were graded against these options, and item analysis reads them."""
        if self.pk and self.is_used() and self._options_changed(options):
            raise TrainingError(
                _("This question has been used in exams: its options cannot change. Retire it and add a new one.")
            )
        errors = self.option_errors(self.kind, options)
        if errors:
            raise TrainingError(" ".join(errors))
        existing = list(self.choices.order_by("position", "pk"))
        for position, (text_zh, text_en, is_correct) in enumerate(options):
            if position < len(existing):
                choice = existing[position]
                choice.text_zh, choice.text_en, choice.is_correct = text_zh, text_en, is_correct
                choice.save(update_fields=["text_zh", "text_en", "is_correct"])
            else:
                Choice.objects.create(
                    question=self, position=position, text_zh=text_zh, text_en=text_en, is_correct=is_correct
                )
        Choice.objects.filter(question=self, position__gte=len(options)).delete()

    def _options_changed(self, options: list[tuple[str, str, bool]]) -> bool:
        # Fixing a typo in an option's text is fine; changing the key or the number is not.
        current = [choice.is_correct for choice in self.choices.order_by("position", "pk")]
        return current != [is_correct for _zh, _en, is_correct in options]

    def retire(self) -> None:
        """Take the question out of future draws (past attempts keep it). Refused when a
        published exam would then have too few questions to draw."""
        with transaction.atomic():
            exam = Exam.objects.select_for_update().filter(course_id=self.course_id).first()
            self.is_active = False
            self.updated_at = timezone.now()
            self.save(update_fields=["is_active", "updated_at"])
            if exam is not None and exam.is_published and exam.shortfalls():
                raise TrainingError(
                    _("The published exam draws from this category and would have too few questions without it.")
                )

    def restore(self) -> None:
        type(self).objects.filter(pk=self.pk).update(is_active=True, updated_at=timezone.now())
        self.is_active = True

    def correct_choice_ids(self) -> set[int]:
        return {choice.pk for choice in self.choices.all() if choice.is_correct}


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveSmallIntegerField(default=0)
    text_zh = models.CharField(_("option (Chinese)"), max_length=500)
    text_en = models.CharField(_("option (English)"), max_length=500)
    is_correct = models.BooleanField(_("correct"), default=False)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["question", "position"], name="training_choice_position")]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        return _bilingual(self, "text")


# --- Exams ------------------------------------------------------------------------------------


class ExamStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


@dataclass
class ExamStanding:
    """Where a learner stands with an exam (what the exam panel shows).

    state: unavailable (no published exam), not_enrolled, locked (the course is not completed
    yet), open (an attempt is under way), can_start, waiting (until `next_start_at`),
    exhausted (no attempts left), certified (holds a valid certificate not yet due for renewal).
    """

    state: str
    attempts_used: int = 0
    attempts_allowed: int = 0
    open_attempt: Attempt | None = None
    last_attempt: Attempt | None = None
    next_start_at: datetime | None = None
    certificate: Certificate | None = None
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def attempts_left(self) -> int:
        return max(0, self.attempts_allowed - self.attempts_used)


class Exam(models.Model):
    Status = ExamStatus

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    course = models.OneToOneField(
        "training.Course", on_delete=models.CASCADE, related_name="exam", verbose_name=_("course")
    )
    status = FSMField(_("status"), max_length=12, choices=ExamStatus.choices, default=ExamStatus.DRAFT)
    time_limit_minutes = models.PositiveSmallIntegerField(
        _("time limit (minutes)"), default=30, validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    pass_mark_percent = models.PositiveSmallIntegerField(
        _("pass mark (%)"), default=80, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    attempts_allowed = models.PositiveSmallIntegerField(
        _("attempts allowed"), default=3, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    wait_minutes = models.PositiveIntegerField(
        _("waiting time between attempts (minutes)"), default=60, validators=[MaxValueValidator(60 * 24 * 30)]
    )
    show_answers = models.BooleanField(
        _("show the correct answers after submitting"),
        default=True,
        help_text=_("Learners see each question's correct answer and explanation with their result."),
    )
    requires_completion = models.BooleanField(
        _("the course must be completed first"),
        default=True,
        help_text=_("The exam opens once the learner has finished every lesson."),
    )
    instructions_zh = models.TextField(_("instructions (Chinese)"), blank=True)
    instructions_en = models.TextField(_("instructions (English)"), blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("exam")
        verbose_name_plural = _("exams")

    def __str__(self) -> str:
        return str(self.course)

    @property
    def is_published(self) -> bool:
        return self.status == ExamStatus.PUBLISHED

    @property
    def instructions(self) -> str:
        return _bilingual(self, "instructions")

    # --- The draw ------------------------------------------------------------------------------

    def rules(self) -> list[ExamDrawRule]:
        return list(self.draw_rules.select_related("category").filter(count__gt=0).order_by("category__position"))

    @property
    def question_count(self) -> int:
        return sum(rule.count for rule in self.rules())

    def shortfalls(self) -> list[tuple[ExamDrawRule, int]]:
        """The categories with fewer active questions than the exam draws: (rule, available)."""
        available = dict(
            Question.objects.active()
            .filter(course_id=self.course_id)
            .values_list("category")
            .annotate(n=Count("pk"))
            .values_list("category", "n")
        )
        return [
            (rule, available.get(rule.category_id, 0))
            for rule in self.rules()
            if available.get(rule.category_id, 0) < rule.count
        ]

    def check_drawable(self) -> None:
        if not self.rules():
            raise TrainingError(_("Choose how many questions to draw from at least one category."))
        short = self.shortfalls()
        if short:
            raise TrainingError(
                " ".join(
                    ngettext(
                        "“%(category)s” has %(available)d active question; the exam draws %(count)d.",
                        "“%(category)s” has %(available)d active questions; the exam draws %(count)d.",
                        available,
                    )
                    % {"category": rule.category.name, "available": available, "count": rule.count}
                    for rule, available in short
                )
            )

    def draw(self, rng: random.Random | None = None) -> list[tuple[Question, list[int]]]:
        """A fresh random paper: N distinct questions per category, in random order, each with
        its options shuffled. Returns (question, option ids in the order shown)."""
        rng = rng or _random
        self.check_drawable()
        paper: list[tuple[Question, list[int]]] = []
        for rule in self.rules():
            pool = list(
                Question.objects.active()
                .filter(course_id=self.course_id, category=rule.category)
                .prefetch_related("choices")
            )
            for question in rng.sample(pool, rule.count):
                options = [choice.pk for choice in question.choices.all()]
                if question.kind != QuestionKind.TRUE_FALSE:
                    rng.shuffle(options)  # "true" stays before "false": shuffling them only confuses
                paper.append((question, options))
        rng.shuffle(paper)
        return paper

    # --- Publishing ------------------------------------------------------------------------------

    def publish(self, user: User) -> None:
        """Learners can sit the exam. Refused while a category has fewer questions than it must draw."""
        if not is_training_manager(user):
            raise TrainingError(_("Only training managers can publish exams."))
        with transaction.atomic():
            locked = type(self).objects.select_for_update().get(pk=self.pk)
            locked.check_drawable()
            locked._to_published()
            locked.published_at = timezone.now()
            locked.save(update_fields=["status", "published_at"])
        self.status, self.published_at = locked.status, locked.published_at

    def unpublish(self, user: User) -> None:
        """No new attempts; attempts under way can still be finished."""
        if not is_training_manager(user):
            raise TrainingError(_("Only training managers can take exams back to draft."))
        with transaction.atomic():
            locked = type(self).objects.select_for_update().get(pk=self.pk)
            if not locked.is_published:
                raise TrainingError(_("The exam is not published."))
            locked._to_draft()
            locked.save(update_fields=["status"])
        self.status = locked.status

    @transition(field=status, source=[ExamStatus.DRAFT, ExamStatus.PUBLISHED], target=ExamStatus.PUBLISHED)
    def _to_published(self) -> None:
        pass

    @transition(field=status, source=ExamStatus.PUBLISHED, target=ExamStatus.DRAFT)
    def _to_draft(self) -> None:
        pass

    # --- Item analysis (training/item_analysis.py) ----------------------------------------------

    def sittings(self) -> list[Sitting]:
        """The exam's submitted attempts as sittings, in two queries whatever their number."""
        attempts = list(
            self.attempts.filter(status=AttemptStatus.SUBMITTED)
            .order_by("submitted_at", "pk")
            .values_list("pk", "score_percent")
        )
        answers: dict[int, dict[int, bool]] = {pk: {} for pk, _score in attempts}
        rows = AttemptQuestion.objects.filter(attempt__exam=self, attempt__status=AttemptStatus.SUBMITTED).values_list(
            "attempt_id", "question_id", "is_correct"
        )
        for attempt_id, question_id, is_correct in rows:
            answers[attempt_id][question_id] = bool(is_correct)
        return [Sitting(key=pk, score=float(score or 0), answers=answers[pk]) for pk, score in attempts]

    def item_analysis(self) -> tuple[list[ItemStats], int]:
        """Every question of the exam's bank that was drawn at least once, flagged ones first,
        then by difficulty (hardest first); and the number of sittings analysed."""
        sittings = self.sittings()
        stats = analyse(sittings)
        for question in Question.objects.filter(pk__in=stats).select_related("category"):
            stats[question.pk].question = question
        rows = sorted(
            stats.values(), key=lambda item: (not item.flags, item.p if item.p is not None else 1, item.question_id)
        )
        return rows, len(sittings)

    # --- A learner's standing --------------------------------------------------------------------

    def override_for(self, user: User) -> ExamOverride | None:
        return self.overrides.filter(user=user).first()

    def attempts_allowed_for(self, user: User, override: ExamOverride | None = None) -> int:
        return self.attempts_allowed + (override.extra_attempts if override else 0)

    def time_allowed_for(self, user: User, override: ExamOverride | None = None) -> timedelta:
        return timedelta(minutes=self.time_limit_minutes + (override.extra_minutes if override else 0))

    def standing(self, user: User, now: datetime | None = None) -> ExamStanding:
        now = now or timezone.now()
        attempts = list(self.attempts.filter(user=user).order_by("number"))
        open_attempt = next((a for a in attempts if a.status == AttemptStatus.OPEN), None)
        if open_attempt is not None and open_attempt.is_past_grace(now):
            # Nobody submitted it and the job has not run yet: submit it now, at its deadline.
            open_attempt.expire(now)
            open_attempt = None
        override = self.override_for(user)
        allowed = self.attempts_allowed_for(user, override)
        # Attempts count from the learner's last pass: a pass that earned a certificate that
        # is now up for renewal (or was revoked) starts a fresh round of attempts.
        last_pass = max((a.number for a in attempts if a.passed), default=0)
        cycle = [a for a in attempts if a.number > last_pass]
        standing = ExamStanding(
            state="unavailable",
            attempts_used=len(cycle),
            attempts_allowed=allowed,
            open_attempt=open_attempt,
            last_attempt=attempts[-1] if attempts else None,
            attempts=attempts,
            certificate=Certificate.objects.filter(course_id=self.course_id, holder=user).valid().first(),
        )
        if open_attempt is not None:
            standing.state = "open"
        elif not self.is_published:
            standing.state = "unavailable"
        elif (enrolment := Enrolment.objects.filter(course_id=self.course_id, user=user).first()) is None:
            standing.state = "not_enrolled"
        elif self.requires_completion and not enrolment.is_complete:
            # What Course.completion_required_met asks, from the enrolment just read.
            standing.state = "locked"
        elif standing.certificate is not None and not standing.certificate.in_renewal_window():
            standing.state = "certified"
        elif standing.attempts_used >= allowed:
            standing.state = "exhausted"
        else:
            last_submitted = max((a.submitted_at for a in cycle if a.submitted_at), default=None)
            wait = timedelta(minutes=self.wait_minutes)
            if last_submitted is not None and wait and now < last_submitted + wait:
                standing.state = "waiting"
                standing.next_start_at = last_submitted + wait
            else:
                standing.state = "can_start"
        return standing

    def start_attempt(self, user: User, now: datetime | None = None, rng: random.Random | None = None) -> Attempt:
        """Start an attempt, or continue the open one (a second tab, a double click)."""
        now = now or timezone.now()
        with transaction.atomic():
            standing = self.standing(user, now)
            if standing.state == "open":
                return standing.open_attempt
            refusal = _REFUSALS.get(standing.state)
            if refusal is not None:
                raise TrainingError(refusal)
            paper = self.draw(rng)
            override = self.override_for(user)
            try:
                with transaction.atomic():
                    attempt = Attempt.objects.create(
                        exam=self,
                        user=user,
                        number=(standing.last_attempt.number if standing.last_attempt else 0) + 1,
                        started_at=now,
                        deadline=now + self.time_allowed_for(user, override),
                    )
                    AttemptQuestion.objects.bulk_create(
                        AttemptQuestion(attempt=attempt, question=question, position=position, choice_order=options)
                        for position, (question, options) in enumerate(paper, start=1)
                    )
            except IntegrityError:
                # The same learner started it in another tab a moment ago: continue that one.
                existing = Attempt.objects.filter(exam=self, user=user, status=AttemptStatus.OPEN).first()
                if existing is None:
                    raise
                return existing
        return attempt


_REFUSALS = {
    "unavailable": _("This exam is not open."),
    "not_enrolled": _("Enrol in the course to take its exam."),
    "locked": _("The exam opens once you have completed every lesson of the course."),
    "certified": _("You already hold a valid certificate for this course."),
    "exhausted": _("You have used all your attempts at this exam. Ask a training manager if you need another."),
    "waiting": _("Please wait before your next attempt."),
}


class ExamDrawRule(models.Model):
    """How many questions each attempt draws from one category."""

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="draw_rules")
    category = models.ForeignKey(QuestionCategory, on_delete=models.CASCADE, related_name="draw_rules")
    count = models.PositiveSmallIntegerField(_("questions drawn"), default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["exam", "category"], name="training_draw_rule_unique")]

    def __str__(self) -> str:
        return f"{self.category}: {self.count}"


class ExamOverride(models.Model):
    """A learner's extra time and extra attempts (an accommodation, a technical failure)."""

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="overrides")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exam_overrides", verbose_name=_("learner")
    )
    extra_minutes = models.PositiveSmallIntegerField(
        _("extra time (minutes)"), default=0, validators=[MaxValueValidator(600)]
    )
    extra_attempts = models.PositiveSmallIntegerField(
        _("extra attempts"), default=0, validators=[MaxValueValidator(20)]
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("exam override")
        verbose_name_plural = _("exam overrides")
        constraints = [models.UniqueConstraint(fields=["exam", "user"], name="training_override_unique")]

    def __str__(self) -> str:
        return f"{self.user} +{self.extra_minutes}min +{self.extra_attempts}"


# --- Attempts ---------------------------------------------------------------------------------


class AttemptStatus(models.TextChoices):
    OPEN = "open", _("In progress")
    SUBMITTED = "submitted", _("Submitted")


class AttemptFinish(models.TextChoices):
    LEARNER = "learner", _("Submitted by the learner")
    TIME_LIMIT = "time_limit", _("Submitted when the time ran out")


class AttemptQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> AttemptQuerySet:
        """Only the learner's own attempts: managers read results through item analysis."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user)

    def past_grace(self, now: datetime) -> AttemptQuerySet:
        return self.filter(status=AttemptStatus.OPEN, deadline__lt=now - ANSWER_GRACE)


class Attempt(models.Model):
    Status = AttemptStatus
    Finish = AttemptFinish

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    exam = models.ForeignKey(Exam, on_delete=models.PROTECT, related_name="attempts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="exam_attempts")
    number = models.PositiveSmallIntegerField()
    status = FSMField(max_length=12, choices=AttemptStatus.choices, default=AttemptStatus.OPEN)
    started_at = models.DateTimeField()
    deadline = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    finished_by = models.CharField(max_length=12, choices=AttemptFinish.choices, blank=True)
    correct_count = models.PositiveSmallIntegerField(null=True, blank=True)
    question_count = models.PositiveSmallIntegerField(null=True, blank=True)
    score_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(null=True)

    objects = AttemptQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["exam", "user", "number"], name="training_attempt_number"),
            # One attempt under way per learner and exam: a second tab continues it.
            models.UniqueConstraint(
                fields=["exam", "user"], condition=Q(status="open"), name="training_attempt_one_open"
            ),
        ]
        indexes = [models.Index(fields=["status", "deadline"], name="training_attempt_deadline")]

    def __str__(self) -> str:
        return f"{self.user} #{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("training:attempt", args=[self.public_id])

    @property
    def is_open(self) -> bool:
        return self.status == AttemptStatus.OPEN

    def accepts_answers_until(self) -> datetime:
        return self.deadline + ANSWER_GRACE

    def is_past_grace(self, now: datetime | None = None) -> bool:
        return (now or timezone.now()) > self.accepts_answers_until()

    def seconds_left(self, now: datetime | None = None) -> int:
        return max(0, int((self.deadline - (now or timezone.now())).total_seconds()))

    def _locked(self) -> Attempt:
        return type(self).objects.select_for_update().select_related("exam__course", "user").get(pk=self.pk)

    def items_in_order(self) -> list[AttemptQuestion]:
        items = list(
            self.items.select_related("question", "question__category")
            .prefetch_related("question__choices")
            .order_by("position")
        )
        return items

    # --- Answering -----------------------------------------------------------------------------

    def answer(self, position: int, picked: list[int], now: datetime | None = None) -> AttemptQuestion:
        """Save the answer to question `position`: `picked` are indexes into the options as
        shown (never option ids, which would tell the order they were written in).

        Runs on the locked attempt row, so it cannot slip in after the grading.
        """
        now = now or timezone.now()
        with transaction.atomic():
            locked = self._locked()
            if not locked.is_open:
                raise TrainingError(_("This attempt has been submitted; answers can no longer change."))
            if locked.is_past_grace(now):
                raise TrainingError(_("The time for this attempt is over; this answer was not saved."))
            item = locked.items.select_related("question").filter(position=position).first()
            if item is None:
                raise TrainingError(_("There is no such question in this attempt."))
            picked = sorted(set(picked))
            if any(index < 0 or index >= len(item.choice_order) for index in picked):
                raise TrainingError(_("That option is not part of this question."))
            if item.question.kind != QuestionKind.MULTIPLE and len(picked) > 1:
                raise TrainingError(_("Choose one option only."))
            item.selected = [item.choice_order[index] for index in picked]
            item.answered_at = now
            item.save(update_fields=["selected", "answered_at"])
        return item

    def flag(self, position: int, flagged: bool) -> AttemptQuestion:
        """Mark question `position` for review (or clear the mark), while the attempt is open."""
        with transaction.atomic():
            locked = self._locked()
            if not locked.is_open:
                raise TrainingError(_("This attempt has been submitted; answers can no longer change."))
            item = locked.items.filter(position=position).first()
            if item is None:
                raise TrainingError(_("There is no such question in this attempt."))
            if item.flagged != flagged:
                item.flagged = flagged
                item.save(update_fields=["flagged"])
        return item

    # --- Submitting ----------------------------------------------------------------------------

    def submit(self, now: datetime | None = None) -> bool:
        """The learner hands the attempt in. Returns False if it was already graded (a double
        click, a second tab): nothing changes then. After the grace period it counts as
        submitted at the deadline, like an attempt the job closes."""
        now = now or timezone.now()
        if self.is_past_grace(now):
            return self.expire(now)
        return self._finish(now, AttemptFinish.LEARNER)

    def expire(self, now: datetime | None = None) -> bool:
        """Submit an attempt left open past its deadline, as of the deadline (the periodic
        job's time, or the learner's late return, is not when the attempt ended)."""
        now = now or timezone.now()
        if not self.is_past_grace(now):
            return False
        return self._finish(self.deadline, AttemptFinish.TIME_LIMIT)

    def _finish(self, finished_at: datetime, finished_by: str) -> bool:
        from cloudpeds.notifications.services import notify

        with transaction.atomic():
            locked = self._locked()
            if not locked.is_open:
                self._copy_result(locked)
                return False
            items = list(locked.items.prefetch_related("question__choices"))
            correct = 0
            for item in items:
                item.is_correct = bool(item.selected) and set(item.selected) == item.question.correct_choice_ids()
                correct += item.is_correct
            AttemptQuestion.objects.bulk_update(items, ["is_correct"])
            total = len(items)
            locked._to_submitted()
            locked.submitted_at = finished_at
            locked.finished_by = finished_by
            locked.correct_count = correct
            locked.question_count = total
            locked.score_percent = (
                (Decimal(100 * correct) / Decimal(total)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
                if total
                else Decimal("0")
            )
            locked.passed = locked.score_percent >= locked.exam.pass_mark_percent
            locked.save(
                update_fields=[
                    "status",
                    "submitted_at",
                    "finished_by",
                    "correct_count",
                    "question_count",
                    "score_percent",
                    "passed",
                ]
            )
            if locked.passed:
                Certificate.issue_for(locked)
            if finished_by == AttemptFinish.TIME_LIMIT:
                notify(
                    [locked.user],
                    "training.attempt_timed_out",
                    locked,
                    context={
                        "course_zh": locked.exam.course.title_zh,
                        "course_en": locked.exam.course.title_en,
                        "score": str(locked.score_percent),
                        "passed": bool(locked.passed),
                    },
                )
        self._copy_result(locked)
        return True

    @transition(field=status, source=AttemptStatus.OPEN, target=AttemptStatus.SUBMITTED)
    def _to_submitted(self) -> None:
        pass

    def _copy_result(self, other: Attempt) -> None:
        for name in (
            "status",
            "submitted_at",
            "finished_by",
            "correct_count",
            "question_count",
            "score_percent",
            "passed",
        ):
            setattr(self, name, getattr(other, name))


class AttemptQuestion(models.Model):
    """One question of one attempt: the options in the order shown and the learner's answer."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="items")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="attempt_items")
    position = models.PositiveSmallIntegerField()
    choice_order = models.JSONField(default=list)
    selected = models.JSONField(default=list, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    is_correct = models.BooleanField(null=True)
    # The learner's own "come back to this" mark; it plays no part in the grading.
    flagged = models.BooleanField(default=False)

    class Meta:
        ordering = ["position"]
        constraints = [
            # No attempt ever contains the same question twice.
            models.UniqueConstraint(fields=["attempt", "question"], name="training_attempt_question_once"),
            models.UniqueConstraint(fields=["attempt", "position"], name="training_attempt_question_position"),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id} Q{self.position}"

    def options(self) -> list[dict[str, Any]]:
        """The options as shown: index (what the page posts back), choice, picked."""
        choices = {choice.pk: choice for choice in self.question.choices.all()}
        return [
            {"index": index, "choice": choices[pk], "picked": pk in self.selected}
            for index, pk in enumerate(self.choice_order)
            if pk in choices
        ]

    @property
    def is_answered(self) -> bool:
        return bool(self.selected)
