"""The dosing calculator: drugs, their formulations and weight-based dosing rules.

A rule is milligrams per kilogram per dose, capped at a maximum single dose, given a number
of times a day, optionally not below an age. For a weight, each rule gives a dose in mg
for the child and, for each formulation (a suspension's mg per ml), the volume to give.

Rounding: the dose to 0.1 mg, the volume to the nearest 0.1 ml — except that a volume is
never rounded up past the maximum dose (1000 mg of a 24 mg/ml suspension is 41.6 ml, not
41.7 ml, which would be 1000.8 mg).

Weights are refused rather than calculated when they cannot be a child's: 0 kg or less,
over 150 kg, or outside the plausible band for the child's age (the consultation form's
band, consultations.vitals). The engine itself refuses them (`Drug.doses` raises DoseError),
so no caller can get a dose for -1 kg; the age is required, and a volume that rounds to
0 ml is refused rather than shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consultations.vitals import implausible

from ..triage import ChildAge, number_text, pick
from .topics import Topic

MAX_WEIGHT_KG = Decimal(150)
MG_STEP = Decimal("0.1")
ML_STEP = Decimal("0.1")


class DoseError(ValueError):
    """A dose that cannot be calculated; the message is for the person who typed the weight."""


def weight_problem(weight_kg: Decimal, *, born: date | None = None, on: date | None = None) -> str:
    """Why this weight cannot be used for a dose; empty when it can."""
    if weight_kg <= 0:
        return gettext("Enter the child's weight: it must be more than 0 kg.")
    if weight_kg > MAX_WEIGHT_KG:
        return gettext(
            "%(weight)s kg is not a child's weight: the calculator accepts up to 150 kg. "
            "Check the number (grams typed as kilograms?)."
        ) % {"weight": number_text(weight_kg)}
    if born is not None and on is not None:
        # The consultation form's plausibility bands: one definition of "impossible for the age".
        return implausible("weight_kg", weight_kg, born, on) or ""
    return ""


class DrugQuerySet(models.QuerySet):
    def for_topic(self, topic: Topic) -> DrugQuerySet:
        return self.filter(topics=topic).prefetch_related("formulations", "dosing_rules").order_by("position", "slug")


class Drug(models.Model):
    slug = models.SlugField(_("address"), max_length=60, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    notes_zh = models.TextField(_("notes (Chinese)"), blank=True)
    notes_en = models.TextField(_("notes (English)"), blank=True)
    topics = models.ManyToManyField("handbook.Topic", related_name="drugs", blank=True, verbose_name=_("topics"))
    is_demo = models.BooleanField(_("demonstration content"), default=False)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = DrugQuerySet.as_manager()

    class Meta:
        verbose_name = _("drug")
        verbose_name_plural = _("drugs")
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.slug

    @property
    def name(self) -> str:
        return pick(self.name_zh, self.name_en)

    @property
    def notes(self) -> str:
        return pick(self.notes_zh, self.notes_en)

    def doses(self, weight_kg: Decimal, *, born: date, on: date) -> DrugDoses:
        """Every rule's dose for each formulation; DoseError for a weight or age that cannot be used."""
        if born is None or on is None or on < born:
            raise DoseError(gettext("Enter the child's age: a dose is calculated for a child of a known age."))
        problem = weight_problem(Decimal(weight_kg), born=born, on=on)
        if problem:
            raise DoseError(problem)
        age = ChildAge.between(born, on)
        doses = [
            rule.dose(Decimal(weight_kg), formulation, age)
            for rule in self.dosing_rules.all()
            for formulation in self.formulations.all()
        ]
        for dose in doses:
            if not dose.too_young and dose.ml <= 0:
                raise DoseError(
                    gettext(
                        "%(mg)s mg of %(formulation)s is less than 0.1 ml: this weight cannot be measured "
                        "with this formulation. Check the weight."
                    )
                    % {"mg": number_text(dose.mg), "formulation": dose.formulation.name}
                )
        return DrugDoses(drug=self, doses=doses)


