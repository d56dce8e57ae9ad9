"""The demo children and the benchmark volume: realistic, and safe to run twice."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from cloudpeds.accounts import demo as accounts_demo
from cloudpeds.accounts.models import Hospital, User
from cloudpeds.accounts.roles import Role
from cloudpeds.patients import demo
from cloudpeds.patients.demo import scale
from cloudpeds.patients.models import Consent, Guardian, Patient

from .conftest import make_user


@pytest.fixture
def demo_accounts(db):
    accounts_demo.seed(io.StringIO())


def test_the_demo_children_are_created_once(demo_accounts) -> None:
    out = io.StringIO()
    demo.seed(out)
    counts = (Patient.objects.count(), Guardian.objects.count())
    demo.seed(out)

    expected = [c for c in demo.CHILDREN if c.hospital in {"yangpu", "chongming"}]
    assert Patient.objects.count() == len(expected) == counts[0]
    assert Guardian.objects.count() == counts[1]
    assert "already there" in out.getvalue()
    assert set(Patient.objects.values_list("registered_by__username", flat=True)) == {"dr.yangpu", "dr.chongming"}


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


def test_baoshan_children_appear_once_the_hospital_has_a_doctor(demo_accounts) -> None:
    make_user("dr.baoshan", Hospital.objects.get(code="baoshan"), Role.GRASSROOTS_DOCTOR)

    demo.seed(io.StringIO())

    assert Patient.objects.filter(hospital__code="baoshan").count() == 1
    assert not Patient.objects.filter(hospital__code="hongkou").exists()


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
    assert set(Patient.objects.values_list("hospital__code", flat=True)) == {"yangpu", "chongming"}
    assert Patient.objects.filter(hospital__code="yangpu").count() == 50

    scale.seed_scale(out, factor=0.002)
    assert Patient.objects.count() == 100
    assert "100 already there" in out.getvalue()


def test_scale_data_fills_in_what_is_missing(demo_accounts) -> None:
    scale.seed_scale(io.StringIO(), factor=0.001)
    Patient.objects.filter(pk__in=Patient.objects.order_by("pk").values("pk")[:10]).delete()

    scale.seed_scale(io.StringIO(), factor=0.001)

    assert Patient.objects.count() == 50
    assert Patient.objects.values("hospital", "record_number").distinct().count() == 50
