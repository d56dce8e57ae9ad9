"""Patient.visible_to: one rule, two query shapes (issue 17).

The list form (`id = ANY(ARRAY(grants))`) and the single-record form (a correlated EXISTS)
must admit exactly the same children, for every kind of grant; checked over a matrix of
grants and people, one child at a time and as a whole list.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cloudpeds.accounts.roles import Role
from cloudpeds.patients.models import CareTeamGrant, Patient
from tests.factories import PatientFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(xinhua, yangpu, baoshan):
    spec = UserFactory(username="spec", hospital=xinhua, roles=[Role.SPECIALIST])
    colleague = UserFactory(username="colleague", hospital=xinhua, roles=[Role.SPECIALIST])
    doctor = UserFactory(username="doc", hospital=yangpu, roles=[Role.GRASSROOTS_DOCTOR])
    outsider = UserFactory(username="outsider", hospital=baoshan, roles=[Role.GRASSROOTS_DOCTOR])
    nowhere = UserFactory(username="nowhere", hospital=None, roles=[Role.GRASSROOTS_DOCTOR])
    now = timezone.now()
    children = {}

    def child(name, registered_at, **grant):
        patient = PatientFactory(hospital=registered_at, name=name)
        if grant:
            CareTeamGrant.objects.create(patient=patient, reason="test", **grant)
        children[name] = patient
        return patient

    child("own yangpu", yangpu)
    child("own xinhua", xinhua)
    child("granted to spec", yangpu, user=spec)
    child("granted to xinhua", yangpu, hospital=xinhua)
    child("granted to baoshan", yangpu, hospital=baoshan)
    child("grant expired", yangpu, user=spec, expires_at=now - timedelta(hours=1))
    child("grant still running", yangpu, user=spec, expires_at=now + timedelta(days=1))
    child("grant revoked", yangpu, hospital=xinhua, revoked_at=now - timedelta(minutes=1))
    child("nobody's but baoshan", baoshan)
    # Several grants for one child: still once in a list.
    twice = child("granted twice", baoshan, user=spec)
    CareTeamGrant.objects.create(patient=twice, reason="test", hospital=xinhua)
    people = {"spec": spec, "colleague": colleague, "doctor": doctor, "outsider": outsider, "nowhere": nowhere}
    return people, children


EXPECTED = {
    "spec": {
        "own xinhua",
        "granted to spec",
        "granted to xinhua",
        "grant still running",
        "granted twice",
    },
    "colleague": {"own xinhua", "granted to xinhua", "granted twice"},
    "doctor": {
        "own yangpu",
        "granted to spec",
        "granted to xinhua",
        "granted to baoshan",
        "grant expired",
        "grant still running",
        "grant revoked",
    },
    "outsider": {"granted to baoshan", "nobody's but baoshan", "granted twice"},
    "nowhere": set(),
}


@pytest.mark.parametrize("person", sorted(EXPECTED))
def test_both_shapes_admit_the_same_children(world, person):
    people, children = world
    user = people[person]

    as_list = set(Patient.objects.visible_to(user).values_list("name", flat=True))
    one_by_one = {name for name, child in children.items() if Patient.objects.is_visible_to(user, child)}
    single_shape_list = set(Patient.objects.visible_to(user, one=True).values_list("name", flat=True))

    assert as_list == EXPECTED[person]
    assert one_by_one == EXPECTED[person]
    assert single_shape_list == EXPECTED[person]
    # No child twice in a list, however many grants it has.
    assert Patient.objects.visible_to(user).count() == len(EXPECTED[person])
    assert Patient.objects.visible_to(user, one=True).count() == len(EXPECTED[person])


def test_the_two_shapes_are_the_planned_ones(world):
    people, children = world
    spec = people["spec"]

    list_sql = str(Patient.objects.visible_to(spec).query)
    one_sql = str(Patient.objects.visible_to(spec, one=True).filter(pk=children["own yangpu"].pk).query)

    assert "= ANY(ARRAY(" in list_sql and "EXISTS" not in list_sql
    assert "EXISTS" in one_sql and "ARRAY(" not in one_sql


def test_anonymous_sees_nothing_in_either_shape(world, client):
    from django.contrib.auth.models import AnonymousUser

    assert not Patient.objects.visible_to(AnonymousUser()).exists()
    assert not Patient.objects.visible_to(AnonymousUser(), one=True).exists()
    assert not Patient.objects.is_visible_to(AnonymousUser(), world[1]["own yangpu"])


def test_a_detail_page_uses_the_single_record_shape(world, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    people, children = world
    client.force_login(people["spec"])

    with CaptureQueriesContext(connection) as captured:
        assert client.get(children["granted to spec"].get_absolute_url()).status_code == 200
        assert client.get(children["nobody's but baoshan"].get_absolute_url()).status_code == 404

    patient_lookups = [q["sql"] for q in captured.captured_queries if 'FROM "patients_patient"' in q["sql"]]
    assert patient_lookups
    assert all("ARRAY(" not in sql for sql in patient_lookups), patient_lookups
