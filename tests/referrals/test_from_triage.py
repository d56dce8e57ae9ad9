"""A transfer request started from a handbook triage result: referrals:new?triage=<run id>.

The run (handbook.TriageRun) pre-fills the child, the urgency its colour means and a summary
of what it found; the referral keeps a foreign key to it and the handbook's snapshot."""

from __future__ import annotations

from uuid import uuid4

import pytest
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone

from cloudpeds.accounts.roles import Role
from handbook.models import PathwayVersion, TriageRun
from handbook.triage import add_months
from referrals.models import Referral, Urgency
from tests.factories import PatientFactory, UserFactory
from tests.handbook.triage_support import form_data, publish_pathway

from .conftest import in_english, request_data

pytestmark = pytest.mark.django_db

NEW = reverse("referrals:new")
RED_FINDING = "Severe pneumonia or very severe disease"
EMERGENCY = {"urgency": "emergency", "reason": "needs_intensive_care", "clinical_summary": "喘鸣，呼吸急促"}


@pytest.fixture
def cough(xinhua) -> PathwayVersion:
    author, approver = (
        UserFactory(username=name, hospital=xinhua, roles=[Role.HANDBOOK_EDITOR]) for name in ("editor", "editor2")
    )
    return publish_pathway(author, approver, "cough")


@pytest.fixture
def child(doctor):
    return PatientFactory(
        hospital=doctor.hospital, registered_by=doctor, date_of_birth=add_months(timezone.localdate(), -10)
    )


def _triage(version: PathwayVersion, user, child, **answers) -> TriageRun:
    raw = {key.removeprefix("q_"): value for key, value in form_data(version.pathway.slug, **answers).items()}
    parsed, errors = version.spec.parse_answers(raw)
    assert not errors, errors
    return version.run(user, parsed, born=child.date_of_birth, patient=child)


@pytest.fixture
def red_run(cough, doctor, child) -> TriageRun:
    return _triage(cough, doctor, child, stridor="yes", respiratory_rate=56, spo2=88)


def test_a_red_result_starts_an_emergency_request_for_its_child(red_run):
    initial = Referral.initial_from_triage(red_run)

    assert initial["urgency"] == Urgency.EMERGENCY
    assert RED_FINDING in initial["clinical_summary"]
    assert "Answers:" in initial["clinical_summary"]


def test_a_green_result_starts_a_routine_request(cough, doctor, child):
    run = _triage(cough, doctor, child)

    assert Referral.initial_from_triage(run)["urgency"] == Urgency.ROUTINE


def test_the_form_is_prefilled_from_the_run(client, doctor, red_run, child, respiratory):
    client.force_login(in_english(doctor))

    response = client.get(NEW, {"triage": red_run.public_id})

    assert response.status_code == 200
    assert response.context["patient"] == child
    form = response.context["form"]
    assert form.initial["urgency"] == Urgency.EMERGENCY
    assert RED_FINDING in form.initial["clinical_summary"]
    assert 'data-testid="from-triage"' in response.content.decode()


def test_the_referral_points_at_the_run(client, doctor, red_run, child, respiratory, transfer_admin):
    client.force_login(doctor)

    response = client.post(f"{NEW}?triage={red_run.public_id}", request_data(respiratory, **EMERGENCY))

    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response.url == referral.get_absolute_url()
    assert (referral.patient, referral.triage) == (child, red_run)
    assert referral.handbook_context["triage_run"] == str(red_run.public_id)
    assert list(red_run.referrals.all()) == [referral]


def test_a_run_with_a_referral_cannot_be_deleted(client, doctor, red_run, respiratory, transfer_admin):
    client.force_login(doctor)
    client.post(f"{NEW}?triage={red_run.public_id}", request_data(respiratory, **EMERGENCY))

    with pytest.raises(ProtectedError):
        red_run.delete()


def test_another_hospitals_run_is_a_404(client, outsider, red_run):
    client.force_login(outsider)

    assert client.get(NEW, {"triage": red_run.public_id}).status_code == 404
    assert client.post(f"{NEW}?triage={red_run.public_id}").status_code == 404
    assert not Referral.objects.exists()


def test_a_run_about_another_child_is_a_404(client, doctor, red_run, respiratory):
    other = PatientFactory(hospital=doctor.hospital, registered_by=doctor)
    client.force_login(doctor)

    response = client.post(
        f"{NEW}?triage={red_run.public_id}&patient={other.public_id}", request_data(respiratory, **EMERGENCY)
    )

    assert response.status_code == 404
    assert not Referral.objects.exists()


# (Moved from test_request_views.py, with the malformed id added.)
@pytest.mark.parametrize("triage", [uuid4(), "not-a-uuid"])
def test_unknown_triage_is_a_404(client, doctor, triage):
    client.force_login(doctor)

    assert client.get(NEW, {"triage": triage}).status_code == 404
