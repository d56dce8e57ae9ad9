"""Reads in the admin site are written to the access log like the portal's own pages: every
admin page of a model that holds patient data (cloudpeds.audit.admin_reads)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cloudpeds.attachments.models import Attachment
from cloudpeds.audit.admin_reads import patient_path
from cloudpeds.audit.models import AccessEvent
from cloudpeds.notifications.models import Notification
from cloudpeds.patients.models import Patient
from referrals.models import BedReservation, Diagnosis, Referral
from tests.conftest import enroll_totp
from tests.factories import ConsultationFactory, DepartmentFactory, NotificationFactory, PatientFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(xinhua):
    user = UserFactory(username="root", hospital=xinhua, is_staff=True, is_superuser=True)
    enroll_totp(user)
    return user


@pytest.fixture
def referral(doctor, xinhua):
    from referrals.demo import load_icd10_subset

    if not Diagnosis.objects.exists():
        load_icd10_subset()
    department = DepartmentFactory(hospital=xinhua, specialty="respiratory", name_zh="呼吸科", name_en="Respiratory")
    patient = PatientFactory(hospital=doctor.hospital, registered_by=doctor, name="王小明")
    referral = Referral(
        patient=patient,
        direction="up",
        receiving_hospital=xinhua,
        receiving_department=department,
        urgency="urgent",
        reason="needs_specialist",
        diagnosis=Diagnosis.objects.get(code="J18.9"),
        clinical_summary="发热3天，咳嗽加重，气促",
        transport="ambulance",
    )
    referral.send_request(doctor)
    return referral


def test_the_director_opening_a_referral_in_the_admin_writes_an_access_event(client, group_admin, referral):
    client.force_login(group_admin)

    response = client.get(f"/admin/referrals/referral/{referral.pk}/change/")

    assert response.status_code == 200
    assert "发热3天" in response.content.decode()  # the page does show the clinical summary
    event = AccessEvent.objects.get()
    assert (event.user, event.patient, event.action) == (group_admin, referral.patient, "view")
    assert (event.object_type, event.object_id) == ("referrals.referral", str(referral.public_id))
    assert event.path == f"/admin/referrals/referral/{referral.pk}/change/"
    assert event.ip_address == "127.0.0.1"


def test_five_reads_are_five_events(client, group_admin, referral):
    client.force_login(group_admin)

    for _read in range(5):
        client.get(f"/admin/referrals/referral/{referral.pk}/change/")

    assert AccessEvent.objects.filter(user=group_admin, patient=referral.patient).count() == 5


def test_a_change_list_logs_each_row_it_shows_in_constant_queries(client, superuser, doctor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(superuser)
    queries = []
    for rows in (2, 5):
        while Patient.objects.count() < rows:
            PatientFactory(hospital=doctor.hospital, registered_by=doctor)
        before = AccessEvent.objects.count()
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/admin/patients/patient/")
        assert response.status_code == 200
        assert AccessEvent.objects.count() - before == rows
        queries.append(len(captured))

    assert queries[0] == queries[1]


def test_a_superusers_reads_of_patients_files_and_history_are_logged(client, superuser, doctor):
    # Past its retention period, so that the admin offers the delete page at all.
    patient = PatientFactory(
        hospital=doctor.hospital, registered_by=doctor, created_at=timezone.now() - timedelta(days=16 * 366)
    )
    client.force_login(superuser)

    for url in (
        f"/admin/patients/patient/{patient.pk}/change/",
        f"/admin/patients/patient/{patient.pk}/history/",
        f"/admin/patients/patient/{patient.pk}/delete/",
    ):
        assert client.get(url).status_code == 200

    assert AccessEvent.objects.filter(user=superuser, patient=patient, object_type="patients.patient").count() == 3


def test_a_notification_about_a_childs_case_is_a_read_of_that_child(client, superuser, doctor):
    consultation = ConsultationFactory(patient=PatientFactory(hospital=doctor.hospital, registered_by=doctor))
    notification = NotificationFactory(recipient=doctor, target=consultation)
    client.force_login(superuser)

    client.get(f"/admin/notifications/notification/{notification.pk}/change/")

    event = AccessEvent.objects.get()
    assert (event.patient, event.object_type) == (consultation.patient, "notifications.notification")


def test_pages_without_patient_data_log_nothing(client, superuser, doctor):
    client.force_login(superuser)

    client.get("/admin/accounts/user/")
    client.get(f"/admin/accounts/user/{doctor.pk}/change/")
    client.get("/admin/")

    assert not AccessEvent.objects.exists()


def test_reading_the_access_log_itself_is_not_logged_again(client, superuser, doctor):
    patient = PatientFactory(hospital=doctor.hospital, registered_by=doctor)
    event = AccessEvent.objects.create(user=doctor, patient=patient, action="view", object_type="patients.patient")
    client.force_login(superuser)

    client.get(f"/admin/audit/accessevent/{event.pk}/change/")
    client.get("/admin/audit/accessevent/")

    assert AccessEvent.objects.count() == 1


def test_which_models_hold_patient_data_is_found_from_the_models():
    assert patient_path(Patient) == "pk"
    assert patient_path(Referral) == "patient"
    assert patient_path(Attachment) == "patient"
    assert patient_path(BedReservation) == "referral__patient"
    assert patient_path(Notification) is None  # a generic link: resolved per object
    assert patient_path(AccessEvent) is None
