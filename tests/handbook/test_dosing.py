"""Doses by weight: mg/kg, the maximum dose, volumes per formulation, rounding and refusals."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from handbook.models import DoseError, weight_problem
from tests.factories import DosingRuleFactory, DrugFactory, FormulationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def paracetamol():
    drug = DrugFactory(slug="paracetamol")
    DosingRuleFactory(drug=drug, mg_per_kg=15, max_dose_mg=1000, doses_per_day=4)
    FormulationFactory(drug=drug, strength_mg=120, volume_ml=5)  # 24 mg/ml
    FormulationFactory(drug=drug, strength_mg=160, volume_ml=5, name_en="oral suspension 160 mg/5 ml")
    return drug


ON = date(2026, 12, 7)


def _doses(drug, weight: str, born: date | None = None):
    """The doses for a child of a plausible age for the weight (1 year, or 15 years from 40 kg)."""
    born = born or (date(2011, 12, 7) if Decimal(weight) >= 40 else date(2025, 12, 7))
    return drug.doses(Decimal(weight), born=born, on=ON).doses


def test_dose_and_volume_for_each_formulation_rounded(paracetamol) -> None:
    per_24, per_32 = _doses(paracetamol, "7.3")

    # 7.3 kg x 15 mg/kg = 109.5 mg; 109.5 / 24 = 4.5625 ml; 109.5 / 32 = 3.42 ml.
    assert (per_24.mg, per_24.ml, per_24.capped) == (Decimal("109.5"), Decimal("4.6"), False)
    assert (per_32.mg, per_32.ml) == (Decimal("109.5"), Decimal("3.4"))
    assert per_24.daily_mg == Decimal("438.0")


def test_mg_are_rounded_to_one_decimal(paracetamol) -> None:
    dose = _doses(paracetamol, "12.37")[0]

    assert dose.mg == Decimal("185.6")  # 185.55 rounds half up
    assert dose.ml == Decimal("7.7")  # 185.55 / 24 = 7.73


def test_a_heavy_child_is_capped_at_the_maximum_dose(paracetamol) -> None:
    dose = _doses(paracetamol, "80")[0]

    assert dose.capped
    assert dose.mg == Decimal("1000.0")
    # 1000 / 24 = 41.67 ml: 41.7 ml would be 1000.8 mg, over the maximum.
    assert dose.ml == Decimal("41.6")


def test_exactly_at_the_maximum_is_not_capped(paracetamol) -> None:
    dose = _doses(paracetamol, "66.66")[0]  # 999.9 mg

    assert not dose.capped
    assert dose.mg == Decimal("999.9")
    assert dose.ml == Decimal("41.6")  # 41.66 → 41.7 ml would deliver 1000.8 mg


def test_a_rule_with_a_minimum_age_is_not_for_younger_children() -> None:
    drug = DrugFactory(slug="ibuprofen")
    DosingRuleFactory(drug=drug, mg_per_kg=10, max_dose_mg=400, doses_per_day=3, min_age_months=3)
    FormulationFactory(drug=drug, strength_mg=100, volume_ml=5)

    (young,) = _doses(drug, "5", ON - timedelta(days=80))  # 2 months
    (old_enough,) = _doses(drug, "5", ON - timedelta(days=95))  # 3 months

    assert young.too_young
    assert not old_enough.too_young
    assert (old_enough.mg, old_enough.ml) == (Decimal("50.0"), Decimal("2.5"))


@translation.override("en")
@pytest.mark.parametrize(
    ("weight", "message"),
    [
        ("0", "Enter the child's weight: it must be more than 0 kg."),
        ("-3", "Enter the child's weight: it must be more than 0 kg."),
        ("150.01", "150.01 kg is not a child's weight: the calculator accepts up to 150 kg."),
        ("1500", "1500 kg is not a child's weight"),
    ],
)
def test_impossible_weights_are_refused(weight, message) -> None:
    assert message in weight_problem(Decimal(weight))


def test_150_kg_is_accepted() -> None:
    assert weight_problem(Decimal(150)) == ""


@translation.override("en")
def test_a_weight_impossible_for_the_age_is_refused() -> None:
    born, on = date(2026, 1, 1), date(2026, 3, 5)  # 2 months

    assert "is not plausible for a child of 2 months" in weight_problem(Decimal(30), born=born, on=on)
    assert weight_problem(Decimal("5.2"), born=born, on=on) == ""


@pytest.mark.parametrize(
    ("weight", "born", "message"),
    [
        ("-1", date(2024, 12, 7), "more than 0 kg"),
        ("0", date(2024, 12, 7), "more than 0 kg"),
        ("151", date(2010, 12, 7), "not a child's weight"),
        ("30", date(2026, 10, 7), "not plausible for a child of 2 months"),
    ],
)
def test_the_engine_refuses_impossible_weights(paracetamol, weight, born, message) -> None:
    """Drug.doses itself: -1 kg never gives -15 mg / -0.6 ml, whoever calls it."""
    with pytest.raises(DoseError, match=message):
        paracetamol.doses(Decimal(weight), born=born, on=ON)


def test_the_engine_needs_the_age(paracetamol) -> None:
    with pytest.raises(DoseError, match="Enter the child's age"):
        paracetamol.doses(Decimal(10), born=None, on=ON)
    with pytest.raises(TypeError):
        paracetamol.doses(Decimal(10))  # no default: an age is required


def test_a_volume_that_rounds_to_zero_is_refused() -> None:
    drug = DrugFactory(slug="strong")
    DosingRuleFactory(drug=drug, mg_per_kg=1, max_dose_mg=1000, doses_per_day=1)
    FormulationFactory(drug=drug, strength_mg=500, volume_ml=5)  # 100 mg/ml: 0.5 kg -> 0.5 mg -> 0.005 ml
    with pytest.raises(DoseError, match=r"less than 0\.1 ml"):
        drug.doses(Decimal("0.5"), born=ON - timedelta(days=10), on=ON)
