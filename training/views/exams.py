"""Exam pages: the learner's (panel, attempt, answers, result) and the training managers'
(question bank, import, settings, overrides, item analysis).

Learners are doctors (every doctor is a trainee); their attempts load through
`Attempt.objects.visible_to(user)`, so another learner's attempt is a 404. Courses load
through `Course.objects.visible_to(user)` (a draft course is a 404 to learners). Bank and
settings pages are for training managers only (403 for everyone else). Both checks are
`@requires(predicate)`, made before any lookup: a 403 says nothing about whether the object
exists.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cloudpeds.accounts.access import requires

from .. import importers
from ..forms.exams import AnswerForm, CategoryForm, ExamSettingsForm, ImportForm, OverrideForm, QuestionForm
from ..models import (
    ANSWER_GRACE,
    Attempt,
    Course,
    Exam,
    ExamDrawRule,
    ExamOverride,
    Question,
    QuestionCategory,
    TrainingError,
    is_learner,
    is_training_manager,
    takes_or_manages_exams,
)


def _course(request: HttpRequest, slug: str) -> Course:
    return get_object_or_404(Course.objects.visible_to(request.user), slug=slug)


def _attempt(request: HttpRequest, public_id: UUID) -> Attempt:
    attempts = Attempt.objects.visible_to(request.user).select_related("exam__course")
    return get_object_or_404(attempts, public_id=public_id)


def _exam_of(course: Course) -> Exam | None:
    exam = Exam.objects.filter(course=course).first()
    if exam is not None:
        exam.course = course  # loaded already: not read again by the exam's methods
    return exam


# --- The learner -------------------------------------------------------------------------------


@require_GET
@requires(takes_or_manages_exams)
def exam_panel(request: HttpRequest, slug: str) -> HttpResponse:
    """The exam on the course page (an htmx fragment): where the learner stands, or for a
    training manager the exam's state and the management links."""
    course = _course(request, slug)
    exam = _exam_of(course)
    context = {"course": course, "exam": exam}
    if is_training_manager(request.user):
        context["manager"] = True
        if exam is not None:
            context["shortfalls"] = exam.shortfalls()
            context["question_count"] = exam.question_count
        context["bank_size"] = Question.objects.active().filter(course=course).count()
    if is_learner(request.user):
        context["standing"] = exam.standing(request.user) if exam is not None else None
    return render(request, "training/_exam_panel.html", context)


@require_POST
@requires(is_learner)
def start_exam(request: HttpRequest, slug: str) -> HttpResponse:
    course = _course(request, slug)
    exam = _exam_of(course)
    if exam is None:
        raise Http404
    try:
        attempt = exam.start_attempt(request.user)
    except TrainingError as refusal:
        messages.warning(request, str(refusal))
        return redirect(course.get_absolute_url())
    return redirect(attempt.get_absolute_url())