class Formulation(models.Model):
    drug = models.ForeignKey(Drug, on_delete=models.CASCADE, related_name="formulations")
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    # 120 mg in 5 ml: 24 mg per ml.
    strength_mg = models.DecimalField(_("mg"), max_digits=8, decimal_places=2)
    volume_ml = models.DecimalField(_("in ml"), max_digits=6, decimal_places=2)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("formulation")
        verbose_name_plural = _("formulations")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(strength_mg__gt=0) & Q(volume_ml__gt=0), name="handbook_formulation_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.drug.slug} {self.strength_mg} mg/{self.volume_ml} ml"

    @property
    def name(self) -> str:
        return pick(self.name_zh, self.name_en)

    @property
    def mg_per_ml(self) -> Decimal:
        return self.strength_mg / self.volume_ml

    def volume_for(self, mg: Decimal, max_mg: Decimal) -> Decimal:
        """The volume for `mg`, to the nearest 0.1 ml but never more than `max_mg` delivers."""
        exact = mg / self.mg_per_ml
        nearest = exact.quantize(ML_STEP, rounding=ROUND_HALF_UP)
        if nearest * self.mg_per_ml > max_mg:
            return exact.quantize(ML_STEP, rounding=ROUND_DOWN)
        return nearest


class DosingRule(models.Model):
    drug = models.ForeignKey(Drug, on_delete=models.CASCADE, related_name="dosing_rules")
    indication_zh = models.CharField(_("indication (Chinese)"), max_length=200, blank=True)
    indication_en = models.CharField(_("indication (English)"), max_length=200, blank=True)
    mg_per_kg = models.DecimalField(_("mg per kg per dose"), max_digits=6, decimal_places=2)
    max_dose_mg = models.DecimalField(_("maximum single dose (mg)"), max_digits=8, decimal_places=2)
    doses_per_day = models.PositiveSmallIntegerField(_("doses per day (at most)"))
    min_age_months = models.PositiveSmallIntegerField(_("not under (months)"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("dosing rule")
        verbose_name_plural = _("dosing rules")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(mg_per_kg__gt=0) & Q(max_dose_mg__gt=0) & Q(doses_per_day__gte=1),
                name="handbook_dosing_rule_positive",
            )
        ]

    def __str__(self) -> str:
        return f"{self.drug.slug} {self.mg_per_kg} mg/kg (max {self.max_dose_mg} mg)"

    @property
    def indication(self) -> str:
        return pick(self.indication_zh, self.indication_en)

    def dose_mg(self, weight_kg: Decimal) -> tuple[Decimal, bool]:
        """(mg per dose, capped at the maximum?) — the exact figure, before rounding for display."""
        mg = weight_kg * self.mg_per_kg
        if mg > self.max_dose_mg:
            return self.max_dose_mg, True
        return mg, False

    def dose(self, weight_kg: Decimal, formulation: Formulation, age: ChildAge | None = None) -> Dose:
        too_young = age is not None and self.min_age_months is not None and age.months < self.min_age_months
        mg, capped = self.dose_mg(weight_kg)
        return Dose(
            rule=self,
            formulation=formulation,
            mg=mg.quantize(MG_STEP, rounding=ROUND_HALF_UP),
            ml=formulation.volume_for(mg, self.max_dose_mg),
            capped=capped,
            too_young=too_young,
        )


@dataclass(frozen=True)
class Dose:
    rule: DosingRule
    formulation: Formulation
    mg: Decimal
    ml: Decimal
    capped: bool
    too_young: bool  # under the rule's minimum age: shown as not for this child, no dose

    @property
    def daily_mg(self) -> Decimal:
        return (self.mg * self.rule.doses_per_day).quantize(MG_STEP, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class DrugDoses:
    drug: Drug
    doses: list[Dose]
