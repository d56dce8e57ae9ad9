"""/audit/: find the child or the member of staff an audit is about."""

from __future__ import annotations

import pytest

from tests.factories import PatientFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_index_offers_both_searches(auditor_client):
    response = auditor_client.get("/audit/")

    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="record_number"' in body and 'name="hospital"' in body and "Xinhua Hospital" in body
    assert 'name="who"' in body
    assert response.context["page_obj"] is None


def test_a_patient_is_found_by_part_of_a_chinese_name(auditor_client, child, baoshan):
    PatientFactory(hospital=baoshan, name="李小红")

    response = auditor_client.get("/audit/", {"find": "patients", "name": "小明"})

    assert response.status_code == 200
    assert list(response.context["page_obj"]) == [child]
    body = response.content.decode()
    assert f'href="/audit/patients/{child.public_id}/"' in body
    assert "YP-0001" in body and "Yangpu District Central Hospital" in body


def test_a_record_number_is_looked_up_within_the_chosen_hospital(auditor_client, child, baoshan):
    namesake = PatientFactory(hospital=baoshan, record_number="YP-0001")

    in_yangpu = auditor_client.get(
        "/audit/", {"find": "patients", "record_number": "yp-0001", "hospital": child.hospital_id}
    )
    everywhere = auditor_client.get("/audit/", {"find": "patients", "record_number": "YP-0001", "hospital": ""})

    assert list(in_yangpu.context["page_obj"]) == [child]
    assert set(everywhere.context["page_obj"]) == {child, namesake}


def test_a_user_is_found_by_username(auditor_client, doctor, outsider):
    response = auditor_client.get("/audit/", {"find": "users", "who": "DOC"})

    assert response.status_code == 200
    assert list(response.context["page_obj"]) == [doctor]
    assert f'href="/audit/users/{doctor.public_id}/"' in response.content.decode()


def test_a_user_is_found_by_chinese_full_name(auditor_client, yangpu):
    zhang_wei = UserFactory(username="zw", hospital=yangpu, last_name="张", first_name="伟", is_active=False)
    UserFactory(username="zl", hospital=yangpu, last_name="张", first_name="丽")

    response = auditor_client.get("/audit/", {"find": "users", "who": "张伟"})

    assert list(response.context["page_obj"]) == [zhang_wei]
    assert "Account disabled" in response.content.decode()  # former staff can still be audited


def test_nothing_found_is_said_so(auditor_client, child):
    response = auditor_client.get("/audit/", {"find": "patients", "name": "不存在"})

    assert response.context["page_obj"].paginator.count == 0
    assert "No patient matches this search." in response.content.decode()


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"find": "patients", "name": " ", "record_number": ""}, "__all__", "Enter a name or a medical record number."),
        (
            {"find": "patients", "record_number": "YP-0001", "hospital": "abc"},
            "hospital",
            "Select a valid choice. That choice is not one of the available choices.",
        ),
        (
            {"find": "patients", "record_number": "YP-0001", "hospital": "999999"},
            "hospital",
            "Select a valid choice. That choice is not one of the available choices.",
        ),
        ({"find": "users", "who": "   "}, "who", "This field is required."),
    ],
)
def test_a_bad_search_is_explained(auditor_client, child, params, field, message):
    response = auditor_client.get("/audit/", params)

    assert response.status_code == 200
    form = response.context["patient_form" if params["find"] == "patients" else "user_form"]
    assert form.errors[field] == [message]
    assert response.context["page_obj"] is None


def test_search_results_paginate_with_a_constant_number_of_queries(auditor_client, yangpu, baoshan, count_queries):
    for hospital in (yangpu, baoshan):
        PatientFactory.create_batch(3, hospital=hospital, name="王小明")
    url = "/audit/?find=patients&name=%E5%B0%8F%E6%98%8E"
    with_6 = count_queries(auditor_client, url)

    for hospital in (yangpu, baoshan):
        PatientFactory.create_batch(30, hospital=hospital, name="王小明")
    with_66 = count_queries(auditor_client, url)
    second = auditor_client.get(url + "&page=2")

    assert with_6 == with_66
    assert len(second.context["page_obj"]) == 16


def test_a_doctor_is_refused(client, doctor):
    client.force_login(doctor)

    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/", {"find": "users", "who": "doc"}).status_code == 403


def test_a_transfer_administrator_is_refused(login_2fa, transfer_admin):
    assert login_2fa(transfer_admin).get("/audit/").status_code == 403


def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get("/audit/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/audit/"


def test_post_is_not_allowed(auditor_client):
    assert auditor_client.post("/audit/", {"find": "users", "who": "doc"}).status_code == 405


def test_the_navigation_links_group_administrators_to_the_audit(auditor_client):
    assert 'href="/audit/"' in auditor_client.get("/").content.decode()