@never_cache
@require_GET
@requires(is_learner)
def take_exam(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The attempt: every question on one page, each answer saved as it is given. A reload
    or a second tab shows the same attempt with the answers saved so far."""
    attempt = _attempt(request, public_id)
    now = timezone.now()
    if attempt.is_open and attempt.is_past_grace(now):
        attempt.expire(now)
    if not attempt.is_open:
        return redirect("training:attempt_result", public_id=attempt.public_id)
    items = attempt.items_in_order()
    timer = {
        "deadline": attempt.deadline.isoformat(),
        "serverNow": now.isoformat(),
        "graceSeconds": int(ANSWER_GRACE.total_seconds()),
        "messages": {
            "saving": _("Saving…"),
            "saved": _("Saved"),
            "notSaved": _("Not saved. Check your connection and choose your answer again."),
            "offline": _("The server cannot be reached: your last answer may not be saved."),
            "timeUp": _("Time is up: your attempt is being submitted."),
            "unanswered": _("Some questions have no answer. Submit anyway?"),
        },
    }
    return render(
        request,
        "training/exam_attempt.html",
        {
            "attempt": attempt,
            "exam": attempt.exam,
            "course": attempt.exam.course,
            "items": items,
            "timer": timer,
            "answered_count": sum(item.is_answered for item in items),
            "question_total": len(items),
        },
    )


def _timer(attempt: Attempt, now) -> dict:
    return {
        "deadline": attempt.deadline.isoformat(),
        "serverNow": now.isoformat(),
        "graceSeconds": int(ANSWER_GRACE.total_seconds()),
        "messages": {"timeUp": _("Time is up: your attempt is being submitted.")},
    }


def _answered_count(attempt: Attempt) -> int:
    return attempt.items.exclude(selected=[]).count()


@never_cache
@require_GET
@requires(is_learner)
def attempt_summary(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The summary before handing in (like Moodle's "Summary of attempt"): every question's
    state, the unanswered and flagged ones linked back, and the one button that submits."""
    attempt = _attempt(request, public_id)
    now = timezone.now()
    if attempt.is_open and attempt.is_past_grace(now):
        attempt.expire(now)
    if not attempt.is_open:
        return redirect("training:attempt_result", public_id=attempt.public_id)
    items = list(attempt.items.order_by("position"))
    return render(
        request,
        "training/exam_summary.html",
        {
            "attempt": attempt,
            "course": attempt.exam.course,
            "items": items,
            "unanswered": [item for item in items if not item.is_answered],
            "flagged": [item for item in items if item.flagged],
            "answered_count": sum(item.is_answered for item in items),
            "question_total": len(items),
            "timer": _timer(attempt, now),
        },
    )


@require_POST
@requires(is_learner)
def flag_question(request: HttpRequest, public_id: UUID, position: int) -> HttpResponse:
    """Flag a question for review, or clear the flag (`flagged` = "1" or "0"). htmx gets the
    flag button and the navigator's button back; without JavaScript, the attempt page."""
    attempt = _attempt(request, public_id)
    if not attempt.items.filter(position=position).exists():
        raise Http404
    try:
        item = attempt.flag(position, request.POST.get("flagged") == "1")
    except TrainingError as refusal:
        return HttpResponse(str(refusal), status=409, content_type="text/plain; charset=utf-8")
    if request.headers.get("HX-Request"):
        return render(request, "training/exam_attempt.html#flag", {"attempt": attempt, "item": item, "oob": True})
    return redirect(f"{attempt.get_absolute_url()}#q-{item.position}")


@require_POST
@requires(is_learner)
def save_answer(request: HttpRequest, public_id: UUID, position: int) -> HttpResponse:
    """One answer (htmx, on every change). A refusal (time over, attempt submitted) is a 409
    with the reason as plain text: training_exam.js shows it beside the question."""
    attempt = _attempt(request, public_id)
    item = attempt.items.filter(position=position).first()
    if item is None:
        raise Http404
    form = AnswerForm(request.POST, option_count=len(item.choice_order))
    if not form.is_valid():
        return HttpResponse(_("That option is not part of this question."), status=400, content_type="text/plain")
    try:
        item = attempt.answer(position, form.cleaned_data["option"])
    except TrainingError as refusal:
        return HttpResponse(str(refusal), status=409, content_type="text/plain; charset=utf-8")
    return render(
        request,
        "training/exam_attempt.html#saved",
        {
            "attempt": attempt,
            "item": item,
            "oob": True,
            "answered_count": _answered_count(attempt),
            "question_total": attempt.items.count(),
        },
    )


@require_POST
@requires(is_learner)
def submit_attempt(request: HttpRequest, public_id: UUID) -> HttpResponse:
    attempt = _attempt(request, public_id)
    attempt.submit()  # a second submit (double click, other tab) changes nothing
    return redirect("training:attempt_result", public_id=attempt.public_id)


@never_cache
@require_GET
@requires(is_learner)
def attempt_result(request: HttpRequest, public_id: UUID) -> HttpResponse:
    attempt = _attempt(request, public_id)
    now = timezone.now()
    if attempt.is_open and attempt.is_past_grace(now):
        attempt.expire(now)
    if attempt.is_open:
        return redirect(attempt.get_absolute_url())
    exam = attempt.exam
    return render(
        request,
        "training/exam_result.html",
        {
            "attempt": attempt,
            "exam": exam,
            "course": exam.course,
            "items": attempt.items_in_order() if exam.show_answers else [],
            "certificate": attempt.certificates.order_by("-pk").first() if attempt.passed else None,
            "standing": exam.standing(request.user, now),
        },
    )


# --- Training managers: the question bank ----------------------------------------------------------


def _managed_course(slug: str) -> Course:
    return get_object_or_404(Course, slug=slug)


def _managed_question(request: HttpRequest, public_id: UUID) -> Question:
    return get_object_or_404(Question.objects.visible_to(request.user).select_related("course"), public_id=public_id)


@require_GET
@requires(is_training_manager)
def question_bank(request: HttpRequest, slug: str) -> HttpResponse:
    course = _managed_course(slug)
    return _render_bank(request, course, CategoryForm(course=course))


def _render_bank(request: HttpRequest, course: Course, category_form: CategoryForm, status: int = 200) -> HttpResponse:
    categories = list(QuestionCategory.objects.filter(course=course))
    questions = Question.objects.filter(course=course).select_related("category").prefetch_related("choices")
    by_category: dict[int, list[Question]] = {category.pk: [] for category in categories}
    for question in questions:
        by_category[question.category_id].append(question)
    exam = _exam_of(course)
    return render(
        request,
        "training/exam_bank.html",
        {
            "course": course,
            "exam": exam,
            "sections": [(category, by_category[category.pk]) for category in categories],
            "category_form": category_form,
            "shortfalls": exam.shortfalls() if exam else [],
        },
        status=status,
    )


@require_POST
@requires(is_training_manager)
def add_category(request: HttpRequest, slug: str) -> HttpResponse:
    course = _managed_course(slug)
    form = CategoryForm(request.POST, course=course)
    if not form.is_valid():
        return _render_bank(request, course, form, status=400)
    category = form.save(commit=False)
    category.course = course
    category.position = QuestionCategory.objects.filter(course=course).count()
    category.save()
    messages.success(request, _("Category added."))
    return redirect("training:question_bank", slug=course.slug)


@require_http_methods(["GET", "POST"])
@requires(is_training_manager)
def new_question(request: HttpRequest, slug: str) -> HttpResponse:
    course = _managed_course(slug)
    form = QuestionForm(request.POST or None, course=course, initial={"category": request.GET.get("category")})
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            question = form.save(commit=False)
            question.course = course
            question.save()
            question.set_options(form.cleaned_data["options"])
        messages.success(request, _("Question added."))
        return redirect("training:question_bank", slug=course.slug)
    status = 400 if request.method == "POST" else 200
    return render(request, "training/exam_question_form.html", {"course": course, "form": form}, status=status)


@require_http_methods(["GET", "POST"])
@requires(is_training_manager)
def edit_question(request: HttpRequest, public_id: UUID) -> HttpResponse:
    question = _managed_question(request, public_id)
    course = question.course
    form = QuestionForm(request.POST or None, instance=question, course=course)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                question = form.save(commit=False)
                question.updated_at = timezone.now()
                question.save()
                question.set_options(form.cleaned_data["options"])
        except TrainingError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, _("Question saved."))
            return redirect("training:question_bank", slug=course.slug)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "training/exam_question_form.html",
        {"course": course, "form": form, "question": question, "used": question.is_used()},
        status=status,
    )


