"""A topic's dosing calculator: a fragment the topic page loads with htmx."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from ..forms.dosing import DosingForm
from ..models import DoseError, Drug, Topic


@login_required
@require_http_methods(["GET", "POST"])
def dosing(request: HttpRequest, slug: str) -> HttpResponse:
    topic = get_object_or_404(Topic.objects.published(), slug=slug)
    drugs = list(Drug.objects.for_topic(topic))
    if not drugs:
        return HttpResponse("")  # nothing to calculate for this topic: the page shows nothing
    form = DosingForm(request.POST or None)
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
