"""Course pages: the learner's side (my courses, a course, a lesson, its video and progress
beats) and the training managers' side (courses, modules, lessons, enrolment, progress).

Courses load through `Course.objects.visible_to` (drafts are the managers' only), lessons
through `Lesson.objects.visible_to` (the learner's enrolled courses) and enrolments through
`Enrolment.objects.visible_to` (one's own), so anything else is a 404. Manager pages refuse
other people with a 403 before any lookup (`@requires(is_training_manager)`). Behaviour is
on the models.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from cloudpeds.accounts.access import requires
from cloudpeds.core.exports import csv_response
from cloudpeds.core.ranges import ranged_file_response

from ..forms.courses import (
    CohortForm,
    CourseForm,
    DueDateForm,
    EnrolPersonForm,
    LessonForm,
    ModuleForm,
    ProgressFilterForm,
)
from ..models import Course, Enrolment, Lesson, LessonProgress, Module, TrainingError, is_learner, is_training_manager
from ..models.courses import HEARTBEAT_MAX_INTERVALS

PROGRESS_PAGE_SIZE = 50
# Learners per page of the progress report: smaller pages render faster (issue 17).
LEARNERS_PAGE_SIZE = 25
HEARTBEAT_SECONDS = 10
HEARTBEAT_MAX_BYTES = 16 * 1024


def _course(request: HttpRequest, slug: str) -> Course:
    return get_object_or_404(Course.objects.visible_to(request.user), slug=slug)


def _lesson(request: HttpRequest, public_id: UUID) -> Lesson:
    lessons = Lesson.objects.visible_to(request.user).select_related("module__course").distinct()
    return get_object_or_404(lessons, public_id=public_id)


def _own_enrolment(request: HttpRequest, course: Course) -> Enrolment | None:
    return Enrolment.objects.filter(course=course, user=request.user).with_progress().first()


# --- Learners ------------------------------------------------------------------------------------


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """My courses with progress bars, the courses open for self-enrolment, my certificates."""
    enrolments = (
        Enrolment.objects.filter(user=request.user)
        .with_progress()
        .select_related("course")
        .order_by("completed_at", "due_date", "-created_at")
    )
    open_courses = Course.objects.open_to(request.user).order_by("title_zh") if is_learner(request.user) else []
    return render(
        request,
        "training/index.html",
        {
            "enrolments": enrolments,
            "open_courses": open_courses,
            "is_manager": is_training_manager(request.user),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_GET
def course(request: HttpRequest, slug: str) -> HttpResponse:
    course = _course(request, slug)
    enrolment = _own_enrolment(request, course)
    done: set[int] = set()
    if enrolment is not None:
        done = set(enrolment.lesson_progress.filter(completed_at__isnull=False).values_list("lesson_id", flat=True))
    modules = course.modules.prefetch_related(Prefetch("lessons", queryset=Lesson.objects.order_by("order", "pk")))
    return render(
        request,
        "training/course.html",
        {
            "course": course,
            "modules": modules,
            "enrolment": enrolment,
            "done": done,
            "can_enrol_self": enrolment is None and course.can_enrol_self(request.user),
            "is_manager": is_training_manager(request.user),
        },
    )


@login_required
@require_POST
def enrol_self(request: HttpRequest, slug: str) -> HttpResponse:
    course = _course(request, slug)
    try:
        course.enrol_self(request.user)
    except TrainingError as refusal:
        messages.warning(request, str(refusal))
    else:
        messages.success(request, _("You are enrolled. Start with the first lesson."))
    return redirect(course.get_absolute_url())


@login_required
@require_GET
def enrolment(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """One learner's progress in one course, lesson by lesson (the learner, or a manager)."""
    enrolments = Enrolment.objects.visible_to(request.user).with_progress().select_related("course", "user__hospital")
    enrolment = get_object_or_404(enrolments, public_id=public_id)
    progress = {row.lesson_id: row for row in enrolment.lesson_progress.all()}
    lessons = []
    for lesson in enrolment.course.lessons().select_related("module"):
        row = progress.get(lesson.pk)
        if row is not None:
            row.lesson = lesson
        lessons.append((lesson, row))
    return render(
        request,
        "training/enrolment.html",
        {"enrolment": enrolment, "lessons": lessons, "is_manager": is_training_manager(request.user)},
    )