@require_POST
@requires(is_training_manager)
def retire_question(request: HttpRequest, public_id: UUID) -> HttpResponse:
    question = _managed_question(request, public_id)
    try:
        question.retire()
    except TrainingError as refusal:
        messages.warning(request, str(refusal))
    else:
        messages.success(request, _("The question is retired: no new attempt will draw it."))
    return redirect("training:question_bank", slug=question.course.slug)


@require_POST
@requires(is_training_manager)
def restore_question(request: HttpRequest, public_id: UUID) -> HttpResponse:
    question = _managed_question(request, public_id)
    question.restore()
    messages.success(request, _("The question is back in use."))
    return redirect("training:question_bank", slug=question.course.slug)


@require_http_methods(["GET", "POST"])
@requires(is_training_manager)
def import_questions(request: HttpRequest, slug: str) -> HttpResponse:
    course = _managed_course(slug)
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > importers.MAX_BYTES:
            form.add_error("file", _("The file is larger than 2 MB."))
        else:
            result = importers.import_questions(course, upload.read())
            if result.ok:
                messages.success(
                    request,
                    _("Imported: %(created)d questions added, %(updated)d updated, %(categories)d new categories.")
                    % {"created": result.created, "updated": result.updated, "categories": result.categories_created},
                )
                return redirect("training:question_bank", slug=course.slug)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "training/exam_import.html",
        {"course": course, "form": form, "result": result, "columns": importers.COLUMNS},
        status=status,
    )


