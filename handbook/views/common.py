"""What the reading, PDF and editing pages share: how a version is loaded and shown."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from ..forms.editing import ApproveForm, NoteForm, ReturnForm
from ..models import TopicVersion, is_editor
from ..reading import cached_page, reading_languages


def version_queryset(*, with_content: bool = True) -> QuerySet[TopicVersion]:
    """Versions with their topic and people; with their sections and rows unless the page
    is likely cached (reading.cached_page reads them only when it is not)."""
    versions = TopicVersion.objects.select_related("topic", "author", "approved_by")
    return versions.prefetch_related("sections", "classification_rows") if with_content else versions


def visible_version(request: HttpRequest, slug: str, number: int) -> TopicVersion:
    """A version the user may read: superseded ones too; drafts and versions in review for editors."""
    return get_object_or_404(version_queryset().visible_to(request.user), topic__slug=slug, number=number)


def render_version(request: HttpRequest, version: TopicVersion, **extra: Any) -> HttpResponse:
    """The topic page for one version, with the review actions the user may take."""
    langs = reading_languages(request.GET.get("lang"))
    readable_numbers = list(
        version.topic.versions.readable().order_by("-number").values_list("number", "status", "effective_date")
    )
    user = request.user
    context = {
        "version": version,
        "topic": version.topic,
        "page": cached_page(version, langs),
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
        "has_drugs": version.topic.drugs.exists(),
        # From a triage result: the calculator opens with the child's latest weight and birth date.
        "dosing_query": urlencode(
            {key: request.GET[key] for key in ("weight", "born") if request.GET.get(key, "")[:20].strip()}
        ),
        **extra,
    }
    return render(request, "handbook/topic.html", context)
