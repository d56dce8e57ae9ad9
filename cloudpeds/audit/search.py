"""Finding the child or the person an audit is about.

Group administrators search the whole group: these lookups are deliberately not scoped by
`Patient.objects.visible_to`, and only the audit views (which admit auditors alone) use them.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.db.models.functions import Concat

from cloudpeds.accounts.models import Hospital
from cloudpeds.patients.models import Patient


def find_patients(*, name: str = "", record_number: str = "", hospital: Hospital | None = None) -> QuerySet[Patient]:
    patients = Patient.objects.select_related("hospital")
    if name:
        patients = patients.filter(name__icontains=name)
    if record_number:
        patients = patients.filter(record_number__iexact=record_number)
    if hospital is not None:
        patients = patients.filter(hospital=hospital)
    return patients.order_by("name", "hospital__code", "record_number", "pk")


def find_users(text: str) -> QuerySet:
    """Staff by username or by name; a Chinese full name is family name then given name."""
    return (
        get_user_model()
        .objects.select_related("hospital")
        .annotate(full_name=Concat("last_name", "first_name"))
        .filter(
            Q(username__icontains=text)
            | Q(full_name__icontains=text)
            | Q(first_name__icontains=text)
            | Q(last_name__icontains=text)
        )
        .order_by("username", "pk")
    )