@require_GET
@requires(is_training_manager)
def question_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(importers.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="questions-template.csv"'
    return response


# --- Training managers: the exam -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@requires(is_training_manager)
def exam_settings(request: HttpRequest, slug: str) -> HttpResponse:
    course = _managed_course(slug)
    exam = _exam_of(course) or Exam(course=course)
    form = ExamSettingsForm(request.POST or None, instance=exam, course=course)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            exam = form.save(commit=False)
            exam.updated_at = timezone.now()
            exam.save()
            for category_id, count in form.draw_counts().items():
                ExamDrawRule.objects.update_or_create(exam=exam, category_id=category_id, defaults={"count": count})
        messages.success(request, _("Exam settings saved."))
        return redirect("training:exam_settings", slug=course.slug)
    status = 400 if request.method == "POST" else 200
    available = _active_counts(course)
    return render(
        request,
        "training/exam_settings.html",
        {
            "course": course,
            "exam": exam if exam.pk else None,
            "form": form,
            "draws": [(category, field, available.get(category.pk, 0)) for category, field in form.draw_fields()],
            "shortfalls": exam.shortfalls() if exam.pk else [],
        },
        status=status,
    )


def _active_counts(course: Course) -> dict[int, int]:
    counts: dict[int, int] = {}
    for category_id in Question.objects.active().filter(course=course).values_list("category_id", flat=True):
        counts[category_id] = counts.get(category_id, 0) + 1
    return counts


@require_POST
@requires(is_training_manager)
def publish_exam(request: HttpRequest, slug: str) -> HttpResponse:
    course = _managed_course(slug)
    exam = get_object_or_404(Exam, course=course)
    try:
        exam.publish(request.user)
    except TrainingError as refusal:
        messages.warning(request, _("The exam cannot be published: %(reason)s") % {"reason": refusal})
    else:
        messages.success(request, _("The exam is published: learners who meet its conditions can take it."))
    return redirect("training:exam_settings", slug=course.slug)


@require_POST
@requires(is_training_manager)
def unpublish_exam(request: HttpRequest, slug: str) -> HttpResponse:
    course = _managed_course(slug)
    exam = get_object_or_404(Exam, course=course)
    try:
        exam.unpublish(request.user)
    except TrainingError as refusal:
        messages.warning(request, str(refusal))
    else:
        messages.success(request, _("The exam is closed to new attempts; attempts under way can be finished."))
    return redirect("training:exam_settings", slug=course.slug)


@require_http_methods(["GET", "POST"])
@requires(is_training_manager)
def exam_overrides(request: HttpRequest, slug: str) -> HttpResponse:
    course = _managed_course(slug)
    exam = get_object_or_404(Exam, course=course)
    form = OverrideForm(request.POST or None, course=course)
    if request.method == "POST" and form.is_valid():
        ExamOverride.objects.update_or_create(
            exam=exam,
            user=form.cleaned_data["learner"],
            defaults={
                "extra_minutes": form.cleaned_data["extra_minutes"],
                "extra_attempts": form.cleaned_data["extra_attempts"],
                "reason": form.cleaned_data["reason"],
                "set_by": request.user,
                "updated_at": timezone.now(),
            },
        )
        messages.success(request, _("Override saved."))
        return redirect("training:exam_overrides", slug=course.slug)
    status = 400 if request.method == "POST" else 200
    overrides = exam.overrides.select_related("user", "set_by").order_by("user__last_name", "user__first_name", "pk")
    return render(
        request,
        "training/exam_overrides.html",
        {"course": course, "exam": exam, "form": form, "overrides": overrides},
        status=status,
    )


@require_GET
@requires(is_training_manager)
def item_analysis(request: HttpRequest, slug: str) -> HttpResponse:
    course = _managed_course(slug)
    exam = get_object_or_404(Exam, course=course)
    rows, sittings = exam.item_analysis()
    return render(
        request,
        "training/exam_analysis.html",
        {
            "course": course,
            "exam": exam,
            "rows": rows,
            "sittings": sittings,
            "bank_url": reverse("training:question_bank", args=[course.slug]),
        },
    )
