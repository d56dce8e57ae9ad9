"""The handbook's reading, search, PDF and authoring pages (triage lives in views_triage.py).

Everyone signed in reads published and superseded versions; handbook editors also see
work in progress and the editor pages (others get a 403 there). Transitions are model
methods on TopicVersion; the views load, validate a form, call one, redirect.
"""

from __future__ import annotations

from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cloudpeds.core.ranges import ranged_file_response

from . import models as handbook_models
from .diff import compare
from .forms import (
    ApproveForm,
    ClassificationRowFormSet,
    NewTopicForm,
    NoteForm,
    ReturnForm,
    SearchForm,
    SectionFormSet,
    TopicFilterForm,
    TopicSettingsForm,
    VersionForm,
)
from .models import (
    Colour,
    HandbookEdition,
    SearchDocument,
    SearchLog,
    Symptom,
    Topic,
    TopicVersion,
    TopicViewDay,
    VersionStatus,
)
from .models.topics import HandbookError, is_editor
from .reading import build_page, reading_languages, ui_language
from .search import best_snippet, query_words

INDEX_PAGE_SIZE = 50
SEARCH_PAGE_SIZE = 20
REVIEW_PAGE_SIZE = 50
USAGE_DAYS = 30
USAGE_TOP = 20


def editor_required(view):
    """Signed in (else the login page) and a handbook editor (else 403)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not is_editor(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


# --- Reading ---------------------------------------------------------------------------------


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Published topics by symptom (in the handbook's order), filtered by symptom and age band."""
    filters = TopicFilterForm(request.GET)
    chosen = filters.cleaned_data if filters.is_valid() else {"age": "", "symptom": ""}
    topics = Topic.objects.published()
    if chosen["age"]:
        topics = topics.for_age_band(chosen["age"])
    # Counts per symptom for the chosen age band, before narrowing to one symptom.
    counts = dict(topics.values_list("symptom").annotate(n=Count("pk")).order_by())
    if chosen["symptom"]:
        topics = topics.for_symptom(chosen["symptom"])
    page = Paginator(topics.with_current().in_reading_order(), INDEX_PAGE_SIZE).get_page(request.GET.get("page"))
    symptoms = [(value, label, counts.get(value, 0)) for value, label in Symptom.choices]
    return render(
        request,
        "handbook/index.html",
        {
            "page": page,
            "filters": filters,
            "chosen": chosen,
            "symptoms": symptoms,
            "is_editor": is_editor(request.user),
        },
    )


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    words = query_words(query)
    paginator = Paginator(SearchDocument.objects.matching(words), SEARCH_PAGE_SIZE)
    broadened = False
    if not paginator.count and len(words) > 1:
        # No topic has every word: show those with any of them, and say so.
        paginator = Paginator(SearchDocument.objects.matching(words, any_word=True), SEARCH_PAGE_SIZE)
        broadened = paginator.count > 0
    page = paginator.get_page(request.GET.get("page"))
    count = paginator.count
    if query and request.GET.get("page", "1") == "1":
        # Once per search, not again for each further page of its results.
        SearchLog.objects.create(query=query, user=request.user, result_count=count, language=get_language() or "")
    prefer = ui_language()
    hits = [
        (document, *best_snippet({lang: document.localized("text", lang) for lang in ("zh", "en")}, words, prefer))
        for document in page
    ]
    return render(
        request,
        "handbook/search.html",
        {"form": form, "query": query, "page": page, "hits": hits, "count": count, "broadened": broadened},
    )


def _version_queryset():
    return TopicVersion.objects.select_related("topic", "author", "approved_by").prefetch_related(
        "sections", "classification_rows"
    )


def _render_version(request: HttpRequest, version: TopicVersion, **extra) -> HttpResponse:
    langs = reading_languages(request.GET.get("lang"))
    readable_numbers = list(
        version.topic.versions.readable().order_by("-number").values_list("number", "status", "effective_date")
    )
    user = request.user
    context = {
        "version": version,
        "topic": version.topic,
        "page": build_page(version, langs),
        "versions": readable_numbers,
        "previous": version.previous_readable(),
        "events": version.events.select_related("actor"),
        "is_editor": is_editor(user),
        "can_edit": version.can_edit(user),
        "can_submit": version.can_submit(user),
        "can_approve": version.can_approve(user),
        "can_return": version.can_return(user),
        "open_version": version.topic.open_version() if is_editor(user) else None,
        "approve_form": ApproveForm(),
        "return_form": ReturnForm(),
        "submit_form": NoteForm(),
        **extra,
    }
    return render(request, "handbook/topic.html", context)


@login_required
@require_GET
def topic(request: HttpRequest, slug: str) -> HttpResponse:
    """The topic as published now."""
    found = get_object_or_404(Topic.objects.published(), slug=slug)
    version = get_object_or_404(_version_queryset(), pk=found.current_version_id)
    found.record_view()
    return _render_version(request, version)


def _visible_version(request: HttpRequest, slug: str, number: int) -> TopicVersion:
    return get_object_or_404(_version_queryset().visible_to(request.user), topic__slug=slug, number=number)


