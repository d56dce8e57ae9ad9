"""Changes to clinical models are recorded by database triggers, with the acting user."""

from __future__ import annotations

from datetime import timedelta

import pghistory
import pytest
from django.apps import apps
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone
from pghistory.middleware import HistoryMiddleware

from cloudpeds.patients.models import Patient
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def _patient_events():
    return apps.get_model("patients", "PatientEvent").objects.select_related("pgh_context")


def test_a_bulk_update_records_one_event_per_row_with_the_user(doctor, yangpu, baoshan):
    first, second = PatientFactory(hospital=yangpu), PatientFactory(hospital=yangpu)
    untouched = PatientFactory(hospital=baoshan)

    with pghistory.context(user=doctor.pk):
        updated = Patient.objects.filter(hospital=yangpu).update(allergies="青霉素")

    assert updated == 2
    events = _patient_events().filter(pgh_label="update")
    assert sorted(event.pgh_obj_id for event in events) == sorted([first.pk, second.pk])
    assert {event.allergies for event in events} == {"青霉素"}
    assert {event.pgh_context.metadata["user"] for event in events} == {doctor.pk}
    assert not _patient_events().filter(pgh_obj_id=untouched.pk, pgh_label="update").exists()


def test_a_delete_is_recorded_with_the_last_values_and_the_user(doctor, yangpu):
    # Registered 16 years ago: past the outpatient retention period, so it may be deleted.
    patient = PatientFactory(
        hospital=yangpu,
        name="李小红",
        record_number="YP-0042",
        created_at=timezone.now() - timedelta(days=16 * 366),
        service_consent=False,  # a signed remote-service consent protects the child's row
    )
    patient_id = patient.pk

    with pghistory.context(user=doctor.pk):
        Patient.objects.filter(pk=patient_id).delete()

    assert not Patient.objects.filter(pk=patient_id).exists()
    deleted = _patient_events().get(pgh_obj_id=patient_id, pgh_label="delete")
    assert (deleted.name, deleted.record_number) == ("李小红", "YP-0042")
    assert deleted.pgh_context.metadata["user"] == doctor.pk
    # The cascade (guardians, consents) is recorded too, under the same context.
    guardian_delete = apps.get_model("patients", "GuardianEvent").objects.get(patient_id=patient_id, pgh_label="delete")
    assert guardian_delete.pgh_context_id == deleted.pgh_context_id


def test_changes_outside_any_context_are_still_recorded_without_a_user(yangpu):
    patient = PatientFactory(hospital=yangpu)

    Patient.objects.filter(pk=patient.pk).update(chronic_conditions="哮喘")

    event = _patient_events().get(pgh_obj_id=patient.pk, pgh_label="update")
    assert event.pgh_context is None


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_the_middleware_attaches_the_signed_in_user_and_address_to_a_request_s_changes(doctor, yangpu, method):
    """HistoryMiddleware (in settings.MIDDLEWARE) wraps requests of these methods in a context."""
    patient = PatientFactory(hospital=yangpu)

    def view(request) -> HttpResponse:
        Patient.objects.filter(pk=patient.pk).update(allergies="花生")
        return HttpResponse()

    request = getattr(RequestFactory(), method)(f"/patients/{patient.public_id}/edit/")
    request.user = doctor
    HistoryMiddleware(view)(request)

    event = _patient_events().get(pgh_obj_id=patient.pk, pgh_label="update")
    assert event.pgh_context.metadata == {"user": doctor.pk, "url": f"/patients/{patient.public_id}/edit/"}


def test_the_history_middleware_is_installed_after_authentication(settings):
    middleware = settings.MIDDLEWARE

    assert "pghistory.middleware.HistoryMiddleware" in middleware
    assert middleware.index("pghistory.middleware.HistoryMiddleware") > middleware.index(
        "django.contrib.auth.middleware.AuthenticationMiddleware"
    )