@login_required
@require_GET
def lesson(request: HttpRequest, public_id: UUID) -> HttpResponse:
    lesson = _lesson(request, public_id)
    course = lesson.module.course
    enrolment = Enrolment.objects.filter(course=course, user=request.user).first()
    progress: LessonProgress | None = None
    if enrolment is not None:
        progress = enrolment.progress_for(lesson)
        progress.open()
    previous, following = lesson.neighbours()
    topic_version = lesson.handbook_topic_version
    player = {
        "heartbeatUrl": reverse("training:heartbeat", args=[lesson.public_id]) if progress else "",
        "intervalSeconds": HEARTBEAT_SECONDS,
        "duration": lesson.video_duration_seconds,
        "maxIntervals": HEARTBEAT_MAX_INTERVALS,
    }
    return render(
        request,
        "training/lesson.html",
        {
            "lesson": lesson,
            "course": course,
            "enrolment": enrolment,
            "progress": progress,
            "reading_seconds_left": progress.reading_seconds_left() if progress else 0,
            "topic_version": topic_version if topic_version and topic_version.is_readable else None,
            "topic_slug": topic_version.topic.slug if topic_version else "",
            "previous": previous,
            "following": following,
            "player": player,
        },
    )


@login_required
@require_POST
def record_heartbeat(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The video player's beat: {"intervals": [[start, end], …]} played since the last beat."""
    lesson = _lesson(request, public_id)
    enrolment = get_object_or_404(Enrolment, course_id=lesson.module.course_id, user=request.user)
    if not lesson.has_video:
        raise Http404
    if len(request.body) > HEARTBEAT_MAX_BYTES:
        return HttpResponseBadRequest("too large")
    try:
        payload = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return HttpResponseBadRequest("invalid JSON")
    if not isinstance(payload, dict):
        return HttpResponseBadRequest("invalid JSON")
    progress = enrolment.progress_for(lesson)
    progress.record_play(payload.get("intervals", []))
    return JsonResponse(
        {
            "coveragePercent": progress.coverage_percent,
            "complete": progress.video_completed_at is not None,
            "lessonComplete": progress.is_complete,
        }
    )


@login_required
@require_POST
def confirm_reading(request: HttpRequest, public_id: UUID) -> HttpResponse:
    lesson = _lesson(request, public_id)
    enrolment = get_object_or_404(Enrolment, course_id=lesson.module.course_id, user=request.user)
    try:
        enrolment.progress_for(lesson).confirm_reading()
    except TrainingError as refusal:
        messages.warning(request, str(refusal))
    else:
        messages.success(request, _("Reading marked as done."))
    return redirect(lesson.get_absolute_url())


@login_required
@require_safe
def lesson_video(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The lecture video, seekable: answers Range requests with 206 (enrolled learners, managers)."""
    lesson = _lesson(request, public_id)
    if not lesson.has_video or not lesson.video:
        raise Http404
    try:
        response = ranged_file_response(request, lesson.video, lesson.video_content_type or "video/mp4")
    except FileNotFoundError:
        raise Http404 from None
    patch_cache_control(response, private=True)
    return response


# --- Training managers: courses, modules, lessons ----------------------------------------------


@require_GET
@requires(is_training_manager)
def manage_courses(request: HttpRequest) -> HttpResponse:
    courses = Course.objects.with_lesson_count().with_enrolment_counts().order_by("status", "-created_at")
    page = Paginator(courses, PROGRESS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "training/manage/courses.html", {"page": page})


@require_http_methods(["GET", "POST"])
@requires(is_training_manager)
def create_course(request: HttpRequest) -> HttpResponse:
    form = CourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.instance.created_by = request.user
        course = form.save()
        messages.success(request, _("Course created. Add modules and lessons, then publish it."))
        return redirect("training:manage_course", course.slug)
    return render(request, "training/manage/course_form.html", {"form": form, "course": None})


@require_GET
@requires(is_training_manager)
def manage_course(request: HttpRequest, slug: str) -> HttpResponse:
    course = _course(request, slug)
    modules = course.modules.prefetch_related(
        Prefetch("lessons", queryset=Lesson.objects.select_related("handbook_topic_version__topic"))
    )
    return render(
        request,
        "training/manage/course.html",
        {
            "course": course,
            "modules": modules,
            "events": course.events.select_related("actor").order_by("-at")[:20],
            "enrolment_count": course.enrolments.count(),
        },
    )


@require_http_methods(["GET", "POST"])
@requires(is_training_manager)
def edit_course(request: HttpRequest, slug: str) -> HttpResponse:
    course = _course(request, slug)
    form = CourseForm(request.POST or None, instance=course)
    if request.method == "POST" and form.is_valid():
        course = form.save()
        messages.success(request, _("Course saved."))
        return redirect("training:manage_course", course.slug)
    return render(request, "training/manage/course_form.html", {"form": form, "course": course})


def _change_course(request: HttpRequest, slug: str, transition: str, done: str) -> HttpResponse:
    """Publish or unpublish: the model's transition, its refusal or `done` as the message."""
    course = _course(request, slug)
    try:
        getattr(course, transition)(request.user)
    except TrainingError as refusal:
        messages.warning(request, str(refusal))
    else:
        messages.success(request, done)
    return redirect("training:manage_course", course.slug)


@require_POST
@requires(is_training_manager)
def publish_course(request: HttpRequest, slug: str) -> HttpResponse:
    return _change_course(request, slug, "publish", _("The course is published."))


@require_POST
@requires(is_training_manager)
def unpublish_course(request: HttpRequest, slug: str) -> HttpResponse:
    return _change_course(request, slug, "unpublish", _("The course is back in draft."))


@require_http_methods(["GET", "POST"])
@requires(is_training_manager)
def add_module(request: HttpRequest, slug: str) -> HttpResponse:
    course = _course(request, slug)
    form = ModuleForm(request.POST or None, initial={"order": course.modules.count() + 1})
    if request.method == "POST" and form.is_valid():
        form.instance.course = course
        form.save()
        messages.success(request, _("Module added."))
        return redirect("training:manage_course", course.slug)
    return render(request, "training/manage/module_form.html", {"form": form, "course": course, "module": None})


@require_http_methods(["GET", "POST"])
@requires(is_training_manager)
def edit_module(request: HttpRequest, public_id: UUID) -> HttpResponse:
    module = get_object_or_404(Module.objects.select_related("course"), public_id=public_id)
    form = ModuleForm(request.POST or None, instance=module)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Module saved."))
        return redirect("training:manage_course", module.course.slug)
    return render(
        request, "training/manage/module_form.html", {"form": form, "course": module.course, "module": module}
    )


@require_http_methods(["GET", "POST"])
@requires(is_training_manager)
def add_lesson(request: HttpRequest, public_id: UUID) -> HttpResponse:
    module = get_object_or_404(Module.objects.select_related("course"), public_id=public_id)
    form = LessonForm(request.POST or None, request.FILES or None, initial={"order": module.lessons.count() + 1})
    if request.method == "POST" and form.is_valid():
        form.instance.module = module
        form.save()
        messages.success(request, _("Lesson added."))
        return redirect("training:manage_course", module.course.slug)
    return render(
        request,
        "training/manage/lesson_form.html",
        {"form": form, "module": module, "course": module.course, "lesson": None},
    )


@require_http_methods(["GET", "POST"])
@requires(is_training_manager)
def edit_lesson(request: HttpRequest, public_id: UUID) -> HttpResponse:
    lesson = get_object_or_404(Lesson.objects.select_related("module__course"), public_id=public_id)
    form = LessonForm(request.POST or None, request.FILES or None, instance=lesson)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Lesson saved."))
        return redirect("training:manage_course", lesson.module.course.slug)
    return render(
        request,
        "training/manage/lesson_form.html",
        {"form": form, "module": lesson.module, "course": lesson.module.course, "lesson": lesson},
    )


# --- Training managers: enrolment --------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@requires(is_training_manager)
def enrol_person(request: HttpRequest, slug: str) -> HttpResponse:
    course = _course(request, slug)
    form = EnrolPersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _enrolments, created = course.enrol(
                [form.cleaned_data["username"]], by=request.user, due_date=form.cleaned_data["due_date"]
            )
        except TrainingError as refusal:
            messages.warning(request, str(refusal))
        else:
            if created:
                messages.success(request, _("Enrolled."))
            else:
                messages.info(request, _("This person was already enrolled; nothing changed."))
            return redirect("training:course_progress", course.slug)
    return render(request, "training/manage/enrol_person.html", {"form": form, "course": course})


@require_http_methods(["GET", "POST"])
@requires(is_training_manager)
def enrol_cohort(request: HttpRequest, slug: str) -> HttpResponse:
    course = _course(request, slug)
    form = CohortForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            enrolments, created = course.enrol_cohort(
                by=request.user,
                hospital=data["hospital"],
                role=data["role"] or None,
                title=data["title"],
                due_date=data["due_date"],
            )
        except TrainingError as refusal:
            messages.warning(request, str(refusal))
        else:
            messages.success(
                request,
                _("%(matching)s people match; %(created)s newly enrolled, the others already were.")
                % {"matching": len(enrolments), "created": created},
            )
            return redirect("training:course_progress", course.slug)
    return render(request, "training/manage/enrol_cohort.html", {"form": form, "course": course})


@require_POST
@requires(is_training_manager)
def set_due_date(request: HttpRequest, public_id: UUID) -> HttpResponse:
    enrolment = get_object_or_404(Enrolment.objects.select_related("course"), public_id=public_id)
    form = DueDateForm(request.POST)
    if form.is_valid():
        with transaction.atomic():
            enrolment.set_due_date(request.user, form.cleaned_data["due_date"])
        messages.success(request, _("Due date saved."))
    else:
        messages.warning(request, _("Give a valid date."))
    return redirect("training:course_progress", enrolment.course.slug)


# --- Training managers: progress ---------------------------------------------------------------


_PLACEHOLDER_ID = str(UUID(int=0))


def _url_with_id(name: str) -> str:
    """The URL `name` with a placeholder public id, to be replaced by each row's."""
    return reverse(name, args=[_PLACEHOLDER_ID])


def _filtered_enrolments(request: HttpRequest, course: Course) -> tuple[Any, ProgressFilterForm]:
    filters = ProgressFilterForm(request.GET or None)
    enrolments = Enrolment.objects.filter(course=course)
    if filters.is_valid():
        if filters.cleaned_data["hospital"]:
            enrolments = enrolments.filter(user__hospital=filters.cleaned_data["hospital"])
        if filters.cleaned_data["title"]:
            enrolments = enrolments.filter(user__title=filters.cleaned_data["title"])
    return enrolments, filters


@require_GET
@requires(is_training_manager)
def course_progress(request: HttpRequest, slug: str) -> HttpResponse:
    """Progress per learner (paginated), per hospital and per cohort (hospital × title).

    A fixed number of queries whatever the number of learners: counts are annotations.
    """
    course = _course(request, slug)
    enrolments, filters = _filtered_enrolments(request, course)
    # The course's lesson count once, not a subquery per learner; both summaries in one query.
    lessons_total = Lesson.objects.filter(module__course=course).count()
    by_hospital, by_cohort = enrolments.progress_by_hospital_and_cohort(lessons_total)
    learners = (
        enrolments.with_progress(lessons_total)
        .select_related("user__hospital")
        .order_by("user__hospital__code", "user__last_name", "user__first_name", "pk")
    )
    paginator = Paginator(learners, LEARNERS_PAGE_SIZE)
    # The summary has counted these learners already (same filters): no COUNT query for the pager.
    paginator.count = sum(row["learners"] for row in by_hospital)
    page = paginator.get_page(request.GET.get("page"))
    # Two links per row: each URL reversed once and filled in per learner (reverse() is ~30 µs).
    enrolment_url = _url_with_id("training:enrolment")
    due_date_url = _url_with_id("training:set_due_date")
    for enrolment in page:
        public_id = str(enrolment.public_id)
        enrolment.url = enrolment_url.replace(_PLACEHOLDER_ID, public_id)
        enrolment.due_date_url = due_date_url.replace(_PLACEHOLDER_ID, public_id)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "training/manage/progress.html",
        {
            "course": course,
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
            "by_hospital": by_hospital,
            "by_cohort": by_cohort,
            "due_date_form": DueDateForm(),
            "today": timezone.localdate(),
        },
    )


@require_GET
@requires(is_training_manager)
def export_progress(request: HttpRequest, slug: str) -> HttpResponse:
    """CSV (UTF-8 with BOM, so Excel reads Chinese): ?by=learner (default), hospital or cohort."""
    course = _course(request, slug)
    enrolments, _filters = _filtered_enrolments(request, course)
    by = request.GET.get("by", "learner")
    lessons_total = Lesson.objects.filter(module__course=course).count()
    if by == "hospital":
        header = [_("Hospital"), _("Learners"), _("Completed"), _("Average progress (%)")]
        rows: Any = (
            [row["hospital_name"], row["learners"], row["completed"], row["percent"]]
            for row in enrolments.progress_summary("hospital", lessons_total=lessons_total)
        )
    elif by == "cohort":
        header = [_("Hospital"), _("Professional title"), _("Learners"), _("Completed"), _("Average progress (%)")]
        rows = (
            [row["hospital_name"], row["title"], row["learners"], row["completed"], row["percent"]]
            for row in enrolments.progress_summary("hospital", "title", lessons_total=lessons_total)
        )
    else:
        by = "learner"
        header = [
            _("Username"),
            _("Name"),
            _("Hospital"),
            _("Professional title"),
            _("Lessons done"),
            _("Lessons"),
            _("Progress (%)"),
            _("Due date"),
            _("Completed at"),
        ]
        learners = (
            enrolments.with_progress(lessons_total)
            .select_related("user__hospital")
            .order_by("user__hospital__code", "pk")
        )
        rows = (
            [
                e.user.username,
                e.user.display_name,
                e.user.hospital.name if e.user.hospital else "",
                e.user.title,
                e.lessons_done,
                e.lessons_total,
                e.progress_percent,
                e.due_date.isoformat() if e.due_date else "",
                timezone.localtime(e.completed_at).strftime("%Y-%m-%d %H:%M") if e.completed_at else "",
            ]
            for e in learners.iterator(chunk_size=500)
        )
    return csv_response(f"{course.slug}-progress-{by}", header, rows)