@login_required
@require_GET
def version_detail(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """One version: superseded ones stay readable; drafts and versions in review for editors."""
    return _render_version(request, _visible_version(request, slug, number))


@login_required
@require_GET
def version_video(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    version = _visible_version(request, slug, number)
    if not version.video:
        raise Http404
    return ranged_file_response(request, version.video, version.video_content_type or "video/mp4")


@login_required
@require_GET
def changes(request: HttpRequest, slug: str) -> HttpResponse:
    """What changed between two versions (by default the current one and the one before)."""
    found = get_object_or_404(Topic.objects.all(), slug=slug)
    versions = _version_queryset().visible_to(request.user).filter(topic=found)
    numbers = list(versions.order_by("-number").values_list("number", flat=True))
    if len(numbers) < 2:
        raise Http404
    try:
        new_number = int(
            request.GET.get("new") or (found.current_version.number if found.current_version else numbers[0])
        )
        old_number = int(request.GET.get("old") or next(n for n in numbers if n < new_number))
    except (ValueError, StopIteration):
        raise Http404 from None
    old = get_object_or_404(versions, number=old_number)
    new = get_object_or_404(versions, number=new_number)
    parts = compare(old, new)
    return render(
        request,
        "handbook/changes.html",
        {"topic": found, "old": old, "new": new, "parts": parts, "numbers": numbers},
    )


# --- PDF -------------------------------------------------------------------------------------


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _version_pdf(request: HttpRequest, version: TopicVersion) -> HttpResponse:
    from .printing import render_topic_pdf

    # A single topic is a few pages: rendered in the request (the whole handbook is a task).
    pdf = render_topic_pdf(version, reading_languages(request.GET.get("lang")))
    return _pdf_response(pdf, f"{version.topic.slug}-v{version.number}.pdf")


@login_required
@require_GET
def topic_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    found = get_object_or_404(Topic.objects.published(), slug=slug)
    return _version_pdf(request, get_object_or_404(_version_queryset(), pk=found.current_version_id))


@login_required
@require_GET
def version_pdf(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    return _version_pdf(request, _visible_version(request, slug, number))


@login_required
@require_http_methods(["GET", "POST"])
def handbook_pdf(request: HttpRequest) -> HttpResponse:
    """The whole handbook as one PDF, made by a worker per edition (set of published versions)."""
    if request.method == "POST":
        HandbookEdition.request(request.user)
        if not request.htmx:
            return redirect("handbook:handbook_pdf")
    edition = HandbookEdition.objects.current()
    template = "handbook/handbook_pdf.html#status" if request.htmx else "handbook/handbook_pdf.html"
    return render(request, template, {"edition": edition})


@login_required
@require_GET
def handbook_pdf_download(request: HttpRequest, edition_id: int) -> FileResponse:
    edition = get_object_or_404(HandbookEdition, pk=edition_id)
    if not edition.is_ready:
        raise Http404
    return FileResponse(
        edition.file.storage.open(edition.file.name, "rb"),
        content_type="application/pdf",
        filename=f"handbook-{edition.generated_at:%Y%m%d}.pdf",
    )


# --- Authoring -------------------------------------------------------------------------------


@editor_required
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


@editor_required
@require_GET
def review_due(request: HttpRequest) -> HttpResponse:
    """Published topics past their next review date, most overdue first."""
    topics = Topic.objects.due_for_review().with_current().order_by("current_version__next_review_date", "slug")
    page = Paginator(topics, REVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "handbook/review_due.html", {"page": page, "today": timezone.localdate()})


@editor_required
@require_GET
def usage(request: HttpRequest) -> HttpResponse:
    since = timezone.localdate() - timedelta(days=USAGE_DAYS - 1)
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
    triage = None
    # The triage pathways (another part of the handbook) record runs with a colour; show
    # their totals once that model exists.
    triage_model = getattr(handbook_models, "TriageRun", None)
    if triage_model is not None:
        triage = list(
            triage_model.objects.filter(created_at__date__gte=since)
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


@editor_required
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


@editor_required
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


@editor_required
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


@editor_required
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
        messages.success(request, _("Draft saved."))
        if "submit" in request.POST:
            return redirect(version.get_absolute_url() + "#review")
        return redirect("handbook:edit_version", slug=slug, number=number)
    return render(
        request,
        "handbook/edit_version.html",
        {"version": version, "topic": version.topic, "form": form, "sections": sections, "rows": rows},
    )


def _transition(request: HttpRequest, slug: str, number: int, action) -> HttpResponse:
    version = get_object_or_404(TopicVersion.objects.select_related("topic"), topic__slug=slug, number=number)
    try:
        action(version)
    except HandbookError as error:
        messages.error(request, str(error))
    return redirect(version.get_absolute_url())


@editor_required
@require_POST
def submit_version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    return _transition(request, slug, number, lambda version: _submit(request, version, note))


def _submit(request: HttpRequest, version: TopicVersion, note: str) -> None:
    version.submit(request.user, note)
    messages.success(request, _("Sent for review. Another editor must approve it."))


@editor_required
@require_POST
def return_version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what should change."))
        version = get_object_or_404(TopicVersion.objects.select_related("topic"), topic__slug=slug, number=number)
        return redirect(version.get_absolute_url())
    return _transition(
        request, slug, number, lambda version: version.return_to_draft(request.user, form.cleaned_data["note"])
    )


@editor_required
@require_POST
def approve_version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    version = get_object_or_404(_version_queryset(), topic__slug=slug, number=number)
    form = ApproveForm(request.POST)
    if not form.is_valid():
        return _render_version(request, version, approve_form=form)
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
