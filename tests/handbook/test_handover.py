"""A red or yellow result handed over in one click: a draft consultation to Xinhua, pre-filled
from the triage, for a child of the doctor's own hospital."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cloudpeds.patients.models import CareTeamGrant
from consultations.models import Consultation
from handbook.models import TriageRun
from handbook.triage import add_months

from .triage_support import form_data, publish_pathway, xinhua_departments

pytestmark = pytest.mark.django_db


@pytest.fixture
def departments(xinhua):
    return xinhua_departments(xinhua)


def _triage(version, user, child=None, **answers) -> TriageRun:
    spec = version.spec
    raw = {key.removeprefix("q_"): value for key, value in form_data(version.pathway.slug, **answers).items()}
    parsed, errors = spec.parse_answers(raw)
    assert not errors, errors
    born = child.date_of_birth if child else add_months(timezone.localdate(), -10)
    return version.run(user, parsed, born=born, patient=child)


def _start(client, run: TriageRun):
    return client.post(f"/handbook/triage/runs/{run.public_id}/consultation/")


@pytest.fixture
def fever_pathway(editor, editor2):
    return publish_pathway(editor2, editor, "fever")


def test_a_red_result_starts_an_urgent_draft_to_the_pathways_department(
    client, cough, doctor, child, departments
) -> None:
    run = _triage(cough, doctor, child, stridor="yes", respiratory_rate=56, spo2=88)
    client.force_login(doctor)

    response = _start(client, run)

    consultation = Consultation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/consultations/{consultation.public_id}/edit/"
    assert consultation.status == "draft"
    assert consultation.urgency == "urgent"
    assert consultation.department == departments["respiratory"]
    assert (consultation.patient, consultation.requested_by) == (child, doctor)
    assert consultation.requesting_hospital == doctor.hospital
    assert (consultation.respiratory_rate, consultation.spo2) == (56, 88)
    assert "Severe pneumonia or very severe disease" in consultation.question
    assert "stridor in a calm child: yes" in consultation.symptoms
    context = consultation.handbook_context
    assert context["source"] == "handbook_triage"
    assert context["triage_run"] == str(run.public_id)
    assert (context["pathway"], context["version"]) == ("cough", cough.number)
    assert context["classification"]["code"] == "severe_pneumonia"
    assert context["classification"]["colour"] == "red"
    assert {"zh", "en"} <= set(context["thresholds"][0])
    assert "oxygen saturation 88 < 90 %" in [text["en"] for text in context["thresholds"]]
    assert any(row["key"] == "stridor" and row["answer"] == "yes" for row in context["answers"])
    run.refresh_from_db()
    assert run.consultation == consultation


def test_a_yellow_result_starts_a_routine_draft_with_the_temperature(
    client, fever_pathway, doctor, child, departments
) -> None:
    run = _triage(fever_pathway, doctor, child, fever_days=5, temperature="39.2", respiratory_rate=44)
    client.force_login(doctor)

    _start(client, run)

    consultation = Consultation.objects.get()
    assert consultation.urgency == "routine"
    assert consultation.department == departments["infectious_diseases"]
    assert consultation.temperature_c == Decimal("39.2")
    assert consultation.respiratory_rate == 44
    assert consultation.handbook_context["classification"]["code"] == "intermediate_risk"


def test_a_second_click_returns_the_same_draft(client, cough, doctor, child, departments) -> None:
    run = _triage(cough, doctor, child, chest_indrawing="yes")
    client.force_login(doctor)

    first = _start(client, run)
    second = _start(client, run)

    assert Consultation.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_a_green_result_has_nothing_to_hand_over(client, cough, doctor, child, departments) -> None:
    run = _triage(cough, doctor, child)
    client.force_login(doctor)

    response = _start(client, run)

    assert response.status_code == 302
    assert response["Location"] == run.get_absolute_url()
    assert not Consultation.objects.exists()


def test_a_run_without_a_registered_child_cannot_be_handed_over(client, cough, doctor, departments) -> None:
    run = _triage(cough, doctor, stridor="yes")
    client.force_login(doctor)

    response = _start(client, run)

    assert response["Location"] == run.get_absolute_url()
    assert not Consultation.objects.exists()


def test_a_doctor_of_another_hospital_gets_404(client, cough, doctor, child, outsider, departments) -> None:
    run = _triage(cough, doctor, child, stridor="yes")
    client.force_login(outsider)

    assert _start(client, run).status_code == 404
    assert not Consultation.objects.exists()


def test_a_specialist_who_sees_the_child_through_a_grant_cannot_ask_for_the_hospital(
    client, cough, doctor, child, specialist, departments
) -> None:
    run = _triage(cough, doctor, child, stridor="yes")
    CareTeamGrant.objects.create(patient=child, user=specialist, reason="consultation")
    client.force_login(specialist)

    assert client.get(run.get_absolute_url()).status_code == 200
    assert _start(client, run).status_code == 403
    assert not Consultation.objects.exists()


def test_a_role_that_is_not_a_doctor_gets_403(client, cough, doctor, child, editor, departments) -> None:
    run = _triage(cough, doctor, child, stridor="yes")
    client.force_login(editor)

    assert _start(client, run).status_code == 403
    assert not Consultation.objects.exists()


def test_the_handover_is_a_post(client, cough, doctor, child, departments) -> None:
    run = _triage(cough, doctor, child, stridor="yes")
    client.force_login(doctor)

    assert client.get(f"/handbook/triage/runs/{run.public_id}/consultation/").status_code == 405
    assert not Consultation.objects.exists()


def test_the_result_page_offers_the_consultation_and_a_referral(client, cough, doctor, child, departments) -> None:
    run = _triage(cough, doctor, child, stridor="yes")
    client.force_login(doctor)

    html = client.get(run.get_absolute_url()).content.decode()

    assert f"/handbook/triage/runs/{run.public_id}/consultation/" in html
    assert "Start an urgent consultation" in html
    assert f"{reverse('referrals:new')}?triage={run.public_id}" in html


def test_after_the_handover_the_result_page_links_to_the_draft(client, cough, doctor, child, departments) -> None:
    run = _triage(cough, doctor, child, stridor="yes")
    client.force_login(doctor)
    _start(client, run)

    html = client.get(run.get_absolute_url()).content.decode()

    assert "Open the consultation started from this triage" in html
    assert "Start an urgent consultation" not in html


def test_a_green_result_offers_no_handover(client, cough, doctor, child) -> None:
    run = _triage(cough, doctor, child)
    client.force_login(doctor)

    response = client.get(run.get_absolute_url())

    assert 'data-testid="handover"' not in response.content.decode()


def test_a_withdrawn_draft_can_be_started_again(client, cough, doctor, child, departments) -> None:
    run = _triage(cough, doctor, child, stridor="yes")
    client.force_login(doctor)
    _start(client, run)
    Consultation.objects.get().withdraw(doctor, "started by mistake")

    _start(client, run)

    assert Consultation.objects.count() == 2
    assert Consultation.objects.filter(status="draft").count() == 1


def test_a_referral_from_the_result_starts_from_the_run(client, cough, doctor, child, outsider) -> None:
    run = _triage(cough, doctor, child, stridor="yes")
    client.force_login(doctor)

    response = client.get(reverse("referrals:new"), {"triage": run.public_id})

    assert response.status_code == 200
    assert response.context["patient"] == child
    initial = response.context["form"].initial
    assert initial["urgency"] == "emergency"
    assert "Severe pneumonia or very severe disease" in initial["clinical_summary"]
    # What a referral keeps of the run: the handbook's snapshot, which names the run.
    assert run.handbook_context()["triage_run"] == str(run.public_id)
    client.force_login(outsider)
    assert client.get(reverse("referrals:new"), {"triage": run.public_id}).status_code == 404
