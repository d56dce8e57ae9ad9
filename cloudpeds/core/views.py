from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import check_for_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language as django_set_language

from cloudpeds.accounts.roles import Role
from cloudpeds.core.worklist import work_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The role's home: what needs this person now (the work list), then the role's pages."""
    role = request.user.primary_role
    template = f"home/{role}.html" if role else "home/no_role.html"
    context = {"role": Role(role) if role else None, "work": work_for(request.user)}
    return render(request, template, context)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the language and remember it on the account, so it follows the person."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if (
        request.user.is_authenticated
        and check_for_language(language)
        and language in dict(settings.LANGUAGES)
        and request.user.preferred_language != language
    ):
        request.user.preferred_language = language
        request.user.save(update_fields=["preferred_language"])
    return response


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return f"error: {exc.__class__.__name__}"
    return "ok"


def _check_redis() -> str:
    if not settings.REDIS_URL:
        return "not configured"
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError as exc:
        return f"error: {exc.__class__.__name__}"
    return "ok"


def _check_broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager (no broker)"
    from cloudpeds.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=1)
    except Exception as exc:  # noqa: BLE001 - kombu raises many transport-specific errors
        return f"error: {exc.__class__.__name__}"
    return "ok"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _check_database(), "redis": _check_redis(), "broker": _check_broker()}
    # Only the database decides liveness: without Redis, mail is delayed (the outbox keeps
    # it) but doctors can still work.
    healthy = checks["database"] == "ok"
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)


@require_GET
def ping(request: HttpRequest) -> HttpResponse:
    """A constant response through the full middleware stack: the benchmark's baseline."""
    return HttpResponse("pong", content_type="text/plain")
