"""The report fragment on the case page, asking for the report and downloading it
(consultations/views/reports.py): both sides may, once the case is answered; another
hospital gets a 404 on every URL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cloudpeds.accounts.roles import Role
from cloudpeds.audit.models import AccessEvent
from consultations.models import Consultation, ConsultationReport
from tests.factories import ConsultationFactory, PatientFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def case(doctor, specialist) -> Consultation:
    patient = PatientFactory(hospital=doctor.hospital, registered_by=doctor, name="王小明")
    return ConsultationFactory(patient=patient, department=specialist.department, assigned_to=specialist, answered=True)


def panel_url(case) -> str:
    return reverse("consultations:report_panel", args=[case.public_id])


def request_url(case) -> str:
    return reverse("consultations:report_request", args=[case.public_id])


def download_url(case) -> str:
    return reverse("consultations:report_download", args=[case.public_id])


def ask(client, case, capture) -> object:
    # The task is queued after the commit: run it as a real request would.
    with capture(execute=True):
        return client.post(request_url(case), **HTMX)


# --- The fragment --------------------------------------------------------------------------------


def test_the_panel_offers_to_prepare_the_report(client, doctor, case):
    client.force_login(doctor)

    response = client.get(panel_url(case))

    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-state="not_requested"' in content
    assert "Prepare the report" in content
    assert f'hx-post="{request_url(case)}"' in content


def test_the_panel_shows_nothing_before_the_case_is_answered(client, doctor, specialist):
    waiting = ConsultationFactory(patient=PatientFactory(hospital=doctor.hospital, registered_by=doctor))
    client.force_login(doctor)

    response = client.get(panel_url(waiting))

    assert response.status_code == 200
    assert 'data-state="unavailable"' in response.content.decode()
    assert "Prepare the report" not in response.content.decode()


def test_the_panel_polls_while_the_report_is_being_prepared(client, doctor, case):
    ConsultationReport.objects.create(consultation=case)
    client.force_login(doctor)

    content = client.get(panel_url(case)).content.decode()

    assert 'data-state="pending"' in content
    assert 'hx-trigger="every 2s"' in content
    assert f'hx-get="{panel_url(case)}"' in content
    assert "being prepared" in content


def test_the_panel_lets_people_ask_again_when_a_request_stalled(client, doctor, case):
    ConsultationReport.objects.create(consultation=case, requested_at=timezone.now() - timedelta(hours=1))
    client.force_login(doctor)

    content = client.get(panel_url(case)).content.decode()

    assert 'data-state="stalled"' in content
    assert "every 2s" not in content
    assert "Prepare the report" in content


def test_the_panel_links_the_ready_report(client, doctor, case, django_capture_on_commit_callbacks):
    client.force_login(doctor)
    ask(client, case, django_capture_on_commit_callbacks)

    content = client.get(panel_url(case)).content.decode()

    assert 'data-state="ready"' in content
    assert download_url(case) in content
    assert "every 2s" not in content


def test_the_panel_offers_a_new_report_when_the_case_changed(client, doctor, case, django_capture_on_commit_callbacks):
    client.force_login(doctor)
    ask(client, case, django_capture_on_commit_callbacks)
    Consultation.objects.filter(pk=case.pk).update(status="closed", advice_adopted="fully", usefulness=5)

    content = client.get(panel_url(case)).content.decode()

    assert 'data-state="outdated"' in content
    assert download_url(case) in content  # the earlier report stays available
    assert "Prepare it again" in content


# --- Asking for it -------------------------------------------------------------------------------


def test_the_requesting_doctor_gets_the_report_made(client, doctor, case, django_capture_on_commit_callbacks):
    client.force_login(doctor)

    response = ask(client, case, django_capture_on_commit_callbacks)

    assert response.status_code == 200
    assert 'data-state="pending"' in response.content.decode()
    report = ConsultationReport.objects.get(consultation=case)
    assert report.is_ready
    assert report.status_at_generation == "answered"


def test_the_specialist_may_ask_for_it_too(client, specialist, case, django_capture_on_commit_callbacks):
    client.force_login(specialist)

    response = ask(client, case, django_capture_on_commit_callbacks)

    assert response.status_code == 200
    assert ConsultationReport.objects.get(consultation=case).is_ready


def test_without_htmx_the_request_returns_to_the_case_page(client, doctor, case, django_capture_on_commit_callbacks):
    client.force_login(doctor)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(request_url(case))

    assert response.status_code == 302
    assert response.url == case.get_absolute_url()
    assert ConsultationReport.objects.get(consultation=case).is_ready


def test_asking_twice_while_it_is_prepared_queues_one_task(client, doctor, case, django_capture_on_commit_callbacks):
    client.force_login(doctor)

    with django_capture_on_commit_callbacks(execute=False) as first:
        client.post(request_url(case), **HTMX)
    with django_capture_on_commit_callbacks(execute=False) as second:
        response = client.post(request_url(case), **HTMX)

    assert len(first) == 1
    assert second == []
    assert 'data-state="pending"' in response.content.decode()
    assert ConsultationReport.objects.filter(consultation=case).count() == 1


def test_a_closed_case_gets_its_report_made_again(client, doctor, case, django_capture_on_commit_callbacks):
    client.force_login(doctor)
    ask(client, case, django_capture_on_commit_callbacks)
    first = ConsultationReport.objects.get(consultation=case)
    Consultation.objects.filter(pk=case.pk).update(status="closed", advice_adopted="fully", usefulness=5)

    ask(client, case, django_capture_on_commit_callbacks)

    report = ConsultationReport.objects.get(consultation=case)
    assert report.status_at_generation == "closed"
    assert report.generated_at > first.generated_at
    assert report.file.name != first.file.name


def test_an_unanswered_case_cannot_have_a_report(client, doctor, django_capture_on_commit_callbacks):
    waiting = ConsultationFactory(patient=PatientFactory(hospital=doctor.hospital, registered_by=doctor))
    client.force_login(doctor)

    response = ask(client, waiting, django_capture_on_commit_callbacks)

    assert response.status_code == 200
    assert "once the consultation is answered" in response.content.decode()
    assert not ConsultationReport.objects.exists()


# --- Downloading ---------------------------------------------------------------------------------


def test_the_download_is_an_attachment_and_is_logged(client, doctor, case, django_capture_on_commit_callbacks):
    client.force_login(doctor)
    ask(client, case, django_capture_on_commit_callbacks)

    response = client.get(download_url(case))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "consultation-report-" in response["Content-Disposition"]
    assert "王小明" not in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    event = AccessEvent.objects.get(action=AccessEvent.Action.DOWNLOAD)
    assert (event.user, event.patient, event.object_type) == (doctor, case.patient, "consultations.consultationreport")


def test_the_specialist_downloads_it_too(client, specialist, case):
    ConsultationReport.objects.create(consultation=case).generate_pdf()
    client.force_login(specialist)

    response = client.get(download_url(case))

    assert response.status_code == 200
    assert AccessEvent.objects.filter(user=specialist, action=AccessEvent.Action.DOWNLOAD).count() == 1


def test_no_download_before_the_report_is_ready(client, doctor, case):
    ConsultationReport.objects.create(consultation=case)
    client.force_login(doctor)

    assert client.get(download_url(case)).status_code == 404
    assert not AccessEvent.objects.exists()


# --- Who may not ---------------------------------------------------------------------------------


def test_another_hospital_gets_404_everywhere(client, outsider, case, django_capture_on_commit_callbacks):
    ConsultationReport.objects.create(consultation=case).generate_pdf()
    generated = ConsultationReport.objects.get(consultation=case).generated_at
    client.force_login(outsider)

    assert client.get(panel_url(case)).status_code == 404
    assert ask(client, case, django_capture_on_commit_callbacks).status_code == 404
    assert client.get(download_url(case)).status_code == 404
    assert ConsultationReport.objects.get(consultation=case).generated_at == generated
    assert not AccessEvent.objects.exists()


def test_a_colleague_with_no_clinical_role_gets_403(client, yangpu, case):
    trainer = UserFactory(username="trainer", hospital=yangpu, roles=[Role.TRAINING_MANAGER])
    client.force_login(trainer)

    assert client.get(panel_url(case)).status_code == 403
    assert client.post(request_url(case)).status_code == 403
    assert client.get(download_url(case)).status_code == 403
    assert not ConsultationReport.objects.exists()


def test_signed_out_visitors_are_sent_to_sign_in(client, case):
    response = client.get(panel_url(case))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_wrong_methods_are_refused(client, doctor, case):
    client.force_login(doctor)

    assert client.post(panel_url(case)).status_code == 405
    assert client.get(request_url(case)).status_code == 405
    assert client.post(download_url(case)).status_code == 405
    assert not ConsultationReport.objects.exists()
