"""Requesting a transfer: referrals:index, referrals:list, referrals:new, referrals:diagnosis_search."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cloudpeds.attachments.models import Attachment
from cloudpeds.audit.models import AccessEvent
from referrals.models import Referral, Status
from tests.factories import PatientFactory

from .conftest import in_english, request_data

pytestmark = pytest.mark.django_db

NEW = reverse("referrals:new")


# --- index and list -----------------------------------------------------------------------


def test_index_sends_each_role_to_its_work(client, doctor, transfer_admin, group_admin):
    client.force_login(doctor)
    response = client.get(reverse("referrals:index"))
    assert response.status_code == 200
    assert "referrals/list.html" in [t.name for t in response.templates]
    client.force_login(transfer_admin)
    assert client.get(reverse("referrals:index")).url == reverse("referrals:queue")
    client.force_login(group_admin)
    assert client.get(reverse("referrals:index")).url == reverse("referrals:metrics")


def test_list_shows_sent_and_received_transfers(client, doctor, referral, outsider):
    client.force_login(doctor)
    response = client.get(reverse("referrals:list"))
    assert response.status_code == 200
    assert referral.patient.name in response.content.decode()
    client.force_login(outsider)
    response = client.get(reverse("referrals:list"))
    assert referral.patient.name not in response.content.decode()


def test_list_filters(client, doctor, referral):
    client.force_login(doctor)
    response = client.get(reverse("referrals:list"), {"box": "received"})
    assert referral.patient.name not in response.content.decode()
    response = client.get(reverse("referrals:list"), {"box": "sent", "status": "requested", "direction": "up"})
    assert referral.patient.name in response.content.decode()


def test_list_refuses_people_without_a_clinical_role(client, xinhua_outsider_role):
    client.force_login(xinhua_outsider_role)
    assert client.get(reverse("referrals:list")).status_code == 403


def test_list_wrong_method(client, doctor):
    client.force_login(doctor)
    assert client.post(reverse("referrals:list")).status_code == 405


# --- choosing the child -------------------------------------------------------------------------


def test_choosing_a_child_lists_visible_children_with_consent(client, doctor, patient, outsider):
    other = PatientFactory(hospital=outsider.hospital, registered_by=outsider, name="外院孩子")
    client.force_login(doctor)
    response = client.get(NEW, {"q": "王"})
    body = response.content.decode()
    assert response.status_code == 200
    assert patient.name in body and other.name not in body
    assert f"?patient={patient.public_id}" in body


def test_choosing_a_child_htmx_returns_the_results(client, doctor, patient):
    client.force_login(doctor)
    response = client.get(NEW, {"q": "王小明"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert patient.name in response.content.decode()


def test_new_refused_to_non_doctors(client, transfer_admin, xinhua_outsider_role, patient):
    client.force_login(transfer_admin)
    assert client.get(NEW).status_code == 403
    client.force_login(xinhua_outsider_role)
    assert client.get(NEW, {"patient": patient.public_id}).status_code == 403


def test_new_wrong_method(client, doctor):
    client.force_login(doctor)
    assert client.put(NEW).status_code == 405


# --- the request form ---------------------------------------------------------------------------


def test_form_shows_the_child_and_logs_the_read(client, doctor, patient, respiratory):
    client.force_login(doctor)
    response = client.get(NEW, {"patient": patient.public_id})
    assert response.status_code == 200
    body = response.content.decode()
    assert patient.name in body and "青霉素过敏" in body
    assert str(respiratory.hospital.name) in body
    assert AccessEvent.objects.filter(user=doctor, patient=patient).exists()


def test_posting_the_form_sends_the_request(client, doctor, patient, respiratory, transfer_admin):
    client.force_login(doctor)
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import _small_png_upload

    upload: SimpleUploadedFile = _small_png_upload()
    response = client.post(f"{NEW}?patient={patient.public_id}", {**request_data(respiratory), "attachments": [upload]})
    referral = Referral.objects.get(patient=patient)
    assert response.status_code == 302
    assert response.url == referral.get_absolute_url()
    assert (referral.status, referral.urgency, referral.respiratory_rate) == (Status.REQUESTED, "urgent", 62)
    assert referral.requested_by == doctor and referral.sending_hospital == doctor.hospital
    assert Attachment.objects.for_source(referral).count() == 1


def test_posting_twice_finds_the_referral_already_sent(client, doctor, patient, respiratory):
    client.force_login(doctor)
    data = request_data(respiratory)
    client.post(f"{NEW}?patient={patient.public_id}", data)
    response = client.post(f"{NEW}?patient={patient.public_id}", data)
    assert response.status_code == 302
    assert Referral.objects.filter(patient=patient).count() == 1


def test_form_errors_are_shown(client, doctor, patient, respiratory, picu, baoshan):
    from tests.factories import DepartmentFactory

    client.force_login(doctor)
    wrong = DepartmentFactory(hospital=baoshan)
    response = client.post(
        f"{NEW}?patient={patient.public_id}",
        request_data(respiratory, receiving_department=wrong.pk, clinical_summary=""),
    )
    assert response.status_code == 200
    assert not Referral.objects.exists()
    form = response.context["form"]
    assert "receiving_department" in form.errors and "clinical_summary" in form.errors


def test_after_an_error_the_form_names_the_photo_to_choose_again(client, doctor, patient, respiratory):
    from tests.factories import _small_png_upload

    client.force_login(in_english(doctor))
    upload = _small_png_upload()
    response = client.post(
        f"{NEW}?patient={patient.public_id}",
        {**request_data(respiratory, clinical_summary=""), "attachments": [upload]},
    )

    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()
    assert [error.code for error in errors["attachments"]] == ["not_kept"]
    assert f"choose {upload.name} again" in response.content.decode()
    assert not Referral.objects.exists()
    assert not Attachment.objects.exists()


def test_model_refusal_is_shown_on_therequest_data(client, doctor, patient, respiratory):
    client.force_login(in_english(doctor))
    response = client.post(f"{NEW}?patient={patient.public_id}", request_data(respiratory, direction="down"))
    assert response.status_code == 200
    assert "district or community" in response.context["form"].non_field_errors()[0]


def test_no_consent_is_explained(client, doctor, respiratory):
    child = PatientFactory(hospital=doctor.hospital, registered_by=doctor, consent=False)
    client.force_login(doctor)
    response = client.get(NEW, {"patient": child.public_id})
    assert 'data-testid="no-consent"' in response.content.decode()
    response = client.post(f"{NEW}?patient={child.public_id}", request_data(respiratory))
    assert response.status_code == 200
    assert not Referral.objects.exists()


def test_a_second_request_shows_the_open_one(client, doctor, referral):
    client.force_login(doctor)
    response = client.get(NEW, {"patient": referral.patient.public_id})
    assert response.status_code == 302
    assert response.url == referral.get_absolute_url()


def test_another_hospitals_child_is_a_404(client, outsider, patient):
    client.force_login(outsider)
    assert client.get(NEW, {"patient": patient.public_id}).status_code == 404
    assert client.get(NEW, {"patient": "not-a-uuid"}).status_code == 404


# --- ICD-10 search -------------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "code"), [("J18", "J18.9"), ("毛细支气管炎", "J21.9"), ("febrile", "R56.0")])
def test_diagnosis_search_by_code_or_name(client, doctor, query, code):
    client.force_login(doctor)
    response = client.get(reverse("referrals:diagnosis_search"), {"q": query}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert code in response.content.decode()


def test_diagnosis_search_refuses_non_clinical_and_post(client, doctor, xinhua_outsider_role):
    client.force_login(xinhua_outsider_role)
    assert client.get(reverse("referrals:diagnosis_search"), {"q": "J"}).status_code == 403
    client.force_login(doctor)
    assert client.post(reverse("referrals:diagnosis_search")).status_code == 405


def test_the_form_offers_hospitals_of_another_level_only(client, doctor, patient, respiratory, baoshan):
    client.force_login(doctor)
    response = client.get(NEW, {"patient": patient.public_id})
    hospitals = list(response.context["form"].fields["receiving_hospital"].queryset)
    assert respiratory.hospital in hospitals and baoshan not in hospitals
