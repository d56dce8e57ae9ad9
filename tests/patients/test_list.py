from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cloudpeds.patients.models import Patient

from ..factories import PatientFactory

URL = "/patients/"


@pytest.fixture
def children(doctor, yangpu, baoshan, patient):
    others = {
        "王丽": PatientFactory(hospital=yangpu, name="王丽", record_number="YP0002"),
        "李小明": PatientFactory(hospital=yangpu, name="李小明", record_number="YP0003"),
        "张伟": PatientFactory(hospital=yangpu, name="张伟", record_number="YP0004"),
        # Same name at another hospital: never found from Yangpu.
        "王小明@baoshan": PatientFactory(hospital=baoshan, name="王小明", record_number="BS0001"),
    }
    return {"王小明": patient, **others}


def _names(response) -> list[str]:
    return [patient.name for patient in response.context["page"].object_list]


def test_the_list_shows_the_hospitals_children(doctor_client, children) -> None:
    response = doctor_client.get(URL)

    assert response.status_code == 200
    assert sorted(_names(response)) == sorted(["王小明", "王丽", "李小明", "张伟"])
    content = response.content.decode()
    assert f'href="/patients/{children["王小明"].public_id}/"' in content
    assert f'href="/patients/{children["王小明@baoshan"].public_id}/"' not in content
    assert "4 patients" in content


def test_newest_registrations_come_first(doctor_client, yangpu) -> None:
    now = timezone.now()
    old = PatientFactory(hospital=yangpu, name="旧", created_at=now - timedelta(days=30))
    new = PatientFactory(hospital=yangpu, name="新", created_at=now)

    response = doctor_client.get(URL)

    assert list(response.context["page"].object_list) == [new, old]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("王", ["王丽", "王小明"]),
        ("王小明", ["王小明"]),
        ("小明", ["李小明", "王小明"]),
        ("  王小明 ", ["王小明"]),
        ("yp0003", ["李小明"]),
        ("YP0003", ["李小明"]),
        ("赵", []),
    ],
)
def test_search_by_chinese_name_or_record_number(doctor_client, children, query, expected) -> None:
    response = doctor_client.get(URL, {"q": query})

    assert sorted(_names(response)) == sorted(expected)


def test_an_empty_result_says_what_was_searched(doctor_client, children) -> None:
    response = doctor_client.get(URL, {"q": "赵"})

    assert "No patient matches “赵”." in response.content.decode()


def test_an_htmx_search_returns_only_the_results(doctor_client, children) -> None:
    response = doctor_client.get(URL, {"q": "王"}, headers={"HX-Request": "true"})

    content = response.content.decode()
    assert content.lstrip().startswith('<div id="patient-results">')
    assert "<html" not in content
    assert "王丽" in content


def test_25_per_page(doctor_client, yangpu) -> None:
    for _ in range(30):
        PatientFactory(hospital=yangpu)

    first = doctor_client.get(URL)
    second = doctor_client.get(URL, {"page": 2})
    beyond = doctor_client.get(URL, {"page": 99})
    nonsense = doctor_client.get(URL, {"page": "x"})

    assert len(first.context["page"].object_list) == 25
    assert "Page 1 of 2" in first.content.decode()
    assert 'href="?page=2"' in first.content.decode()
    assert len(second.context["page"].object_list) == 5
    assert beyond.context["page"].number == 2
    assert nonsense.context["page"].number == 1
    shown = {p.pk for p in first.context["page"].object_list} | {p.pk for p in second.context["page"].object_list}
    assert len(shown) == 30


def test_the_search_is_kept_across_pages(doctor_client, yangpu) -> None:
    for n in range(30):
        PatientFactory(hospital=yangpu, name=f"王{n}")

    response = doctor_client.get(URL, {"q": "王"})

    assert 'href="?q=%E7%8E%8B&amp;page=2"' in response.content.decode()


def _count_list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200
    return len(queries)


def _make_children(n: int, yangpu, baoshan, doctor) -> None:
    for i in range(n):
        hospital = yangpu if i % 5 else baoshan
        patient = PatientFactory(hospital=hospital, allergies="青霉素过敏" if i % 3 == 0 else "", consent=i % 2 == 0)
        if hospital == baoshan and patient.has_sharing_consent():
            patient.grant(user=doctor, reason="consultation")  # shown with the Baoshan hospital name


