"""The editors' topic pages: their home, reviews due, usage, a new topic, its settings, a
draft and the review steps (send for review, return, approve). Editors only (403 for others)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cloudpeds.accounts.access import requires
from cloudpeds.core.text import render_markdown

from .. import view_counts
from ..forms.editing import (
    ApproveForm,
    ClassificationRowFormSet,
    NewTopicForm,
    NoteForm,
    ReturnForm,
    SectionFormSet,
    TopicSettingsForm,
    VersionForm,
)
from ..models import (
    Colour,
    HandbookError,
    SearchLog,
    Topic,
    TopicVersion,
    TopicViewDay,
    TriageRun,
    VersionStatus,
    is_editor,
)
from ..reading import ui_language
from .common import render_version, version_queryset

REVIEW_PAGE_SIZE = 50
USAGE_DAYS = 30
USAGE_TOP = 20


@requires(is_editor)
@require_GET
def editor_home(request: HttpRequest) -> HttpResponse:
    versions = TopicVersion.objects.select_related("topic", "author")
    return render(
        request,
        "handbook/editor.html",
        {
            "awaiting": versions.awaiting_review_by(request.user).order_by("submitted_at"),
            "mine": versions.filter(status=VersionStatus.DRAFT, author=request.user).order_by("-created_at"),
            "others": versions.filter(status=VersionStatus.DRAFT).exclude(author=request.user).order_by("-created_at"),
            "due_count": Topic.objects.due_for_review().count(),
        },
    )


@requires(is_editor)
@require_GET
def review_due(request: HttpRequest) -> HttpResponse:
    """Published topics past their next review date, most overdue first."""
    topics = Topic.objects.due_for_review().with_current().order_by("current_version__next_review_date", "slug")
    page = Paginator(topics, REVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "handbook/review_due.html", {"page": page, "today": timezone.localdate()})


@requires(is_editor)
@require_GET
def usage(request: HttpRequest) -> HttpResponse:
    """What is read, what is searched for in vain, and what the triage pathways classified."""
    since = timezone.localdate() - timedelta(days=USAGE_DAYS - 1)
    # This process's readings not written yet (the others' follow within seconds).
    view_counts.flush()
    views = list(TopicViewDay.objects.since(since).totals_by_topic()[:USAGE_TOP])
    titles = dict(
        Topic.objects.filter(pk__in=[row["topic_id"] for row in views])
        .select_related("current_version")
        .values_list("pk", "current_version__title_" + ui_language())
    )
    for row in views:
        row["title"] = titles.get(row["topic_id"]) or row["topic__slug"]
    most = views[0]["total"] if views else 0
    gaps = list(SearchLog.objects.gaps(since=timezone.now() - timedelta(days=USAGE_DAYS))[:USAGE_TOP])
    triage = list(
        TriageRun.objects.filter(created_at__date__gte=since)
        .values("classification_colour")
        .annotate(total=Count("pk"))
        .order_by("-total")
    )
    labels = dict(Colour.choices)
    for row in triage:
        row["label"] = labels.get(row["classification_colour"], row["classification_colour"])
    return render(
        request,
        "handbook/usage.html",
        {"views": views, "most": most, "gaps": gaps, "triage": triage, "days": USAGE_DAYS},
    )


@requires(is_editor)
@require_http_methods(["GET", "POST"])
def new_topic(request: HttpRequest) -> HttpResponse:
    form = NewTopicForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        version = Topic.create_with_draft(
            request.user,
            slug=data["slug"],
            symptom=data["symptom"],
            age_bands=data["age_bands"],
            order=data["order"],
            title_zh=data["title_zh"],
            title_en=data["title_en"],
        )
        return redirect("handbook:edit_version", slug=version.topic.slug, number=version.number)
    return render(request, "handbook/new_topic.html", {"form": form})


@requires(is_editor)
@require_http_methods(["GET", "POST"])
def topic_settings(request: HttpRequest, slug: str) -> HttpResponse:
    found = get_object_or_404(Topic, slug=slug)
    form = TopicSettingsForm(request.POST or None, instance=found)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Topic settings saved."))
        return redirect(_topic_home(found))
    return render(request, "handbook/topic_settings.html", {"form": form, "topic": found})


def _topic_home(found: Topic) -> str:
    latest = found.current_version or found.latest_version()
    return latest.get_absolute_url() if latest else found.get_absolute_url()


@requires(is_editor)
@require_POST
def start_draft(request: HttpRequest, slug: str) -> HttpResponse:
    found = get_object_or_404(Topic, slug=slug)
    try:
        draft = found.start_draft(request.user)
    except HandbookError as error:
        messages.error(request, str(error))
        return redirect(_topic_home(found))
    if draft.author_id != request.user.pk:
        messages.info(request, _("Another version of this topic is already being written."))
        return redirect(draft.get_absolute_url())
    return redirect("handbook:edit_version", slug=slug, number=draft.number)


@requires(is_editor)
@require_http_methods(["GET", "POST"])
def edit_version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    version = get_object_or_404(TopicVersion.objects.select_related("topic"), topic__slug=slug, number=number)
    if not version.can_edit(request.user):
        raise PermissionDenied
    data, files = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    form = VersionForm(data, files, instance=version)
    sections = SectionFormSet(data, instance=version, prefix="sections", queryset=version.sections.order_by("position"))
    rows = ClassificationRowFormSet(data, instance=version, prefix="rows")
    if request.method == "POST" and form.is_valid() and sections.is_valid() and rows.is_valid():
        with transaction.atomic():
            # Under the row lock: the draft may have been sent for review in another tab.
            locked = TopicVersion.objects.select_for_update().get(pk=version.pk)
            if not locked.can_edit(request.user):
                raise PermissionDenied
            form.save()
            sections.save()
            rows.save()
        if "submit" in request.POST:
            # One button saves and sends for review (issue 12): a refusal (a failing check)
            # keeps the saved draft and says why.
            try:
                version.submit(request.user, form.cleaned_data.get("change_note", ""))
            except HandbookError as error:
                messages.warning(request, _("Draft saved, but not sent for review: %(why)s") % {"why": error})
                return redirect("handbook:edit_version", slug=slug, number=number)
            messages.success(request, _("Draft saved and sent for review. Another editor must approve it."))
            return redirect(version.get_absolute_url())
        messages.success(request, _("Draft saved."))
        return redirect("handbook:edit_version", slug=slug, number=number)
    return render(
        request,
        "handbook/edit_version.html",
        {"version": version, "topic": version.topic, "form": form, "sections": sections, "rows": rows},
    )


def _transition(
    request: HttpRequest, slug: str, number: int, action: Callable[[TopicVersion], None], done: str = ""
) -> HttpResponse:
    version = get_object_or_404(TopicVersion.objects.select_related("topic"), topic__slug=slug, number=number)
    try:
        action(version)
    except HandbookError as error:
        messages.error(request, str(error))
    else:
        if done:
            messages.success(request, done)
    return redirect(version.get_absolute_url())


@requires(is_editor)
@require_POST
def submit_version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    return _transition(
        request,
        slug,
        number,
        lambda version: version.submit(request.user, note),
        _("Sent for review. Another editor must approve it."),
    )


@requires(is_editor)
@require_POST
def return_version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what should change."))
        version = get_object_or_404(TopicVersion.objects.select_related("topic"), topic__slug=slug, number=number)
        return redirect(version.get_absolute_url())
    return _transition(
        request,
        slug,
        number,
        lambda version: version.return_to_draft(request.user, form.cleaned_data["note"]),
    )


@requires(is_editor)
@require_POST
def approve_version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    version = get_object_or_404(version_queryset(), topic__slug=slug, number=number)
    form = ApproveForm(request.POST)
    if not form.is_valid():
        return render_version(request, version, approve_form=form)
    try:
        version.approve(
            request.user,
            effective_date=form.cleaned_data["effective_date"],
            next_review_date=form.cleaned_data["next_review_date"],
            note=form.cleaned_data["note"],
        )
    except HandbookError as error:
        messages.error(request, str(error))
        return redirect(version.get_absolute_url())
    messages.success(request, _("Version %(number)s is published.") % {"number": version.number})
    return redirect(version.topic.get_absolute_url())


@requires(is_editor)
@require_POST
def preview_markdown(request: HttpRequest) -> HttpResponse:
    """The Markdown of one textarea rendered as readers will see it, through the one sanitiser
    (cloudpeds.core.text.render_markdown); the edit page asks for it with htmx."""
    # The page sends the textarea as it is named in the form and says which one it is.
    field = request.POST.get("field", "")
    text = request.POST.get(field, "") if field.endswith(PREVIEWED_FIELDS) else ""
    text = text[:PREVIEW_LIMIT]
    return render(request, "handbook/_preview.html", {"html": render_markdown(text)})


# A section is far shorter; a longer text is cut rather than rendered at length.
PREVIEW_LIMIT = 100_000
PREVIEWED_FIELDS = ("body_zh", "body_en", "summary_zh", "summary_en")
