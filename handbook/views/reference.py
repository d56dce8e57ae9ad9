"""The clinical-safety reviewers' pages: each pathway's reference cases, proposals to add,
change or retire one, and a second reviewer's decision. Clinical-safety reviewers only
(403 for everyone else, handbook editors included)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cloudpeds.accounts.access import requires

from ..forms.editing import NoteForm
from ..forms.reference import ReferenceCaseForm
from ..models import (
    HandbookError,
    Pathway,
    ProposalKind,
    ReferenceCase,
    ReferenceCaseProposal,
    is_clinical_safety,
)
from ..triage import DocumentError


def _pathway(slug: str) -> Pathway:
    pathway = get_object_or_404(Pathway.objects.select_related("topic", "current_version"), slug=slug)
    if pathway.current_version is None:
        raise Http404
    return pathway


@requires(is_clinical_safety)
@require_GET
def reference_index(request: HttpRequest) -> HttpResponse:
    pathways = Pathway.objects.published().select_related("topic").order_by("slug")
    return render(
        request,
        "handbook/reference/index.html",
        {
            "pathways": pathways,
            "pending": ReferenceCaseProposal.objects.visible_to(request.user)
            .pending()
            .select_related("pathway", "proposed_by"),
        },
    )


@requires(is_clinical_safety)
@require_GET
def reference_cases(request: HttpRequest, slug: str) -> HttpResponse:
    pathway = _pathway(slug)
    spec = pathway.current_version.spec
    cases = list(ReferenceCase.objects.visible_to(request.user).filter(pathway=pathway).active())
    results = {case.pk: spec.run_case(case.as_test_case()) for case in cases}
    proposals = ReferenceCaseProposal.objects.visible_to(request.user).filter(pathway=pathway)
    proposals = proposals.select_related("proposed_by", "decided_by", "case")
    page = Paginator(proposals, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "handbook/reference/cases.html",
        {
            "pathway": pathway,
            "rows": [(case, results[case.pk]) for case in cases],
            "page": page,
            "note_form": NoteForm(),
        },
    )


@requires(is_clinical_safety)
@require_http_methods(["GET", "POST"])
def propose_reference_case(request: HttpRequest, slug: str) -> HttpResponse:
    pathway = _pathway(slug)
    case = None
    case_id = request.GET.get("case") or request.POST.get("case")
    if case_id:
        if not str(case_id).isdigit():
            raise Http404
        case = get_object_or_404(ReferenceCase.objects.visible_to(request.user).active(), pk=case_id, pathway=pathway)
    initial = {}
    if case is not None:
        initial = {
            "name": case.name,
            "born": case.born,
            "assessed_on": case.assessed_on,
            "answers": json.dumps(case.answers, ensure_ascii=False),
            "expected": case.expected,
            "expected_notes": case.expected_notes,
        }
    try:
        spec = pathway.current_version.spec
    except DocumentError as exc:  # pragma: no cover - a published version is always valid
        raise Http404 from exc
    form = ReferenceCaseForm(request.POST or None, initial=initial, spec=spec)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ReferenceCaseProposal.propose(
                request.user,
                pathway=pathway,
                kind=ProposalKind.CHANGE if case else ProposalKind.ADD,
                case=case,
                name=data["name"],
                born=data["born"],
                assessed_on=data["assessed_on"],
                answers=data["answers"],
                expected=data["expected"],
                expected_notes=data["expected_notes"],
                reason=data["reason"],
            )
        except HandbookError as exc:
            form.add_error(None, str(exc))
        except IntegrityError:
            form.add_error(None, _("This reference case already has a proposal awaiting review."))
        else:
            messages.success(request, _("Proposed: a second clinical-safety reviewer must approve it."))
            return redirect("handbook:reference_cases", slug=pathway.slug)
    return render(request, "handbook/reference/propose.html", {"pathway": pathway, "case": case, "form": form})


@requires(is_clinical_safety)
@require_POST
def retire_reference_case(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    pathway = _pathway(slug)
    case = get_object_or_404(ReferenceCase.objects.visible_to(request.user).active(), pk=pk, pathway=pathway)
    form = NoteForm(request.POST)
    reason = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        ReferenceCaseProposal.propose(request.user, pathway=pathway, kind=ProposalKind.RETIRE, case=case, reason=reason)
    except HandbookError as exc:
        messages.error(request, str(exc))
    except IntegrityError:
        messages.error(request, _("This reference case already has a proposal awaiting review."))
    else:
        messages.success(request, _("Proposed: a second clinical-safety reviewer must approve it."))
    return redirect("handbook:reference_cases", slug=pathway.slug)


def _decide(request: HttpRequest, pk: int, approve: bool) -> HttpResponse:
    proposal = get_object_or_404(ReferenceCaseProposal.objects.visible_to(request.user), pk=pk)
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        if approve:
            proposal.approve(request.user, note)
        else:
            proposal.reject(request.user, note)
    except HandbookError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Approved: the reference case now counts.") if approve else _("Rejected."))
    return redirect(reverse("handbook:reference_cases", args=[proposal.pathway.slug]))


@requires(is_clinical_safety)
@require_POST
def approve_reference_proposal(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, approve=True)


@requires(is_clinical_safety)
@require_POST
def reject_reference_proposal(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, approve=False)
