"""The editors' triage pathway pages: the list, a new pathway, a version with its test
cases, its table as a JSON document and the review steps. Editors only (403 for others)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cloudpeds.accounts.access import requires

from ..forms.editing import NoteForm
from ..forms.pathways import NewPathwayForm, PathwayDocumentForm
from ..models import HandbookError, Pathway, PathwayVersion, is_editor
from ..models.review import OPEN_STATUSES


def _version(slug: str, number: int) -> PathwayVersion:
    return get_object_or_404(PathwayVersion.objects.with_content(), pathway__slug=slug, number=number)


@requires(is_editor)
@require_GET
def pathway_list(request: HttpRequest) -> HttpResponse:
    pathways = Pathway.objects.select_related("topic", "current_version").prefetch_related("versions__author")
    return render(
        request,
        "handbook/triage/pathway_list.html",
        {
            "pathways": pathways,
            "to_review": PathwayVersion.objects.awaiting_review_by(request.user).select_related("pathway", "author"),
        },
    )


@requires(is_editor)
@require_http_methods(["GET", "POST"])
def create_pathway(request: HttpRequest) -> HttpResponse:
    form = NewPathwayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        version = Pathway.create_with_draft(request.user, **form.cleaned_data)
        messages.success(request, _("The pathway is created: write its table as version 1."))
        return redirect("handbook:pathway_document", slug=version.pathway.slug, number=version.number)
    return render(request, "handbook/triage/pathway_form.html", {"form": form})


@requires(is_editor)
@require_GET
def pathway_version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    version = _version(slug, number)
    results = version.test_results()
    reference_results = version.reference_results()
    return render(
        request,
        "handbook/triage/pathway_version.html",
        {
            "version": version,
            "pathway": version.pathway,
            "spec": version.spec,
            "results": results,
            "failed": sum(1 for result in results if not result.passed),
            "reference_results": reference_results,
            "reference_failed": sum(1 for result in reference_results if not result.passed),
            "events": version.events.select_related("actor"),
            "usage": version.runs_by_classification(),
            "can_edit": version.can_edit(request.user),
            "can_submit": version.can_submit(request.user),
            "can_approve": version.can_approve(request.user),
            "can_return": version.can_return(request.user),
            "note_form": NoteForm(),
            # Against the published version: what changes, rule by rule, and for whom.
            "rule_changes": version.rule_changes() if version.status != "published" else [],
            # The author sees it while drafting too, before sending the change for review.
            "impact": version.impact_against_published() if version.status in OPEN_STATUSES else None,
        },
    )


@requires(is_editor)
@require_http_methods(["GET", "POST"])
def edit_pathway_document(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    version = _version(slug, number)
    if not version.can_edit(request.user):
        raise PermissionDenied
    initial = {
        "document": json.dumps(version.document, ensure_ascii=False, indent=2),
        "change_note": version.change_note,
    }
    form = PathwayDocumentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            version.replace_content(request.user, form.cleaned_data["document"], form.cleaned_data["change_note"])
        except HandbookError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The table is saved. Check the test cases below."))
            return redirect(version)
    return render(request, "handbook/triage/document.html", {"version": version, "form": form})


def _transition(request: HttpRequest, slug: str, number: int, action: str) -> HttpResponse:
    version = _version(slug, number)
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        if action == "submit":
            version.submit(request.user, note)
        elif action == "return":
            version.return_to_draft(request.user, note)
        else:
            seen = request.POST.get("impact_seen", "")
            version.approve(request.user, note=note, impact_seen=int(seen) if seen.isdigit() else None)
    except HandbookError as exc:
        messages.error(request, str(exc))
        return redirect(version.get_absolute_url() + "#tests")
    done = {
        "submit": _("Sent for review: another editor must approve it."),
        "return": _("Returned to the author for changes."),
        "approve": _("Approved: this version is now the published pathway."),
    }
    messages.success(request, done[action])
    return redirect(version)


@requires(is_editor)
@require_POST
def submit_pathway_version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    return _transition(request, slug, number, "submit")


@requires(is_editor)
@require_POST
def return_pathway_version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    return _transition(request, slug, number, "return")


@requires(is_editor)
@require_POST
def approve_pathway_version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    return _transition(request, slug, number, "approve")


@requires(is_editor)
@require_POST
def start_pathway_draft(request: HttpRequest, slug: str) -> HttpResponse:
    pathway = get_object_or_404(Pathway, slug=slug)
    draft = pathway.start_draft(request.user)
    return redirect(draft)
