"""Running a pathway: the form, the recorded run, its result page, and who may see what."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from cloudpeds.audit.models import AccessEvent
from handbook.models import TriageRun
from handbook.timeline import timeline_entries
from tests.factories import PatientFactory, UserFactory

from .triage_support import form_data

pytestmark = pytest.mark.django_db

URL = "/handbook/topics/cough-or-difficult-breathing/triage/"


@pytest.fixture
def other_child(outsider, baoshan):
    return PatientFactory(hospital=baoshan, registered_by=outsider, name="李四")


DANGER_KEYS = ("unable_to_drink", "vomits_everything", "convulsions_history", "lethargic", "convulsing_now")


def danger_step(**answers: str) -> dict[str, str]:
    """The first step's POST data: the general danger signs only (all "no" unless given)."""
    values = {key: answers.get(key, "no") for key in DANGER_KEYS}
    return {"step": "danger", **{f"q_{key}": value for key, value in values.items()}}


def test_the_form_asks_the_danger_signs_first_and_nothing_else(client, cough, doctor) -> None:
    client.force_login(doctor)

    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert all(f'name="q_{key}"' in html for key in DANGER_KEYS)
    assert "Breaths in one minute (/min)" not in html
    assert 'name="q_chest_indrawing"' not in html
    assert 'name="step" value="danger"' in html
    assert 'name="date_of_birth"' in html
    assert 'name="age_value"' in html


def test_one_danger_sign_stops_at_once_with_urgent_referral(client, cough, doctor) -> None:
    client.force_login(doctor)

    response = client.post(URL, {"age_value": "10", "age_unit": "months", **danger_step(lethargic="yes")})

    run = TriageRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/handbook/triage/runs/{run.public_id}/"
    assert run.classification_colour == "red"
    assert set(run.answers) == set(DANGER_KEYS)  # no other question was asked
    result = client.get(response["Location"]).content.decode()
    assert run.classification_name in result
    assert str(run.actions_html) and str(run.actions_html) in result  # the pre-referral steps


def test_without_a_danger_sign_the_other_questions_follow_with_the_age_shown(client, cough, doctor) -> None:
    client.force_login(doctor)
    born = timezone.localdate() - timedelta(days=59)

    response = client.post(URL, {"date_of_birth": born.isoformat(), **danger_step()})

    assert response.status_code == 200
    assert not TriageRun.objects.exists()
    html = response.content.decode()
    assert 'name="q_chest_indrawing"' in html
    assert 'name="step" value="all"' in html
    assert 'data-testid="triage-computed-age"' in html
    shown = html.split('data-testid="triage-computed-age"')[1].split("</p>")[0]
    assert "Age: 1 month 28 days" in shown
    # The danger answers are kept in the form (still shown), so the final run has every sign.
    radios = re.findall(r'<input[^>]*name="q_lethargic"[^>]*>', html)
    assert [r for r in radios if 'value="no"' in r and "checked" in r]

    response = client.post(URL, {"date_of_birth": born.isoformat(), "step": "all", **form_data(respiratory_rate=40)})

    run = TriageRun.objects.get()
    assert response.status_code == 302
    assert set(DANGER_KEYS) <= set(run.answers) and "chest_indrawing" in run.answers


def test_a_danger_step_with_a_missing_sign_is_refused_and_nothing_is_recorded(client, cough, doctor) -> None:
    client.force_login(doctor)
    data = danger_step()
    del data["q_lethargic"]

    response = client.post(URL, {"age_value": "10", "age_unit": "months", **data})

    assert response.status_code == 200
    assert not TriageRun.objects.exists()
    assert 'name="step" value="danger"' in response.content.decode()


def test_a_run_with_a_typed_age_is_recorded_with_the_rows_that_fired(client, cough, doctor, yangpu) -> None:
    client.force_login(doctor)

    response = client.post(URL, {"age_value": "10", "age_unit": "months", **form_data(respiratory_rate=52)})

    run = TriageRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/handbook/triage/runs/{run.public_id}/"
    assert (run.user, run.hospital, run.patient, run.pathway_version) == (doctor, yangpu, None, cough)
    assert (run.age_months, run.age_entered) == (10, True)
    assert (run.classification_code, run.classification_colour) == ("pneumonia", "yellow")
    assert run.answers["respiratory_rate"] == "52"
    assert run.fired_texts() == ["respiratory rate 52 ≥ 50 /min (60 days to under 12 months)"]


