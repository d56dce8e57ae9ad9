"""A legal hold (封存) freezes a child's records until two group administrators release it."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError, IntegrityError

from cloudpeds.accounts.roles import Role
from cloudpeds.attachments.models import Attachment
from cloudpeds.patients.models import LegalHold, LegalHoldError, Patient
from consultations.models import Consultation
from tests.conftest import enroll_totp
from tests.factories import AttachmentFactory, ConsultationFactory, PatientFactory, UserFactory

pytestmark = pytest.mark.django_db


def _sql(statement: str, *params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.fixture
def second_admin(xinhua):
    user = UserFactory(username="gadmin2", hospital=xinhua, is_staff=True, roles=[Role.GROUP_ADMIN])
    enroll_totp(user)
    return user


@pytest.fixture
def held(yangpu, group_admin):
    patient = PatientFactory(hospital=yangpu, allergies="")
    consultation = ConsultationFactory(patient=patient)
    attachment = AttachmentFactory(patient=patient)
    hold = LegalHold.place(patient, group_admin, "家属对诊疗过程有异议, 医务处封存病历")
    return hold, patient, consultation, attachment


def test_a_hold_records_who_and_why(held, group_admin):
    hold, _patient, *_ = held
    assert hold.placed_by == group_admin
    assert hold.reason.startswith("家属")
    assert list(LegalHold.objects.active()) == [hold]


def test_a_hold_blocks_every_edit_and_deletion(held):
    _hold, patient, consultation, attachment = held
    changes = [
        lambda: Patient.objects.filter(pk=patient.pk).update(allergies="青霉素"),
        # The ORM refuses a patient with records already (PROTECT); the database refuses SQL too.
        lambda: _sql("DELETE FROM patients_patient WHERE id = %s", patient.pk),
        lambda: Consultation.objects.filter(pk=consultation.pk).update(question="改写"),
        lambda: Consultation.objects.filter(pk=consultation.pk).delete(),
        lambda: Attachment.objects.filter(pk=attachment.pk).update(description="改写"),
        lambda: Attachment.objects.filter(pk=attachment.pk).delete(),
    ]
    for change in changes:
        with pytest.raises(DatabaseError, match="legal hold"), transaction.atomic():
            change()

    patient.refresh_from_db()
    consultation.refresh_from_db()
    assert patient.allergies == ""
    assert consultation.question != "改写"


def test_only_a_group_admin_places_a_hold(yangpu, doctor):
    patient = PatientFactory(hospital=yangpu)
    with pytest.raises(LegalHoldError):
        LegalHold.place(patient, doctor, "纠纷")
    with pytest.raises(LegalHoldError):
        LegalHold.place(patient, UserFactory(roles=[Role.GROUP_ADMIN]), "  ")
    assert not LegalHold.objects.exists()


def test_one_active_hold_per_child(held, second_admin):
    _hold, patient, *_ = held
    with pytest.raises(LegalHoldError):
        LegalHold.place(patient, second_admin, "再次封存")
    assert LegalHold.objects.count() == 1


def test_release_needs_two_different_group_admins(held, group_admin, second_admin, doctor):
    hold, patient, *_ = held

    hold.confirm_release(group_admin, "纠纷已调解")
    with pytest.raises(LegalHoldError, match="second, different"):
        hold.confirm_release(group_admin)
    with pytest.raises(LegalHoldError):
        hold.confirm_release(doctor)
    hold.refresh_from_db()
    assert hold.is_active
    with pytest.raises(DatabaseError, match="legal hold"), transaction.atomic():
        Patient.objects.filter(pk=patient.pk).update(allergies="青霉素")

    hold.confirm_release(second_admin)

    hold.refresh_from_db()
    assert (hold.release_requested_by, hold.released_by) == (group_admin, second_admin)
    assert hold.released_at is not None
    Patient.objects.filter(pk=patient.pk).update(allergies="青霉素")
    patient.refresh_from_db()
    assert patient.allergies == "青霉素"


def test_the_database_refuses_a_one_person_release(held, group_admin):
    hold, *_ = held
    hold.confirm_release(group_admin, "纠纷已调解")
    with pytest.raises(IntegrityError), transaction.atomic():
        LegalHold.objects.filter(pk=hold.pk).update(released_by=group_admin, released_at=hold.placed_at)


def test_a_hold_is_never_deleted(held):
    hold, *_ = held
    with pytest.raises(DatabaseError), transaction.atomic():
        LegalHold.objects.filter(pk=hold.pk).delete()
    assert LegalHold.objects.filter(pk=hold.pk).exists()


@pytest.mark.parametrize(
    ("language", "words"), [("en", "legal hold"), ("zh-hans", "该患儿的病历已封存")], ids=["english", "chinese"]
)
def test_a_page_that_changes_a_held_record_says_so(held, login, doctor, client, language, words):
    _hold, patient, *_ = held
    doctor.preferred_language = language
    doctor.save(update_fields=["preferred_language"])
    login(doctor)
    page = client.get(f"/patients/{patient.public_id}/edit/")
    assert page.status_code == 200
    form = page.context["form"]
    formset = page.context["formset"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data["date_of_birth"] = patient.date_of_birth.isoformat()
    data["allergies"] = "青霉素"
    data.update({f"guardians-{key}": value for key, value in formset.management_form.initial.items()})
    for index, guardian_form in enumerate(formset.forms[: formset.initial_form_count()]):
        for name, value in guardian_form.initial.items():
            data[f"guardians-{index}-{name}"] = value
        data[f"guardians-{index}-id"] = guardian_form.instance.pk

    response = client.post(f"/patients/{patient.public_id}/edit/", data)

    assert response.status_code == 409
    assert words in response.content.decode()
    patient.refresh_from_db()
    assert patient.allergies == ""


def test_group_admin_places_and_releases_through_the_admin(client, login_2fa, yangpu, group_admin, second_admin):
    patient = PatientFactory(hospital=yangpu)
    login_2fa(group_admin)

    response = client.post("/admin/patients/legalhold/add/", {"patient": patient.pk, "reason": "医疗纠纷"})
    assert response.status_code == 302, response.content[:2000]
    hold = LegalHold.objects.get()
    assert (hold.patient, hold.placed_by, hold.reason) == (patient, group_admin, "医疗纠纷")

    response = client.post(f"/admin/patients/legalhold/{hold.pk}/change/", {"release_reason": "已调解"})
    assert response.status_code == 302
    hold.refresh_from_db()
    assert hold.release_requested_by == group_admin and hold.is_active

    client.logout()
    login_2fa(second_admin)
    response = client.post("/admin/patients/legalhold/", {"action": "confirm_release", "_selected_action": [hold.pk]})
    assert response.status_code == 302
    hold.refresh_from_db()
    assert hold.released_by == second_admin and not hold.is_active
