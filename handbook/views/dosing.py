"""A topic's dosing calculator: a fragment the topic page loads with htmx."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from ..forms.dosing import DosingForm
from ..models import Drug, Topic


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
        results = [drug.doses(form.cleaned_data["weight_kg"], form.cleaned_data["age"]) for drug in drugs]
    context = {"topic": topic, "drugs": drugs, "form": form, "results": results}
    if request.htmx:
        return render(request, "handbook/dosing/calculator.html#calculator", context)
    return render(request, "handbook/dosing/calculator.html", context)
