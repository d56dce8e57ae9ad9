"""PDFs: a topic's (a few pages, made in the request) and the whole handbook's (made by a task)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from ..models import HandbookEdition, Topic, TopicVersion
from ..printing import render_topic_pdf
from ..reading import reading_languages
from .common import version_queryset, visible_version


def _version_pdf(request: HttpRequest, version: TopicVersion) -> HttpResponse:
    pdf = render_topic_pdf(version, reading_languages(request.GET.get("lang")))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{version.topic.slug}-v{version.number}.pdf"'
    return response


@login_required
@require_GET
def topic_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    found = get_object_or_404(Topic.objects.published(), slug=slug)
    return _version_pdf(request, get_object_or_404(version_queryset(), pk=found.current_version_id))


@login_required
@require_GET
def version_pdf(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    return _version_pdf(request, visible_version(request, slug, number))


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
    # The one PDF download response (storage API, nosniff, sandbox CSP, never cached).
    return edition.pdf_download(f"handbook-{edition.generated_at:%Y%m%d}.pdf")
