"""The remote-service consent (issue 15 point 1): separate from sharing the record,
recorded on the form that sends the case, required to send a consultation or a referral,
both signatures from 14, and withdrawal stops the sharing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cloudpeds.patients.models import SERVICE_CONSENT_TEXT_VERSION, CareTeamGrant, ServiceConsent
from consultations.models import Consultation, ConsultationError, Status
from referrals.models import Referral
from tests.factories import ConsultationFactory, PatientFactory
from tests.referrals.conftest import icd10, request_data  # noqa: F401 - icd10: the autouse ICD-10 subset

pytestmark = pytest.mark.django_db


def _years_ago(years: int, days: int = 30):
    return timezone.localdate() - timedelta(days=365 * years + years // 4 + days)


@pytest.fixture
def unconsented(doctor):
    """A four-year-old whose guardian agreed to share the record but has not signed the
    remote-service consent."""
    doctor.preferred_language = "en"
    doctor.save(update_fields=["preferred_language"])
    return PatientFactory(
        hospital=doctor.hospital, registered_by=doctor, date_of_birth=_years_ago(4), service_consent=False
    )


@pytest.fixture
def teenager(doctor):
    return PatientFactory(
        hospital=doctor.hospital, registered_by=doctor, date_of_birth=_years_ago(15), service_consent=False
    )


def _case(specialist, **overrides) -> dict:
    return {
        "department": str(specialist.department_id),
        "urgency": "routine",
        "question": "反复喘息, 是否需要吸入激素?",
        "history": "近三月喘息四次",
        "symptoms": "喘息",
        "file_kind": "photo",
        "action": "submit",
        **overrides,
    }


# --- The model -------------------------------------------------------------------------


def test_a_guardian_alone_consents_for_a_child_under_14(unconsented, doctor) -> None:
    consent = ServiceConsent.record(
        unconsented,
        guardian_name="李红",
        guardian_relation="mother",
        method="paper_scanned",
        teen_agreed=False,
        recorded_by=doctor,
    )

    assert (consent.text_version, consent.recorded_by, consent.method) == (
        SERVICE_CONSENT_TEXT_VERSION,
        doctor,
        "paper_scanned",
    )
    assert consent.is_active and unconsented.active_service_consent() == consent
    # Separate from the record-sharing consent, which is untouched.
    assert unconsented.consents.count() == 1


def test_from_14_the_teenager_must_sign_as_well_as_the_guardian(teenager, doctor) -> None:
    with pytest.raises(ValidationError) as refused:
        ServiceConsent.record(
            teenager,
            guardian_name="李红",
            guardian_relation="mother",
            method="tablet",
            teen_agreed=False,
            recorded_by=doctor,
        )
    assert "teen_agreed" in refused.value.message_dict
    assert not ServiceConsent.objects.exists()

    consent = ServiceConsent.record(
        teenager,
        guardian_name="李红",
        guardian_relation="mother",
        method="tablet",
        teen_agreed=True,
        recorded_by=doctor,
    )
    assert consent.teen_agreed


def test_recording_twice_keeps_one_active_consent(unconsented, doctor) -> None:
    values = {"guardian_name": "李红", "guardian_relation": "mother", "method": "tablet", "teen_agreed": False}
    first = ServiceConsent.record(unconsented, recorded_by=doctor, **values)
    second = ServiceConsent.record(unconsented, recorded_by=doctor, **values)
    assert first == second and ServiceConsent.objects.count() == 1


# --- Required to send ---------------------------------------------------------------------


def test_a_consultation_cannot_be_sent_without_it(unconsented, specialist) -> None:
    draft = ConsultationFactory(
        patient=unconsented, department=specialist.department, status=Status.DRAFT, submitted_at=None
    )

    with pytest.raises(ConsultationError, match="consent to the remote consultation"):
        draft.submit(draft.requested_by)

    draft.refresh_from_db()
    assert draft.status == Status.DRAFT and draft.service_consent is None


def test_the_form_reports_it_missing_and_keeps_what_was_typed(client, doctor, unconsented, specialist) -> None:
    client.force_login(doctor)

    response = client.post(f"/consultations/new/{unconsented.public_id}/", _case(specialist))

    assert response.status_code == 200
    body = response.content.decode()
    assert "consent to the remote consultation" in body
    assert 'data-testid="consent-step"' in body
    assert "反复喘息, 是否需要吸入激素?" in body  # the draft is still on the page
    assert SERVICE_CONSENT_TEXT_VERSION in body
    assert not Consultation.objects.exists()


def test_the_consent_recorded_on_the_form_sends_the_case(client, doctor, unconsented, specialist) -> None:
    guardian = unconsented.guardians.get()
    client.force_login(doctor)

    response = client.post(
        f"/consultations/new/{unconsented.public_id}/",
        _case(specialist, consent_signed="on", consent_guardian=guardian.pk, consent_method="tablet"),
    )

    assert response.status_code == 302
    consultation = Consultation.objects.get()
    consent = ServiceConsent.objects.get()
    assert consultation.status == Status.SUBMITTED and consultation.service_consent == consent
    assert (consent.guardian_name, consent.recorded_by, consent.method) == (guardian.name, doctor, "tablet")


def test_a_ticked_box_without_the_guardian_is_refused_on_the_form(client, doctor, unconsented, specialist) -> None:
    client.force_login(doctor)

    response = client.post(
        f"/consultations/new/{unconsented.public_id}/", _case(specialist, consent_signed="on", action="draft")
    )

    assert response.status_code == 200
    assert "Choose the guardian who signed." in response.content.decode()
    assert not Consultation.objects.exists() and not ServiceConsent.objects.exists()


def test_a_teenagers_case_needs_both_signatures_on_the_form(client, doctor, teenager, specialist) -> None:
    doctor.preferred_language = "en"
    doctor.save(update_fields=["preferred_language"])
    guardian = teenager.guardians.get()
    client.force_login(doctor)
    signed = {"consent_signed": "on", "consent_guardian": guardian.pk, "consent_method": "paper_scanned"}

    response = client.post(f"/consultations/new/{teenager.public_id}/", _case(specialist, **signed))
    assert response.status_code == 200
    assert "the teenager must agree and sign" in response.content.decode()
    assert not ServiceConsent.objects.exists()

    response = client.post(
        f"/consultations/new/{teenager.public_id}/", _case(specialist, consent_teen_agreed="on", **signed)
    )
    assert response.status_code == 302
    assert ServiceConsent.objects.get().teen_agreed
    assert Consultation.objects.get().status == Status.SUBMITTED


def test_the_missing_sharing_consent_is_recorded_on_the_same_form(client, doctor, specialist) -> None:
    doctor.preferred_language = "en"
    doctor.save(update_fields=["preferred_language"])
    child = PatientFactory(
        hospital=doctor.hospital,
        registered_by=doctor,
        date_of_birth=_years_ago(3),
        consent=False,
        service_consent=False,
    )
    guardian = child.guardians.get()
    client.force_login(doctor)

    response = client.post(
        f"/consultations/new/{child.public_id}/",
        _case(
            specialist,
            consent_signed="on",
            consent_guardian=guardian.pk,
            consent_method="tablet",
            consent_sharing="on",
        ),
    )

    assert response.status_code == 302
    assert child.has_sharing_consent() and child.active_service_consent() is not None
    assert Consultation.objects.get().status == Status.SUBMITTED


def test_a_referral_cannot_be_sent_without_it(client, doctor, unconsented, respiratory) -> None:
    client.force_login(doctor)
    url = f"/referrals/new/?patient={unconsented.public_id}"

    response = client.post(url, request_data(respiratory))
    assert response.status_code == 200
    assert "consent to the remote service" in response.content.decode()
    assert not Referral.objects.exists()

    guardian = unconsented.guardians.get()
    response = client.post(
        url, request_data(respiratory, consent_signed="on", consent_guardian=guardian.pk, consent_method="tablet")
    )
    assert response.status_code == 302
    assert Referral.objects.get().service_consent == unconsented.active_service_consent()


# --- Withdrawal ---------------------------------------------------------------------------


def test_withdrawal_stops_further_sharing(doctor, specialist, colleague_specialist) -> None:
    child = PatientFactory(hospital=doctor.hospital, registered_by=doctor)
    consent = child.active_service_consent()
    answering = ConsultationFactory(patient=child, department=specialist.department)
    answering.claim(specialist)
    waiting = ConsultationFactory(patient=child, department=specialist.department)
    assert CareTeamGrant.objects.live().filter(patient=child, user=specialist).exists()

    revoked = consent.withdraw(withdrawn_by=doctor, note="家长要求撤回")

    assert revoked == 1
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None and consent.withdrawn_by == doctor
    assert not CareTeamGrant.objects.live().filter(patient=child, user=specialist).exists()
    # The specialists no longer see the cases; the requesting hospital keeps its record.
    assert not Consultation.objects.visible_to(specialist).filter(patient=child).exists()
    assert Consultation.objects.visible_to(doctor).filter(patient=child).count() == 2
    with pytest.raises(ConsultationError, match="withdrawn consent"):
        waiting.claim(colleague_specialist)
    # Nothing new is sent under it.
    draft = ConsultationFactory(patient=child, department=specialist.department, status=Status.DRAFT, submitted_at=None)
    with pytest.raises(ConsultationError):
        draft.submit(doctor)


@pytest.fixture
def colleague_specialist(specialist):
    from cloudpeds.accounts.roles import Role
    from tests.factories import UserFactory

    return UserFactory(
        username="spec-colleague",
        hospital=specialist.hospital,
        department=specialist.department,
        roles=[Role.SPECIALIST],
    )


@pytest.fixture
def respiratory(specialist):
    """The specialist's department, with beds, as the receiving end of a transfer."""
    department = specialist.department
    department.bed_count = 10
    department.save(update_fields=["bed_count"])
    return department


# --- The withdrawal page action -------------------------------------------------------------


def test_withdrawing_on_the_patient_page(client, doctor, outsider, specialist) -> None:
    child = PatientFactory(hospital=doctor.hospital, registered_by=doctor)
    url = f"/patients/{child.public_id}/service-consent/withdraw/"

    client.force_login(outsider)
    assert client.post(url).status_code == 404
    client.force_login(specialist)
    assert client.post(url).status_code in (403, 404)
    client.force_login(doctor)
    assert client.get(url).status_code == 405
    assert child.active_service_consent() is not None

    response = client.post(url, {"note": "家长撤回"})

    assert response.status_code == 302
    consent = child.service_consents.get()
    assert consent.withdrawn_by == doctor and consent.withdrawal_note == "家长撤回"
    assert child.active_service_consent() is None
