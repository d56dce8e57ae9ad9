"""Cache-Control: no-store on every page and fragment that shows patient data, by one rule
(SecurityHeadersMiddleware): the access log marks the response, and every other HTML page
shown to a signed-in person is not stored either unless its view chose otherwise."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from cloudpeds.audit.models import AccessEvent, log_access
from cloudpeds.core.middleware import SecurityHeadersMiddleware
from tests.factories import ConsultationFactory, PatientFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


@pytest.fixture
def patient(doctor):
    return PatientFactory(hospital=doctor.hospital, registered_by=doctor, name="王小明")


def test_the_patient_page_list_and_fragments_are_not_stored(client, doctor, patient):
    client.force_login(doctor)

    for url, extra in [
        (f"/patients/{patient.public_id}/", {}),
        ("/patients/", {}),
        ("/patients/?q=王", {}),
        (f"/files/patient/{patient.public_id}/", HTMX),
        ("/handbook/triage/patients/?q=王", HTMX),
    ]:
        response = client.get(url, **extra)
        assert response.status_code == 200, url
        assert _no_store(response), f"{url}: {response.get('Cache-Control')!r}"


def test_a_consultation_page_is_not_stored(client, doctor, patient):
    consultation = ConsultationFactory(patient=patient, requested_by=doctor)
    client.force_login(doctor)

    response = client.get(consultation.get_absolute_url())

    assert response.status_code == 200
    assert _no_store(response)


def test_a_response_marked_by_the_access_log_is_not_stored_whatever_its_view_said(doctor, patient):
    def view(request):
        log_access(request, patient, AccessEvent.Action.VIEW)
        response = HttpResponse(b"%PDF-", content_type="application/pdf")
        response["Cache-Control"] = "private, max-age=3600"
        return response

    request = RequestFactory().get("/some/pdf/")
    request.user = doctor

    response = SecurityHeadersMiddleware(view)(request)

    assert response["Cache-Control"] == "no-store, private"


def test_a_view_without_patient_data_keeps_its_own_policy(doctor):
    def view(request):
        response = HttpResponse(b"video", content_type="video/mp4")
        response["Cache-Control"] = "private"
        return response

    request = RequestFactory().get("/a/video/")
    request.user = doctor

    assert SecurityHeadersMiddleware(view)(request)["Cache-Control"] == "private"


def test_the_public_certificate_check_is_left_to_its_view(client, db):
    response = client.get("/certificates/verify/")

    assert response.status_code == 200
    assert response.get("Cache-Control", "") != "no-store, private"
