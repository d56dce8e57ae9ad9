"""Metrics for administrators: referrals up and down, decision times, rejection reasons,
arrivals and follow-up completion, as charts and CSV. Aggregates only: no child is named.

The page's figures (metrics.page_data) are cached for FIGURES_CACHE_SECONDS per scope (the whole
group, or the hospital a transfer administrator counts), period, language (the charts'
labels and the rejection reasons are translated) and roll-up generation
(`cloudpeds.core.rollups.generation`, drawn anew by every rebuild of a roll-up, as the
outcomes and consultation metrics pages do). The CSV files are computed on each download."""

from __future__ import annotations

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from cloudpeds.accounts.access import requires
from cloudpeds.core.exports import csv_response
from cloudpeds.core.rollups import FIGURES_CACHE_SECONDS, without_jit
from cloudpeds.core.rollups import generation as rollup_generation

from .. import metrics
from ..forms import MetricsFilterForm
from ..models import can_see_metrics, sees_whole_group


def _page_data(scope: metrics.Scope) -> dict:
    key = f"referral-metrics:{scope.key}:{get_language()}:{rollup_generation()}"
    data = cache.get(key)
    if data is None:
        data = without_jit(metrics.page_data)(scope)
        cache.set(key, data, FIGURES_CACHE_SECONDS)
    return data


def _scope(request: HttpRequest) -> tuple[MetricsFilterForm, metrics.Scope]:
    form = MetricsFilterForm(request.GET or None)
    months = (form.cleaned_data.get("months") if form.is_valid() else None) or 12
    return form, metrics.scope_for(request.user, months)


@requires(can_see_metrics)
@require_GET
def metrics_page(request: HttpRequest) -> HttpResponse:
    form, scope = _scope(request)
    context = {
        "form": form,
        **_page_data(scope),
        "tables": list(metrics.TABLES),
        "months": scope.months,
        "whole_group": sees_whole_group(request.user),
    }
    return render(request, "referrals/metrics.html", context)


@requires(can_see_metrics)
@require_GET
def metrics_csv(request: HttpRequest) -> HttpResponse:
    _form, scope = _scope(request)
    table = request.GET.get("table", "volume")
    if table not in metrics.TABLES:
        raise Http404
    function, columns = metrics.TABLES[table]
    rows = ([row.get(column, "") for column in columns] for row in without_jit(function)(scope))
    return csv_response(f"referrals-{table}", columns, rows)
