"""Reads of patient data in the admin site go to the access log, like the portal's own pages.

One mechanism for every ModelAdmin, present and future (no line in each one): a middleware
looks at each admin page as it is about to be rendered and, when its model holds patient
data, writes an access event for every object the page shows. Which models hold patient data
is found from the models themselves, never from a list to keep up to date:

- the patient (`patients.Patient`) itself;
- a model with a foreign key to the patient, or to a model that has one (a bed reservation
  belongs to a referral, which belongs to a child): the ORM path is found once per model;
- a model whose generic foreign key points at such an object (a notification about a
  consultation), resolved per object.

What is logged: an object's change, view, history and delete pages (one event), and the
rows of a change list (one event per row shown; a page of 100 referrals is 100 reads).
The access log's own pages are the auditor's tool and are not logged again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache

from django.contrib.contenttypes.fields import GenericForeignKey
from django.db import models
from django.http import HttpRequest, HttpResponse

from cloudpeds.core.middleware import mark_patient_data
from cloudpeds.patients.models import Patient

from .models import AccessEvent, AccountEvent, client_ip

# Reading the audit itself is not a read of a child's record.
NOT_LOGGED = frozenset({AccessEvent, AccountEvent})
# Admin pages that show one object, and the list page (by the end of their URL name).
_OBJECT_PAGES = ("_change", "_history", "_delete")
_LIST_PAGE = "_changelist"


@cache
def patient_path(model: type[models.Model]) -> str | None:
    """The ORM path from `model` to its patient's id ("pk", "patient", "referral__patient"),
    or None when the model holds no patient data through a foreign key."""
    if model is Patient:
        return "pk"
    if model in NOT_LOGGED:
        return None
    foreign_keys = [field for field in model._meta.concrete_fields if field.many_to_one or field.one_to_one]
    for field in foreign_keys:
        if field.related_model is Patient:
            return field.name
    for field in foreign_keys:
        related = field.related_model
        if related is model or related in NOT_LOGGED:
            continue
        for inner in related._meta.concrete_fields:
            if (inner.many_to_one or inner.one_to_one) and inner.related_model is Patient:
                return f"{field.name}__{inner.name}"
    return None


def _generic_targets(obj: models.Model) -> Iterable[models.Model]:
    for field in obj._meta.private_fields:
        if isinstance(field, GenericForeignKey):
            target = getattr(obj, field.name, None)
            if target is not None:
                yield target


def _patient_ids(model: type[models.Model], objects: list[models.Model]) -> dict[int, int]:
    """Object pk -> patient id, in one query for the whole page."""
    path = patient_path(model)
    if path is None or not objects:
        return {}
    rows = model._default_manager.filter(pk__in=[obj.pk for obj in objects]).values_list("pk", path)
    return {pk: patient_id for pk, patient_id in rows if patient_id is not None}


def _event(request: HttpRequest, obj: models.Model, patient_id: int) -> AccessEvent:
    return AccessEvent(
        user=request.user,
        patient_id=patient_id,
        action=AccessEvent.Action.VIEW,
        object_type=obj._meta.label_lower,
        object_id=str(getattr(obj, "public_id", obj.pk)),
        path=request.get_full_path()[:300],
        ip_address=client_ip(request),
    )


def log_admin_reads(request: HttpRequest, objects: list[models.Model]) -> list[AccessEvent]:
    """Write one access event for each object shown that holds patient data."""
    if not objects:
        return []
    model = type(objects[0])
    patients = _patient_ids(model, objects)
    events = [_event(request, obj, patients[obj.pk]) for obj in objects if obj.pk in patients]
    if model not in NOT_LOGGED and patient_path(model) is None:
        # A generic link (a notification's target): resolved object by object.
        for obj in objects:
            for target in _generic_targets(obj):
                target_patients = _patient_ids(type(target), [target])
                if target.pk in target_patients:
                    events.append(_event(request, obj, target_patients[target.pk]))
    if events:
        mark_patient_data(request)
    return AccessEvent.objects.bulk_create(events)


def _shown_objects(url_name: str, context: dict) -> list[models.Model]:
    if url_name.endswith(_LIST_PAGE):
        changelist = context.get("cl")
        return list(changelist.result_list) if changelist is not None else []
    if url_name.endswith(_OBJECT_PAGES):
        obj = context.get("original") or context.get("object")
        return [obj] if isinstance(obj, models.Model) else []
    return []


class AdminReadsMiddleware:
    """Writes the access events of admin pages (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_template_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        match = getattr(request, "resolver_match", None)
        model_admin = getattr(getattr(match, "func", None), "model_admin", None)
        if model_admin is None or response.status_code != 200 or not request.user.is_authenticated:
            return response
        log_admin_reads(request, _shown_objects(match.url_name or "", response.context_data or {}))
        return response


class ExportLogMiddleware:
    """Every CSV download (audit, metrics, training progress: all made by csv_response) is
    written to the security log with who, which page and from where: one place for all of them,
    so that a new export cannot forget to log itself."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.get("Content-Type", "").startswith("text/csv")
            and getattr(request, "user", None) is not None
            and request.user.is_authenticated
        ):
            from .models import SecurityEvent, log_security

            log_security(request, SecurityEvent.Kind.EXPORT, detail=response.get("Content-Disposition", ""))
        return response
