"""Reading: the topics by symptom, search, a topic and its versions, the video, what changed."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from cloudpeds.core.identifiers import redact_identifiers
from cloudpeds.core.ranges import ranged_file_response

from ..diff import compare
from ..forms.reading import SearchForm, TopicFilterForm
from ..models import Drug, SearchDocument, SearchLog, Symptom, Topic, is_editor
from ..reading import ui_language
from ..search import best_snippet, expanded_words, query_words
from .common import render_version, version_queryset, visible_version

INDEX_PAGE_SIZE = 50


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
    # No topic with every word: those with any of them, and the page says so (broadened).
    results = SearchDocument.objects.search(words, request.GET.get("page"))
    page, count = results.page, results.count
    if query and request.GET.get("page", "1") == "1":
        # Once per search, not again for each further page of its results; without the
        # child's name, record number or phone number a doctor may have typed (PIPL).
        SearchLog.objects.create(
            query=redact_identifiers(query)[:200], user=request.user, result_count=count, language=get_language() or ""
        )
    prefer = ui_language()
    # Synonyms are highlighted too: they are why the topic was found.
    marked = [variant for variants in expanded_words(words) for variant in variants]
    # A drug's name (generic or brand, through the synonyms) leads to its dose calculators.
    lowered = {variant.lower() for variant in marked}
    drugs = (
        [
            (drug, [topic for topic in drug.topics.all() if topic.current_version_id])
            for drug in Drug.objects.prefetch_related("topics")
            if drug.name_zh.lower() in lowered or drug.name_en.lower() in lowered
        ]
        if marked
        else []
    )
    hits = [
        (document, *best_snippet({lang: document.localized("text", lang) for lang in ("zh", "en")}, marked, prefer))
        for document in page
    ]
    return render(
        request,
        "handbook/search.html",
        {
            "form": form,
            "query": query,
            "page": page,
            "hits": hits,
            "count": count,
            "broadened": results.broadened,
            "drugs": drugs,
        },
    )


@login_required
@require_GET
def topic(request: HttpRequest, slug: str) -> HttpResponse:
    """The topic as published now."""
    found = get_object_or_404(Topic.objects.published(), slug=slug)
    # The published version's page is cached (reading.cached_page): its sections and rows
    # are read only when it is not.
    version = get_object_or_404(version_queryset(with_content=False), pk=found.current_version_id)
    found.record_view()
    return render_version(request, version)


@login_required
@require_GET
def version_detail(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """One version: superseded ones stay readable; drafts and versions in review for editors."""
    return render_version(request, visible_version(request, slug, number))


@login_required
@require_GET
def version_video(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    version = visible_version(request, slug, number)
    if not version.video:
        raise Http404
    return ranged_file_response(request, version.video, version.video_content_type or "video/mp4")


@login_required
@require_GET
def changes(request: HttpRequest, slug: str) -> HttpResponse:
    """What changed between two versions (by default the current one and the one before)."""
    found = get_object_or_404(Topic.objects.all(), slug=slug)
    versions = version_queryset().visible_to(request.user).filter(topic=found)
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
