"""Realistic volume for `manage.py seed_scale` (the benchmark): 50,000 children times `factor`
across the district hospitals, each with one guardian.

Most children also have the guardian's sharing consent, as in real use (the list shows it).
Rows are inserted with bulk_create in batches of 5,000. Record numbers `SC` + hospital code
+ serial are the key: a second run creates only what is missing and skips entirely once the
target exists. The history triggers run as for any insert, as they would in production.
"""

from __future__ import annotations

import random
import time
from datetime import datetime, timedelta
from datetime import time as clock

from django.db import transaction
from django.utils import timezone

from cloudpeds.accounts.models import Hospital, User
from cloudpeds.accounts.roles import DOCTOR_ROLES

from ..models import Consent, Guardian, Patient

TARGET = 50_000
BATCH = 5_000
PREFIX = "SC"

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
_GIVEN = "子梓浩宇欣怡雨涵思彤嘉俊杰一诺轩然佳琪可馨明阳晨曦天佑若汐博文沐辰悦安乐瑶家豪志远书航语桐昊铭芷若"
_GUARDIAN_GIVEN = "丽芳敏静燕红娟霞伟强磊军勇杰涛明超刚平辉"
_ALLERGIES = ["青霉素过敏", "头孢类抗生素过敏", "鸡蛋过敏", "牛奶蛋白过敏", "尘螨过敏", "花生过敏"]
_CONDITIONS = ["哮喘", "过敏性鼻炎", "癫痫", "先天性心脏病", "1型糖尿病", "特应性皮炎"]
_RELATIONS = [Guardian.Relation.MOTHER] * 6 + [Guardian.Relation.FATHER] * 3 + [Guardian.Relation.GRANDPARENT]


def district_doctors() -> dict[Hospital, User]:
    """One doctor per district hospital that has one; children go only to those hospitals
    (and the feature apps' scale data has these doctors send the children's cases on)."""
    registrars = {}
    for hospital in Hospital.objects.filter(level=Hospital.Level.DISTRICT).order_by("code"):
        doctor = User.objects.with_role(*DOCTOR_ROLES).filter(hospital=hospital).order_by("pk").first()
        if doctor is not None:
            registrars[hospital] = doctor
    return registrars


def _child(rng: random.Random, hospital: Hospital, doctor: User, serial: int, now: datetime) -> Patient:
    today = now.date()
    born = today - timedelta(days=rng.randint(0, 14 * 365 + 300))
    registered = max(born, today - timedelta(days=rng.randint(0, 3 * 365)))
    name = rng.choice(_SURNAMES) + "".join(rng.choices(_GIVEN, k=rng.choice((1, 2, 2))))
    newborn_details = (rng.randint(33, 41), rng.randint(1900, 4200)) if (today - born).days < 120 else (None, None)
    return Patient(
        hospital=hospital,
        record_number=f"{PREFIX}{hospital.code.upper()}{serial:07d}",
        name=name,
        sex=rng.choice((Patient.Sex.MALE, Patient.Sex.FEMALE)),
        date_of_birth=born,
        allergies=rng.choice(_ALLERGIES) if rng.random() < 0.06 else "",
        chronic_conditions=rng.choice(_CONDITIONS) if rng.random() < 0.04 else "",
        gestational_age_weeks=newborn_details[0],
        birth_weight_g=newborn_details[1],
        registered_by=doctor,
        created_at=timezone.make_aware(datetime.combine(registered, clock(8, 0))) + timedelta(minutes=serial % 600),
    )


def _guardian(rng: random.Random, patient: Patient, serial: int) -> Guardian:
    return Guardian(
        patient=patient,
        name=patient.name[0] + rng.choice(_GUARDIAN_GIVEN),
        relation=rng.choice(_RELATIONS),
        phone=f"13{rng.choice('89')}0000{serial % 10_000:04d}",
    )


def seed_scale(stdout, factor: float = 1.0) -> None:
    target = int(TARGET * factor)
    registrars = district_doctors()
    if not registrars:
        stdout.write("Scale patients: no district hospital has a doctor account; run seed_demo first.")
        return
    scale_rows = Patient.objects.filter(record_number__startswith=PREFIX)
    if scale_rows.count() >= target:
        stdout.write(f"Scale patients: {target} already there.")
        return

    started = time.monotonic()
    existing = set(scale_rows.values_list("hospital_id", "record_number"))
    hospitals = list(registrars)
    rng = random.Random(20250101)  # synthetic data: no security use
    now = timezone.localtime()
    pending: list[tuple[Patient, int]] = []
    created = 0
    for index in range(target):
        hospital = hospitals[index % len(hospitals)]
        serial = index // len(hospitals)
        if (hospital.pk, f"{PREFIX}{hospital.code.upper()}{serial:07d}") in existing:
            continue
        pending.append((_child(rng, hospital, registrars[hospital], serial, now), serial))
        if len(pending) == BATCH:
            created += _insert(rng, pending)
            pending = []
    if pending:
        created += _insert(rng, pending)
    elapsed = time.monotonic() - started
    names = ", ".join(hospital.code for hospital in hospitals)
    stdout.write(f"Scale patients: {created} created across {names} in {elapsed:.1f} s.")


def _insert(rng: random.Random, pending: list[tuple[Patient, int]]) -> int:
    with transaction.atomic():
        patients = Patient.objects.bulk_create([patient for patient, _serial in pending])
        guardians = Guardian.objects.bulk_create(
            [_guardian(rng, patient, serial) for patient, (_p, serial) in zip(patients, pending, strict=True)]
        )
        Consent.objects.bulk_create(
            [
                Consent(
                    patient=guardian.patient,
                    given_by=guardian.name,
                    relation=guardian.relation,
                    recorded_by=guardian.patient.registered_by,
                    recorded_at=guardian.patient.created_at,
                )
                for guardian in guardians
                if rng.random() < 0.8
            ]
        )
    return len(patients)
