"""The demo children and the benchmark volume: realistic, and safe to run twice."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone, translation

from cloudpeds.accounts import demo as accounts_demo
from cloudpeds.accounts.models import User
from cloudpeds.patients import demo, growth
from cloudpeds.patients.demo import scale
from cloudpeds.patients.models import Consent, Guardian, Patient


@pytest.fixture
def demo_accounts(db):
    accounts_demo.seed(io.StringIO())


def test_the_demo_children_are_created_once(demo_accounts) -> None:
    out = io.StringIO()
    demo.seed(out)
    counts = (Patient.objects.count(), Guardian.objects.count())
    demo.seed(out)

    assert Patient.objects.count() == len(demo.CHILDREN) == counts[0]
    assert Guardian.objects.count() == counts[1]
    assert "already there" in out.getvalue()
    assert "skipped" not in out.getvalue()
    assert set(Patient.objects.values_list("registered_by__username", flat=True)) == {
        "dr.yangpu",
        "dr.chongming",
        "dr.baoshan",
        "dr.hongkou",
    }


def test_the_demo_spans_a_newborn_to_a_teenager(demo_accounts) -> None:
    demo.seed(io.StringIO())
    today = timezone.localdate()

    newborn = Patient.objects.get(name="李欣怡")
    teenager = Patient.objects.get(name="刘雨桐")
    with translation.override("en"):
        assert newborn.age_display() == "5 days"
        assert teenager.age_display().startswith("14 years")
    assert (newborn.gestational_age_weeks, newborn.birth_weight_g) == (37, 2980)
    assert newborn.date_of_birth == today - timedelta(days=5)
    assert newborn.measurements.count() == 2
    assert Patient.objects.filter(allergies__contains="青霉素过敏").exists()
    assert Patient.objects.filter(chronic_conditions__contains="哮喘").exists()
    with_consent = sum(patient.has_sharing_consent() for patient in Patient.objects.all())
    assert with_consent > Patient.objects.count() / 2
    for patient in Patient.objects.exclude(national_id=""):
        patient.full_clean()  # valid ID numbers that match the birth dates


def test_every_district_hospital_has_demo_children_registered_there(demo_accounts) -> None:
    demo.seed(io.StringIO())

    for code in ["yangpu", "chongming", "baoshan", "hongkou"]:
        assert Patient.objects.filter(hospital__code=code).exists(), code
    assert not Patient.objects.exclude(registered_by__hospital=F("hospital")).exists()


def test_a_child_waits_for_a_doctor_at_its_hospital(demo_accounts) -> None:
    """Without the accounts' demo doctor (a partial seed), the child is left out and said so."""
    User.objects.filter(username="dr.hongkou").update(is_active=False)
    out = io.StringIO()

    demo.seed(out)

    assert not Patient.objects.filter(hospital__code="hongkou").exists()
    assert "1 skipped (no doctor account at their hospital)" in out.getvalue()

    User.objects.filter(username="dr.hongkou").update(is_active=True)
    demo.seed(io.StringIO())
    assert Patient.objects.filter(hospital__code="hongkou").count() == 1


def test_the_demo_doctor_sees_the_yangpu_children(client, demo_accounts) -> None:
    demo.seed(io.StringIO())
    client.force_login(User.objects.get(username="dr.yangpu"))

    response = client.get("/patients/")

    names = {patient.name for patient in response.context["page"].object_list}
    assert "王小明" in names
    assert "黄诗琪" not in names  # Chongming


def test_scale_data_is_created_once_with_a_guardian_each(demo_accounts) -> None:
    out = io.StringIO()
    scale.seed_scale(out, factor=0.002)  # 100 children

    assert Patient.objects.count() == 100
    assert Guardian.objects.count() == 100
    assert 50 < Consent.objects.count() < 100  # most guardians agreed to sharing
    # Spread over the district hospitals that have a doctor: all four in the demo.
    assert set(Patient.objects.values_list("hospital__code", flat=True)) == {
        "yangpu",
        "chongming",
        "baoshan",
        "hongkou",
    }
    assert Patient.objects.filter(hospital__code="yangpu").count() == 25

    scale.seed_scale(out, factor=0.002)
    assert Patient.objects.count() == 100
    assert "100 already there" in out.getvalue()


def test_scale_data_fills_in_what_is_missing(demo_accounts) -> None:
    scale.seed_scale(io.StringIO(), factor=0.001)
    # The records are within their retention period: the database refuses to delete them, so
    # this test (standing for a database administrator's repair) switches the triggers off.
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        Patient.objects.filter(pk__in=Patient.objects.order_by("pk").values("pk")[:10]).delete()
        cursor.execute("SET session_replication_role = DEFAULT")

    scale.seed_scale(io.StringIO(), factor=0.001)

    assert Patient.objects.count() == 50
    assert Patient.objects.values("hospital", "record_number").distinct().count() == 50


def test_a_demo_child_drifts_to_moderate_wasting(demo_accounts) -> None:
    """The growth charts have a story to show: normal at one year, moderate acute
    malnutrition (weight-for-height below −2 z, MUAC 123 mm) at 25 months."""
    demo.seed(io.StringIO())
    child = Patient.objects.get(record_number="YP2025000108")

    measurements = list(child.measurements.all())
    assessments = growth.assess_all(measurements, sex=child.sex, born=child.date_of_birth)

    assert len(measurements) == 6
    assert assessments[0].nutrition == growth.Nutrition.MODERATE
    assert assessments[0].measurement.muac_mm == 123
    assert -3 <= assessments[0].wflh.z < -2
    assert [a.nutrition for a in assessments[1:]] == [growth.Nutrition.NONE] * 5
    assert all(a.lhfa.classification == "Normal" for a in assessments)