def test_the_query_count_does_not_grow_with_the_number_of_patients(doctor_client, doctor, yangpu, baoshan) -> None:
    _make_children(5, yangpu, baoshan, doctor)
    small = _count_list_queries(doctor_client)
    assert len(doctor_client.get(URL).context["page"].object_list) == 5

    _make_children(95, yangpu, baoshan, doctor)
    large = _count_list_queries(doctor_client)
    assert len(doctor_client.get(URL).context["page"].object_list) == 25

    assert small == large


def test_the_list_shows_allergy_and_consent_flags(doctor_client, yangpu) -> None:
    PatientFactory(hospital=yangpu, allergies="青霉素过敏", consent=False)

    content = doctor_client.get(URL).content.decode()

    assert 'title="青霉素过敏"' in content
    assert "No sharing consent" in content


def test_each_row_says_whether_sharing_consent_is_active(doctor, yangpu) -> None:
    given = PatientFactory(hospital=yangpu, name="有")
    never = PatientFactory(hospital=yangpu, name="无", consent=False)
    withdrawn = PatientFactory(hospital=yangpu, name="撤")
    withdrawn.withdraw_consent(withdrawn_by=doctor)
    again = PatientFactory(hospital=yangpu, name="再")
    again.withdraw_consent(withdrawn_by=doctor)
    again.record_consent(given_by="李红", relation="mother", recorded_by=doctor)

    rows = {p.name: p.has_consent for p in Patient.objects.visible_to(doctor).with_list_columns()}

    assert rows == {given.name: True, never.name: False, withdrawn.name: False, again.name: True}


def test_the_consent_flag_is_a_scalar_subquery_not_a_hashable_exists(doctor) -> None:
    # An EXISTS in the select list may be planned as a hashed subplan over every active
    # consent of the group (issue 17: ~40 ms at scale for a page of 25 rows).
    sql = str(Patient.objects.visible_to(doctor).with_list_columns().query)

    assert "EXISTS" not in sql.split(" FROM ")[0]


def test_the_list_writes_no_access_event(doctor_client, patient) -> None:
    from cloudpeds.audit.models import AccessEvent

    doctor_client.get(URL)

    assert not AccessEvent.objects.exists()


def test_wrong_method(doctor_client) -> None:
    assert doctor_client.post(URL).status_code == 405


def test_the_access_rule_can_use_the_hospital_index(doctor, patient) -> None:
    # With a handful of rows a sequential scan is cheapest; forbid it to see which indexes
    # the planner *can* use for the paginator's count. The own-hospital arm must be an index
    # condition, not a filter applied to every hospital's children.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = Patient.objects.visible_to(doctor).order_by().explain()

    assert "Index Cond: (hospital_id =" in plan, plan
    assert "Index Cond: (id = ANY" in plan, plan  # the granted records, by primary key
    assert "Seq Scan on patients_patient " not in plan, plan


def test_a_page_can_be_read_from_the_recency_index(doctor, patient) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
    plan = Patient.objects.visible_to(doctor).order_by("-created_at", "-pk")[:25].explain()

    assert "Index Scan using patient_recent" in plan, plan


def test_past_the_count_cap_the_list_says_more_than_and_pages_through_the_newest(
    doctor_client, yangpu, monkeypatch
) -> None:
    from cloudpeds.patients import views

    monkeypatch.setattr(views, "LIST_COUNT_CAP", 3)
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    now = timezone.now()
    children = [PatientFactory(hospital=yangpu, created_at=now - timedelta(days=n)) for n in range(5)]

    first = doctor_client.get(URL)
    last = doctor_client.get(URL, {"page": 9})

    assert "More than 3 patients" in first.content.decode()
    assert first.context["page"].paginator.num_pages == 2
    assert list(first.context["page"].object_list) == children[:2]
    assert list(last.context["page"].object_list) == children[2:3]
    # At the cap exactly, the count is exact.
    monkeypatch.setattr(views, "LIST_COUNT_CAP", 5)
    content = doctor_client.get(URL).content.decode()
    assert "5 patients" in content
    assert "More than" not in content
