"""A topic's dosing calculator: a fragment the topic page loads with htmx."""

from __future__ import annotations

import contextlib
from datetime import date
from decimal import Decimal, InvalidOperation

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from ..forms.dosing import DosingForm
from ..models import DoseError, Drug, Topic


def _prefilled(request: HttpRequest) -> dict:
    """`?weight=12.5&born=2024-03-01` (a triage result's link): the child's latest weight and birth date."""
    initial: dict = {}
    with contextlib.suppress(InvalidOperation):
        initial["weight_kg"] = Decimal(request.GET.get("weight", ""))
    with contextlib.suppress(ValueError):
        initial["date_of_birth"] = date.fromisoformat(request.GET.get("born", ""))
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def dosing(request: HttpRequest, slug: str) -> HttpResponse:
    topic = get_object_or_404(Topic.objects.published(), slug=slug)
    drugs = list(Drug.objects.for_topic(topic))
    if not drugs:
        return HttpResponse("")  # nothing to calculate for this topic: the page shows nothing
    form = DosingForm(request.POST or None, initial=_prefilled(request))
    results = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            results = [drug.doses(data["weight_kg"], born=data["born"], on=data["on"]) for drug in drugs]
        except DoseError as exc:
            form.add_error("weight_kg", str(exc))
            results = []
    context = {"topic": topic, "drugs": drugs, "form": form, "results": results}
    if request.htmx:
        return render(request, "handbook/dosing/calculator.html#calculator", context)
    return render(request, "handbook/dosing/calculator.html", context)