def test_a_run_for_a_registered_child_uses_the_age_in_the_record(client, cough, doctor, child) -> None:
    client.force_login(doctor)

    client.post(
        URL, {"patient": str(child.public_id), "age_value": "4", "age_unit": "years", **form_data(respiratory_rate=45)}
    )

    run = TriageRun.objects.get()
    assert run.patient == child
    assert (run.age_months, run.age_entered) == (10, False)  # the typed age is ignored
    assert run.classification_code == "cough_or_cold"  # 45 < 50 at 10 months


def test_opening_the_form_for_a_child_is_logged(client, cough, doctor, child) -> None:
    client.force_login(doctor)

    response = client.get(URL, {"patient": str(child.public_id)})

    assert response.status_code == 200
    assert "王小明" in response.content.decode()
    assert 'name="age_value"' not in response.content.decode()
    assert AccessEvent.objects.filter(patient=child, user=doctor).count() == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_child_of_another_hospital_cannot_be_triaged(client, cough, doctor, other_child, method) -> None:
    client.force_login(doctor)
    data = {"patient": str(other_child.public_id), **form_data(respiratory_rate=52)}

    response = getattr(client, method)(URL, data)

    assert response.status_code == 404
    assert not TriageRun.objects.exists()
    assert not AccessEvent.objects.exists()


def test_a_role_without_patients_cannot_choose_a_child(client, cough, editor, child) -> None:
    client.force_login(editor)

    assert client.get(URL, {"patient": str(child.public_id)}).status_code == 403


def test_anyone_signed_in_may_try_a_pathway_with_a_typed_age(client, cough, editor) -> None:
    client.force_login(editor)

    response = client.post(URL, {"age_value": "2", "age_unit": "years", **form_data(chest_indrawing="yes")})

    assert response.status_code == 302
    assert TriageRun.objects.get().classification_code == "pneumonia"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"age_value": "10", "age_unit": "months", **form_data(respiratory_rate=500)},
            "q_respiratory_rate",
            "respiratory rate of 500 is not plausible: enter a value from 5 to 120 /min.",
        ),
        (
            {"age_value": "1", "age_unit": "months", **form_data()},
            "age_value",
            "Under 3 months, enter the age in days: the young infant thresholds are counted in days.",
        ),
        (
            {"age_value": "5", "age_unit": "years", **form_data()},
            "age_value",
            "This pathway applies to children aged under 5 years only.",
        ),
        ({**form_data()}, "date_of_birth", "Enter the child's date of birth (or age and unit)."),
        # No default unit: "3" for a 3-year-old must never become 3 months.
        ({"age_value": "3", **form_data()}, "age_unit", "Choose the unit of the age: days, months or years."),
        ({"date_of_birth": "2099-01-01", **form_data()}, "date_of_birth", "The date of birth cannot be in the future."),
        (
            {"age_value": "10", "age_unit": "months", **form_data(chest_indrawing=None)},
            "q_chest_indrawing",
            "This field is required.",
        ),
    ],
)
def test_unusable_input_is_refused_with_a_message(client, cough, doctor, data, field, message) -> None:
    client.force_login(doctor)

    response = client.post(URL, data)

    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert not TriageRun.objects.exists()


def test_a_young_infant_by_days(client, cough, doctor) -> None:
    client.force_login(doctor)

    client.post(URL, {"age_value": "59", "age_unit": "days", **form_data(respiratory_rate=60)})

    run = TriageRun.objects.get()
    assert (run.age_days, run.classification_code) == (59, "pneumonia")


def test_wrong_method(client, cough, doctor) -> None:
    client.force_login(doctor)

    assert client.put(URL).status_code == 405
    assert client.delete(URL).status_code == 405


def test_a_topic_without_a_published_pathway_is_404(client, editor2, doctor) -> None:
    from .triage_support import write_pathway

    write_pathway(editor2, "cough")  # a draft only
    client.force_login(doctor)

    assert client.get(URL).status_code == 404


def test_the_index_lists_published_pathways(client, cough, doctor) -> None:
    client.force_login(doctor)

    response = client.get("/handbook/triage/")

    assert response.status_code == 200
    assert URL in response.content.decode()


# --- The result page ------------------------------------------------------------------------------


