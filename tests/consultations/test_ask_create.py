"""Starting a consultation: /consultations/new/<patient>/ saves a draft or sends the case."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from cloudpeds.accounts.roles import Role
from cloudpeds.attachments.models import Attachment
from cloudpeds.audit.models import AccessEvent
from cloudpeds.notifications.models import Notification
from consultations.models import Consultation, ConsultationEvent, ResponseTarget, Status
from tests.factories import ConsultationFactory, DepartmentFactory, PatientFactory, UserFactory
from tests.handbook.conftest import publish_topic, write_draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(doctor):
    """A Yangpu child of about two and a half, allergic to penicillin, with sharing consent."""
    return PatientFactory(
        hospital=doctor.hospital,
        registered_by=doctor,
        name="王小明",
        record_number="YP0001",
        date_of_birth=timezone.localdate() - timedelta(days=920),
        allergies="青霉素过敏",
    )


def _url(patient) -> str:
    return f"/consultations/new/{patient.public_id}/"


def _case(specialist, **overrides) -> dict:
    data = {
        "department": str(specialist.department_id),
        "urgency": "routine",
        "question": "是否需要住院?",
        "history": "发热三天",
        "symptoms": "发热, 咳嗽",
        "symptom_duration": "3天",
        "temperature_c": "38.6",
        "heart_rate": "130",
        "respiratory_rate": "45",
        "spo2": "96",
        "weight_kg": "13.2",
        "height_cm": "90",
        "current_medicines": "布洛芬",
        "allergies": "青霉素过敏",
        "tried_so_far": "退热",
        "file_kind": "photo",
        "action": "submit",
    }
    data.update(overrides)
    return data


def _png(name: str = "胸片.png") -> SimpleUploadedFile:
    out = BytesIO()
    Image.new("RGB", (40, 30), (10, 20, 30)).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def test_the_form_shows_the_child_the_emergency_alert_and_prefills_allergies(client, doctor, patient) -> None:
    client.force_login(doctor)

    response = client.get(_url(patient))

    assert response.status_code == 200
    body = response.content.decode()
    assert "王小明" in body
    assert 'data-testid="emergency-alert"' in body
    assert f'href="{reverse("referrals:new")}?patient={patient.public_id}"' in body
    assert response.context["form"]["allergies"].value() == "青霉素过敏"
    event = AccessEvent.objects.get()
    assert (event.user, event.patient, event.action) == (doctor, patient, "view")


def test_only_the_lead_hospitals_departments_are_offered(client, doctor, patient, specialist) -> None:
    client.force_login(doctor)

    response = client.get(_url(patient))

    offered = list(response.context["form"].fields["department"].queryset)
    assert offered == [specialist.department]
    assert doctor.department not in offered


def test_saving_a_draft_stores_the_case_unsent(client, doctor, patient, specialist) -> None:
    client.force_login(doctor)

    response = client.post(_url(patient), _case(specialist, action="draft", question=""))

    consultation = Consultation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/consultations/{consultation.public_id}/"
    assert consultation.status == Status.DRAFT
    assert consultation.patient == patient
    assert consultation.requested_by == doctor
    assert consultation.requesting_hospital == doctor.hospital
    assert consultation.department == specialist.department
    assert str(consultation.temperature_c) == "38.6"
    assert consultation.submitted_at is None and consultation.due_at is None
    assert not ConsultationEvent.objects.exists()
    assert not Notification.objects.exists()


def test_submitting_sends_the_case_with_a_48_hour_target(client, doctor, patient, specialist) -> None:
    client.force_login(doctor)

    response = client.post(_url(patient), _case(specialist))

    consultation = Consultation.objects.get()
    assert response.status_code == 302
    assert consultation.status == Status.SUBMITTED
    assert consultation.due_at - consultation.submitted_at == timedelta(hours=48)
    event = ConsultationEvent.objects.get()
    assert (event.kind, event.actor, event.from_status, event.to_status) == ("submitted", doctor, "draft", "submitted")
    assert list(Notification.objects.values_list("recipient", "kind")) == [(specialist.pk, "consultations.submitted")]
    page = client.get(response["Location"]).content.decode()
    assert "The consultation is sent to" in page


def test_an_urgent_case_uses_the_groups_response_target(client, doctor, patient, specialist) -> None:
    ResponseTarget.objects.create(specialty="respiratory", urgency="urgent", hours=2)
    client.force_login(doctor)

    client.post(_url(patient), _case(specialist, urgency="urgent"))

    consultation = Consultation.objects.get()
    assert consultation.urgency == "urgent"
    assert consultation.due_at - consultation.submitted_at == timedelta(hours=2)


def test_submitting_without_a_question_is_refused_and_stores_nothing(client, doctor, patient, specialist) -> None:
    client.force_login(doctor)

    response = client.post(_url(patient), _case(specialist, question="  "))

    assert response.status_code == 200
    assert "Write the clinical question before submitting." in response.content.decode()
    assert not Consultation.objects.exists()
    assert not ConsultationEvent.objects.exists()


@pytest.fixture
def unconsented(doctor, patient):
    """A child of the same age whose guardian has not agreed to sharing."""
    return PatientFactory(
        hospital=doctor.hospital, registered_by=doctor, date_of_birth=patient.date_of_birth, consent=False
    )


def test_without_consent_the_form_warns_and_submitting_is_refused(client, doctor, unconsented, specialist) -> None:
    patient = unconsented
    client.force_login(doctor)

    page = client.get(_url(patient)).content.decode()
    response = client.post(_url(patient), _case(specialist, attachments=[_png()]))

    assert 'data-testid="no-consent"' in page
    assert response.status_code == 200
    assert "Record the guardian&#x27;s consent to share the record before asking a specialist." in (
        response.content.decode()
    )
    assert not Consultation.objects.exists()
    assert not Attachment.objects.exists()


def test_without_consent_a_draft_can_still_be_saved(client, doctor, unconsented, specialist) -> None:
    client.force_login(doctor)

    client.post(_url(unconsented), _case(specialist, action="draft"))

    assert Consultation.objects.get().status == Status.DRAFT


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("temperature_c", "52", "Temperature of 52.0 °C is not plausible"),
        ("heart_rate", "400", "Heart rate of 400 /min is not plausible"),
        ("weight_kg", "300", "Weight of 300 kg is not plausible for a child of 2 years"),
        ("spo2", "101", "SpO₂ of 101 % is not plausible"),
        ("height_cm", "250", "Height or length of 250 cm is not plausible"),
    ],
)
def test_implausible_vital_signs_are_refused_naming_the_field(
    client, doctor, patient, specialist, field, value, message, media_root
) -> None:
    client.force_login(doctor)

    response = client.post(_url(patient), _case(specialist, attachments=[_png()], **{field: value}))

    assert response.status_code == 200
    assert message in response.content.decode()
    errors = response.context["form"].errors
    # The field's error, and beside the file field the photo that must be chosen again.
    assert list(errors) == [field, "attachments"]
    assert [error.code for error in errors.as_data()["attachments"]] == ["not_kept"]
    assert not Consultation.objects.exists()
    assert not Attachment.objects.exists()
    assert not (media_root.exists() and any(path.is_file() for path in media_root.rglob("*")))


def test_values_abnormal_for_age_are_accepted(client, doctor, patient, specialist) -> None:
    client.force_login(doctor)

    client.post(_url(patient), _case(specialist, temperature_c="39.5", respiratory_rate="52", spo2="91"))

    consultation = Consultation.objects.get()
    assert consultation.status == Status.SUBMITTED
    assert (str(consultation.temperature_c), consultation.respiratory_rate, consultation.spo2) == ("39.5", 52, 91)


def test_files_are_stored_on_the_childs_record_for_the_consultation(client, doctor, patient, specialist) -> None:
    client.force_login(doctor)

    client.post(_url(patient), _case(specialist, attachments=[_png("a.png"), _png("b.png")], file_kind="xray_photo"))

    consultation = Consultation.objects.get()
    files = Attachment.objects.for_source(consultation)
    assert sorted(files.values_list("original_name", flat=True)) == ["a.png", "b.png"]
    assert {(f.patient_id, f.kind, f.uploaded_by_id) for f in files} == {(patient.pk, "xray_photo", doctor.pk)}


def test_a_file_that_is_not_an_image_or_pdf_is_refused_by_name(client, doctor, patient, specialist) -> None:
    client.force_login(doctor)
    page = SimpleUploadedFile("结果.png", b"<html><script>alert(1)</script></html>", content_type="image/png")

    response = client.post(_url(patient), _case(specialist, attachments=[_png(), page]))

    assert response.status_code == 200
    errors = response.context["form"].errors["attachments"]
    assert errors[0].startswith("结果.png: Only JPEG and PNG images and PDF documents can be attached")
    assert not Consultation.objects.exists()
    assert not Attachment.objects.exists()


def test_a_department_of_a_district_hospital_is_refused(client, doctor, patient, specialist) -> None:
    client.force_login(doctor)

    response = client.post(_url(patient), _case(specialist, department=str(doctor.department_id)))

    assert response.status_code == 200
    assert "department" in response.context["form"].errors
    assert not Consultation.objects.exists()


def test_posting_the_same_form_twice_makes_one_consultation(client, doctor, patient, specialist) -> None:
    client.force_login(doctor)
    draft_id = client.get(_url(patient)).context["form"]["draft_id"].value()
    data = _case(specialist, draft_id=str(draft_id))

    first = client.post(_url(patient), data)
    second = client.post(_url(patient), data)

    consultation = Consultation.objects.get()
    assert str(consultation.public_id) == str(draft_id)
    assert first["Location"] == second["Location"] == f"/consultations/{consultation.public_id}/"
    assert ConsultationEvent.objects.filter(kind="submitted").count() == 1
    assert "This consultation was already saved" in client.get(second["Location"]).content.decode()


def test_another_hospitals_doctor_gets_404_and_nothing_is_stored(client, outsider, patient, specialist) -> None:
    client.force_login(outsider)

    assert client.get(_url(patient)).status_code == 404
    assert client.post(_url(patient), _case(specialist)).status_code == 404
    assert not Consultation.objects.exists()
    assert not AccessEvent.objects.exists()


def test_a_specialist_sharing_the_record_cannot_ask_on_the_hospitals_behalf(client, patient, specialist) -> None:
    patient.grant(user=specialist, reason="care")
    client.force_login(specialist)

    assert client.get(_url(patient)).status_code == 404
    assert client.post(_url(patient), _case(specialist)).status_code == 404
    assert not Consultation.objects.exists()


def test_people_without_a_doctor_role_get_403(client, yangpu, patient, specialist) -> None:
    trainer = UserFactory(hospital=yangpu, roles=[Role.TRAINING_MANAGER])
    client.force_login(trainer)

    assert client.get(_url(patient)).status_code == 403
    assert client.post(_url(patient), _case(specialist)).status_code == 403
    assert not Consultation.objects.exists()


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_are_not_allowed(client, doctor, patient, method) -> None:
    client.force_login(doctor)

    assert getattr(client, method)(_url(patient)).status_code == 405


@pytest.fixture
def handbook_editors(xinhua) -> list:
    """Two editors: a handbook topic is published by one and approved by the other."""
    return [UserFactory(username=f"editor{n}", hospital=xinhua, roles=[Role.HANDBOOK_EDITOR]) for n in (1, 2)]


def test_handbook_topics_matching_the_symptoms_are_shown_when_there_are_some(
    client, doctor, patient, specialist, handbook_editors
) -> None:
    publish_topic(*handbook_editors, "fever", ("发热", "Fever"), summary=("发热的处理", "Managing fever"))
    publish_topic(*handbook_editors, "diarrhoea", ("腹泻", "Diarrhoea"), symptom="diarrhoea")
    write_draft(handbook_editors[0], "fever-unpublished", ("发热（草稿）", "Fever (draft)"))
    client.force_login(doctor)

    response = client.post(_url(patient), _case(specialist, question="", symptoms="发热"))

    body = response.content.decode()
    assert 'data-testid="handbook-topics"' in body
    assert [document.topic.slug for document in response.context["handbook_topics"]] == ["fever"]
    assert f'href="{reverse("handbook:topic", args=["fever"])}"' in body
    assert "Fever" in body
    assert reverse("handbook:topic", args=["diarrhoea"]) not in body
    assert reverse("handbook:topic", args=["fever-unpublished"]) not in body  # a draft is not offered


def test_a_drafts_symptoms_find_their_handbook_topics(client, doctor, patient, specialist, handbook_editors) -> None:
    publish_topic(*handbook_editors, "diarrhoea", ("腹泻", "Diarrhoea"), symptom="diarrhoea")
    draft = ConsultationFactory(
        patient=patient, department=specialist.department, status="draft", submitted_at=None, symptoms="腹泻、呕吐"
    )
    client.force_login(doctor)

    body = client.get(f"/consultations/{draft.public_id}/edit/").content.decode()

    assert 'data-testid="handbook-topics"' in body
    assert f'href="{reverse("handbook:topic", args=["diarrhoea"])}"' in body


def test_no_handbook_area_without_topics(client, doctor, patient) -> None:
    client.force_login(doctor)

    assert 'data-testid="handbook-topics"' not in client.get(_url(patient)).content.decode()


def test_a_second_xinhua_department_is_offered_too(client, doctor, patient, specialist, xinhua) -> None:
    neurology = DepartmentFactory(hospital=xinhua, specialty="neurology", name_en="Neurology")
    client.force_login(doctor)

    client.post(_url(patient), _case(specialist, department=str(neurology.pk)))

    assert Consultation.objects.get().department == neurology


def test_a_form_id_of_someone_elses_case_makes_a_new_case(client, doctor, patient, specialist, outsider) -> None:
    theirs = ConsultationFactory(
        patient=PatientFactory(hospital=outsider.hospital, registered_by=outsider), department=specialist.department
    )
    client.force_login(doctor)

    response = client.post(_url(patient), _case(specialist, draft_id=str(theirs.public_id)))

    mine = Consultation.objects.exclude(pk=theirs.pk).get()
    assert response["Location"] == f"/consultations/{mine.public_id}/"
    assert mine.public_id != theirs.public_id
    assert mine.patient == patient
