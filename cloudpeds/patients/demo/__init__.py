"""Demo children at the district hospitals, for `manage.py seed_demo` (after the accounts' demo).

Idempotent: each child is keyed on (hospital, record number) and created once with its
guardians, consent and measurements; running again leaves existing records alone (a doctor
may have changed them while trying the portal). Dates are relative to the day of seeding, so
a fresh demo always has a five-day-old newborn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from cloudpeds.accounts.models import Hospital, User
from cloudpeds.accounts.roles import DOCTOR_ROLES

from ..models import SERVICE_CONSENT_TEXT_VERSION, GrowthMeasurement, Patient, ServiceConsent
from ..national_id import check_character

# Phone numbers in the reserved-looking 138/139 0000 xxxx style: not anyone's real number.


@dataclass(frozen=True)
class DemoChild:
    hospital: str
    record_number: str
    name: str
    sex: str
    age_days: int
    guardians: tuple[tuple[str, str, str], ...]  # name, relation, phone
    allergies: str = ""
    chronic_conditions: str = ""
    gestational_age_weeks: int | None = None
    birth_weight_g: int | None = None
    consent: bool = True
    national_id_region: str = ""  # set to give the child an ID card number
    # (days ago, weight kg, height cm, head circumference cm[, MUAC mm])
    measurements: tuple[tuple, ...] = field(default=())


CHILDREN = [
    DemoChild(
        "yangpu",
        "YP2025000101",
        "王小明",
        "male",
        3 * 365 + 130,
        (("王芳", "mother", "13800001001"), ("王强", "father", "13900001002")),
        allergies="青霉素过敏",
        national_id_region="310110",
        measurements=((400, "12.60", "90.5", "48.0"), (200, "14.10", "96.0", "48.6"), (14, "15.30", "101.2", "49.1")),
    ),
    DemoChild(
        "yangpu",
        "YP2025000102",
        "李欣怡",
        "female",
        5,
        (("张丽", "mother", "13800001003"), ("李军", "father", "13900001004")),
        gestational_age_weeks=37,
        birth_weight_g=2980,
        measurements=((5, "2.98", "49.5", "34.0"), (0, "2.90", None, None)),
    ),
    DemoChild(
        "yangpu",
        "YP2025000103",
        "张子豪",
        "male",
        7 * 365 + 40,
        (("张华", "father", "13900001005"),),
        chronic_conditions="哮喘（中度持续），吸入布地奈德",
        national_id_region="310110",
        measurements=((180, "23.50", "122.0", None), (30, "24.80", "124.5", None)),
    ),
    DemoChild(
        "yangpu",
        "YP2025000104",
        "刘雨桐",
        "female",
        14 * 365 + 20,
        (("刘敏", "mother", "13800001006"),),
        allergies="头孢类抗生素过敏",
        national_id_region="310110",
        measurements=((60, "48.20", "158.0", None),),
    ),
    DemoChild(
        "yangpu",
        "YP2025000105",
        "陈浩然",
        "male",
        275,
        (("陈静", "mother", "13800001007"), ("陈伟", "father", "13900001008")),
        consent=False,
        measurements=((90, "7.90", "68.0", "43.5"), (7, "8.60", "71.5", "44.8")),
    ),
    DemoChild(
        "yangpu",
        "YP2025000106",
        "杨梓涵",
        "female",
        2 * 365 + 35,
        (("杨洁", "mother", "13800001009"), ("杨国庆", "grandparent", "13900001010")),
        measurements=((3, "11.80", "86.0", "47.2"),),
    ),
    DemoChild(
        "yangpu",
        "YP2025000108",
        "林可欣",
        "female",
        2 * 365 + 35,
        (("林静", "mother", "13800001012"),),
        # The growth charts' story: over her second year weight falls away from length until,
        # at 25 months, weight-for-height is below −2 z and MUAC is 123 mm: moderate acute
        # malnutrition (IMCI), while length-for-age stays normal.
        measurements=(
            (400, "8.60", "73.5", "44.6"),
            (300, "9.20", "76.5", "45.3"),
            (200, "9.50", "79.5", "45.9", 140),
            (120, "9.60", "82.0", "46.4", 132),
            (60, "9.55", "84.0", "46.8", 127),
            (3, "9.40", "85.5", "47.2", 123),
        ),
    ),
    DemoChild(
        "yangpu",
        "YP2025000107",
        "赵一鸣",
        "male",
        11 * 365 + 200,
        (("赵磊", "father", "13900001011"),),
        allergies="尘螨过敏",
        chronic_conditions="哮喘",
    ),
    DemoChild(
        "chongming",
        "CM2025000201",
        "黄诗琪",
        "female",
        4 * 365 + 90,
        (("黄燕", "mother", "13800002001"),),
        measurements=((21, "16.40", "104.0", None),),
    ),
    DemoChild(
        "chongming",
        "CM2025000202",
        "周俊杰",
        "male",
        40,
        (("周婷", "mother", "13800002002"), ("周鹏", "father", "13900002003")),
        gestational_age_weeks=35,
        birth_weight_g=2350,
        measurements=((40, "2.35", "46.0", "32.0"), (26, "2.90", "49.0", "33.5"), (2, "3.80", "53.0", "36.0")),
    ),
    DemoChild(
        "chongming",
        "CM2025000203",
        "吴思远",
        "male",
        6 * 365 + 150,
        (("吴红梅", "grandparent", "13800002004"),),
        chronic_conditions="癫痫，口服丙戊酸钠",
        consent=False,
    ),
    DemoChild(
        "chongming",
        "CM2025000204",
        "徐可馨",
        "female",
        12 * 365 + 60,
        (("徐丽娟", "mother", "13800002005"),),
        allergies="鸡蛋过敏",
        national_id_region="310230",
        measurements=((45, "40.50", "151.0", None),),
    ),
    DemoChild(
        "baoshan",
        "BS2025000301",
        "孙嘉怡",
        "female",
        3 * 365 + 10,
        (("孙倩", "mother", "13800003001"),),
    ),
    DemoChild(
        "hongkou",
        "HK2025000401",
        "马天佑",
        "male",
        8 * 365 + 100,
        (("马骏", "father", "13900004001"),),
        chronic_conditions="先天性心脏病术后（室间隔缺损修补）",
    ),
]

# Each district hospital's demo doctor (cloudpeds/accounts/demo.py) registers its children.
DEMO_DOCTORS = {"yangpu": "dr.yangpu", "chongming": "dr.chongming", "baoshan": "dr.baoshan", "hongkou": "dr.hongkou"}


def _registrar(hospital: Hospital) -> User | None:
    username = DEMO_DOCTORS.get(hospital.code)
    doctors = User.objects.with_role(*DOCTOR_ROLES).filter(hospital=hospital)
    if username:
        return doctors.filter(username=username).first()
    return doctors.order_by("pk").first()


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _national_id(region: str, born: date, record_number: str) -> str:
    first17 = f"{region}{born:%Y%m%d}{record_number[-3:]}"
    return first17 + check_character(first17)


@transaction.atomic
def _create(child: DemoChild, hospital: Hospital, doctor: User, today: date) -> Patient:
    born = today - timedelta(days=child.age_days)
    # Older children were registered some time ago; newborns on the day they were born.
    registered_on = max(born, today - timedelta(days=min(child.age_days, 420)))
    patient = Patient.objects.create(
        hospital=hospital,
        record_number=child.record_number,
        name=child.name,
        sex=child.sex,
        date_of_birth=born,
        national_id=_national_id(child.national_id_region, born, child.record_number)
        if child.national_id_region
        else "",
        allergies=child.allergies,
        chronic_conditions=child.chronic_conditions,
        gestational_age_weeks=child.gestational_age_weeks,
        birth_weight_g=child.birth_weight_g,
        registered_by=doctor,
        created_at=_at(registered_on, 9),
    )
    for name, relation, phone in child.guardians:
        patient.guardians.create(name=name, relation=relation, phone=phone)
    if child.consent:
        name, relation, _phone = child.guardians[0]
        patient.consents.create(given_by=name, relation=relation, recorded_by=doctor, recorded_at=_at(registered_on))
        # The remote-service consent (issue 15), signed on the doctor's tablet at
        # registration; a teenager signs beside the guardian.
        patient.service_consents.create(
            text_version=SERVICE_CONSENT_TEXT_VERSION,
            guardian_name=name,
            guardian_relation=relation,
            teen_agreed=ServiceConsent.needs_teen(patient, today),
            method=ServiceConsent.Method.TABLET,
            recorded_by=doctor,
            recorded_at=_at(registered_on),
        )
    for days_ago, weight, height, head, *muac in child.measurements:
        measured_on = max(born, today - timedelta(days=min(days_ago, child.age_days)))
        measurement = GrowthMeasurement(
            patient=patient,
            measured_on=measured_on,
            weight_kg=Decimal(weight) if weight else None,
            height_cm=Decimal(height) if height else None,
            head_circumference_cm=Decimal(head) if head else None,
            muac_mm=muac[0] if muac else None,
            recorded_by=doctor,
            recorded_at=_at(measured_on, 11),
        )
        measurement.full_clean()
        measurement.save()
    return patient


def seed(stdout) -> None:
    today = timezone.localdate()
    hospitals = {hospital.code: hospital for hospital in Hospital.objects.all()}
    created = existing = skipped = 0
    for child in CHILDREN:
        hospital = hospitals.get(child.hospital)
        doctor = _registrar(hospital) if hospital else None
        if hospital is None or doctor is None:
            skipped += 1
            continue
        if Patient.objects.filter(hospital=hospital, record_number=child.record_number).exists():
            existing += 1
            continue
        _create(child, hospital, doctor, today)
        created += 1
    stdout.write(
        f"Demo patients: {created} created, {existing} already there"
        + (f", {skipped} skipped (no doctor account at their hospital)" if skipped else "")
        + "."
    )