def _run(version, user, patient=None, **answers):
    spec = version.spec
    parsed, errors = spec.parse_answers({key.removeprefix("q_"): value for key, value in form_data(**answers).items()})
    assert not errors
    born = patient.date_of_birth if patient else timezone.localdate() - timedelta(days=400)
    return version.run(user, parsed, born=born, patient=patient)


def test_the_result_shows_the_classification_the_actions_and_why(client, cough, doctor, child) -> None:
    run = _run(cough, doctor, child, respiratory_rate=52)
    client.force_login(doctor)

    response = client.get(f"/handbook/triage/runs/{run.public_id}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Pneumonia" in html
    assert "Give oral amoxicillin for 5 days." in html
    assert "respiratory rate 52 ≥ 50 /min (60 days to under 12 months)" in html
    assert AccessEvent.objects.filter(patient=child, object_type="handbook.triagerun").count() == 1


def test_a_colleague_sees_the_run_of_a_child_of_their_hospital(client, cough, doctor, child, yangpu) -> None:
    run = _run(cough, doctor, child)
    colleague = UserFactory(username="colleague", hospital=yangpu, roles=["grassroots_doctor"])
    client.force_login(colleague)

    assert client.get(f"/handbook/triage/runs/{run.public_id}/").status_code == 200


def test_another_hospital_cannot_see_a_run(client, cough, doctor, child, outsider) -> None:
    run = _run(cough, doctor, child)
    client.force_login(outsider)

    assert client.get(f"/handbook/triage/runs/{run.public_id}/").status_code == 404


def test_a_run_without_a_child_is_seen_only_by_who_made_it(client, cough, doctor, yangpu) -> None:
    run = _run(cough, doctor)
    colleague = UserFactory(username="colleague", hospital=yangpu, roles=["grassroots_doctor"])
    client.force_login(colleague)

    assert client.get(f"/handbook/triage/runs/{run.public_id}/").status_code == 404
    client.force_login(doctor)
    assert client.get(f"/handbook/triage/runs/{run.public_id}/").status_code == 200


def test_the_result_page_is_read_only(client, cough, doctor) -> None:
    run = _run(cough, doctor)
    client.force_login(doctor)

    assert client.post(f"/handbook/triage/runs/{run.public_id}/").status_code == 405


# --- Choosing a child, and the child's timeline -------------------------------------------------------


def test_the_child_search_finds_only_children_one_may_see(client, cough, doctor, child, other_child) -> None:
    client.force_login(doctor)

    found = client.get("/handbook/triage/patients/", {"q": "王"}).content.decode()
    not_found = client.get("/handbook/triage/patients/", {"q": "李四"}).content.decode()

    assert str(child.public_id) in found
    assert "王小明" in found
    assert str(other_child.public_id) not in not_found
    assert "No child of yours matches." in not_found


def test_the_child_search_is_for_roles_with_patients(client, cough, editor) -> None:
    client.force_login(editor)

    assert client.get("/handbook/triage/patients/", {"q": "王"}).status_code == 403


def test_the_timeline_lists_the_childs_runs_in_one_query(cough, doctor, child, django_assert_num_queries) -> None:
    _run(cough, doctor, child, respiratory_rate=52)
    _run(cough, doctor, child, stridor="yes")
    _run(cough, doctor)  # no child: not on anyone's timeline

    with django_assert_num_queries(1):
        entries = timeline_entries(child, doctor)

    assert sorted(entry.kind for entry in entries) == ["handbook.triage", "handbook.triage"]
    assert {entry.icon for entry in entries} == {"bi-exclamation-octagon", "bi-exclamation-triangle"}


def test_the_patient_page_shows_the_triage(client, cough, doctor, child) -> None:
    run = _run(cough, doctor, child, respiratory_rate=52)
    client.force_login(doctor)

    response = client.get(f"/patients/{child.public_id}/")

    assert run.get_absolute_url() in response.content.decode()


def test_the_index_carries_a_child_to_the_pathway(client, cough, doctor, child) -> None:
    client.force_login(doctor)

    response = client.get("/handbook/triage/", {"patient": str(child.public_id)})

    assert response.status_code == 200
    assert f"{URL}?patient={child.public_id}" in response.content.decode()


def test_the_index_refuses_a_child_of_another_hospital(client, cough, doctor, other_child) -> None:
    client.force_login(doctor)

    assert client.get("/handbook/triage/", {"patient": str(other_child.public_id)}).status_code == 404
    assert client.get("/handbook/triage/", {"patient": "not-a-uuid"}).status_code == 404
