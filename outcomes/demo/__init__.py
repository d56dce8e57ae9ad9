"""The outcomes demo for `manage.py seed_demo` (runs last: after every other app's demo).

Twelve months of closed consultations from the four district hospitals to Xinhua, so that the
outcomes page tells a story: Yangpu's doctors took the group's training in the fifth month
before now, and from then on more of their questions are answered "manage locally", fewer
need an information request, and answers come faster; Baoshan, Hongkou and Chongming stay
level, with a winter peak of respiratory questions everywhere. The children are the demo's
own (cloudpeds/patients/demo); the cases are written straight into their final state
(closed, with feedback), keyed on fixed ids, so a second run adds nothing. Then the
handbook triage runs of the same months (triage.py: some ending in these consultations or
in a referral), and the daily roll-ups of every app, the outcomes app's own included, are
rebuilt, as `manage.py rebuild_rollups` would.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from cloudpeds.accounts.models import Department, User
from cloudpeds.patients.models import Patient
from consultations import rollups as consultation_rollups
from consultations.models import Adoption, Consultation, Message, Recommendation, Status, Urgency
from referrals import rollups as referral_rollups
from training import rollups as training_rollups

from .. import rollups as outcome_rollups
from . import triage

NAMESPACE = uuid.UUID("2c0b7f1e-5d1a-4a57-9a0e-4b8f6c7d9e21")
MONTHS = 12
TRAINED_MONTHS_AGO = 5  # Yangpu's doctors finished the course this many months before now
# Per hospital: (requesting doctor, cases in an ordinary month).
HOSPITALS = {
    "yangpu": ("dr.yangpu", 28),
    "baoshan": ("dr.baoshan", 18),
    "hongkou": ("dr.hongkou", 14),
    "chongming": ("dr.chongming", 12),
}
QUESTIONS = [
    ("respiratory", "3岁，发热2天伴咳嗽，精神可，双肺呼吸音粗，是否需要抗生素？"),
    ("respiratory", "18月龄，反复喘息3次，本次咳嗽伴喘息1天，SpO2 96%，能否门诊雾化观察？"),
    ("respiratory", "5岁，咳嗽3周，夜间为主，无发热，考虑咳嗽变异性哮喘吗？"),
    ("general_pediatrics", "2岁，腹泻3天，每日5-6次稀水样便，尿量稍少，口服补液是否足够？"),
    ("general_pediatrics", "8月龄，发热39℃一天，无其他症状，血常规白细胞偏高，如何处理？"),
    ("neurology", "4岁，热性惊厥首次发作，持续2分钟，已恢复，是否需要脑电图？"),
]


def _month_start(months_ago: int) -> datetime:
    today = timezone.localdate()
    index = today.year * 12 + today.month - 1 - months_ago
    day = datetime(index // 12, index % 12 + 1, 1)
    return timezone.make_aware(datetime.combine(day.date(), time(8)), timezone.get_default_timezone())


def _story(code: str, months_ago: int) -> tuple[float, float, float]:
    """(share answered manage locally, share needing an information request, median hours)."""
    if code == "yangpu" and months_ago < TRAINED_MONTHS_AGO:
        progress = (TRAINED_MONTHS_AGO - months_ago) / TRAINED_MONTHS_AGO  # 0.2 … 1.0
        return 0.48 + 0.30 * progress, 0.34 - 0.22 * progress, 14 - 6 * progress
    return {"yangpu": (0.46, 0.35, 15), "baoshan": (0.55, 0.28, 12), "hongkou": (0.5, 0.3, 13)}.get(
        code, (0.42, 0.38, 18)
    )


def seed(stdout) -> None:
    users = {
        user.username: user
        for user in User.objects.filter(username__in=["spec.resp", "spec.neuro", *[d for d, _n in HOSPITALS.values()]])
    }
    departments = {d.specialty: d for d in Department.objects.filter(hospital__code="xinhua")}
    specialist = users.get("spec.resp")
    if specialist is None or not departments:
        stdout.write("Outcomes demo skipped: run the accounts demo first.")
        return
    made = 0
    story = {}
    with transaction.atomic():
        for code, (username, volume) in HOSPITALS.items():
            doctor = users.get(username)
            if doctor is None or doctor.hospital is None:
                continue
            children = _children(doctor)
            made += _seed_hospital(code, doctor, children, volume, departments, specialist, users.get("spec.neuro"))
            story[code] = (doctor, children, _public_ids(code, volume), volume)
        runs = triage.seed(story, _month_start, MONTHS, TRAINED_MONTHS_AGO)
    today = timezone.localdate()
    start = _month_start(MONTHS - 1).date()
    modules = (consultation_rollups, referral_rollups, training_rollups, outcome_rollups)
    rows = sum(module.rebuild(start, today) for module in modules)
    stdout.write(
        f"Outcomes demo: {made} closed consultations and {runs} triage runs over {MONTHS} months; {rows} roll-up rows."
    )


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林"
GIVEN = ["子涵", "欣怡", "浩然", "梓萱", "宇轩", "诗涵", "一诺", "俊杰", "雨桐", "博文", "思彤", "子墨"]
CHILDREN_PER_HOSPITAL = 30


def _children(doctor: User) -> list[Patient]:
    """The story's own children, so the workflow demos' children keep their timelines as
    written. Record numbers ZOC… sort after the patients demo's (the attachments demo picks
    children by their place in record-number order)."""
    hospital = doctor.hospital
    rng = random.Random(f"outcomes-children-{hospital.code}")  # noqa: S311 (demo data, not secrets)
    today = timezone.localdate()
    wanted = [
        Patient(
            hospital=hospital,
            record_number=f"ZOC{hospital.code.upper()}{serial:04d}",
            name=rng.choice(SURNAMES) + rng.choice(GIVEN),
            sex=rng.choice((Patient.Sex.MALE, Patient.Sex.FEMALE)),
            date_of_birth=today - timedelta(days=rng.randint(200, 3600)),
            registered_by=doctor,
            # Registered before the story's first month, so they sit below the live demo's children.
            created_at=timezone.now() - timedelta(days=400 + serial),
        )
        for serial in range(1, CHILDREN_PER_HOSPITAL + 1)
    ]
    numbers = [child.record_number for child in wanted]
    existing = set(
        Patient.objects.filter(hospital=hospital, record_number__in=numbers).values_list("record_number", flat=True)
    )
    Patient.objects.bulk_create([child for child in wanted if child.record_number not in existing])
    return list(Patient.objects.filter(hospital=hospital, record_number__in=numbers).order_by("record_number"))


def _public_ids(code: str, volume: int) -> set[uuid.UUID]:
    ids = set()
    for months_ago in range(MONTHS - 1, 0, -1):
        begin = _month_start(months_ago)
        for serial in range(round(volume * 1.35) + 1):
            ids.add(uuid.uuid5(NAMESPACE, f"{code}-{begin:%Y-%m}-{serial}"))
    return ids


def demo_public_ids() -> set[uuid.UUID]:
    """The fixed ids of every consultation this demo may write (for tests of the other demos)."""
    return set().union(*(_public_ids(code, volume) for code, (_username, volume) in HOSPITALS.items()))


def _seed_hospital(code, doctor, children, volume, departments, specialist, neurologist) -> int:
    rng = random.Random(f"outcomes-{code}")  # noqa: S311 (demo data, not secrets)
    ids = []
    cases = []
    info_cases = []
    now = timezone.now()
    for months_ago in range(MONTHS - 1, 0, -1):  # whole months only: this month stays the live demo's
        begin = _month_start(months_ago)
        winter = begin.month in (11, 12, 1, 2)
        local_share, info_share, median_hours = _story(code, months_ago)
        count = round(volume * (1.35 if winter else 1.0))
        for serial in range(count):
            public_id = uuid.uuid5(NAMESPACE, f"{code}-{begin:%Y-%m}-{serial}")
            ids.append(public_id)
            specialty, question = rng.choice(QUESTIONS)
            department = departments.get(specialty) or departments.get("respiratory")
            answerer = neurologist if specialty == "neurology" and neurologist else specialist
            submitted = begin + timedelta(days=rng.uniform(0, 27), hours=rng.uniform(0, 10))
            hours = min(96.0, rng.lognormvariate(0, 0.6) * median_hours)
            answered = submitted + timedelta(hours=hours)
            closed = answered + timedelta(days=rng.uniform(1, 5))
            if closed >= now:
                continue
            local = rng.random() < local_share
            recommendation = (
                Recommendation.MANAGE_LOCALLY
                if local
                else rng.choice([Recommendation.TESTS_THEN_RECONSULT, Recommendation.REFER])
            )
            cases.append(
                Consultation(
                    public_id=public_id,
                    patient=rng.choice(children),
                    requesting_hospital=doctor.hospital,
                    requested_by=doctor,
                    department=department,
                    urgency=Urgency.URGENT if rng.random() < 0.12 else Urgency.ROUTINE,
                    status=Status.CLOSED,
                    question=question,
                    symptoms=question.split("，")[1] if "，" in question else "",
                    created_at=submitted - timedelta(minutes=20),
                    submitted_at=submitted,
                    due_at=submitted + timedelta(hours=48),
                    assigned_to=answerer,
                    claimed_at=submitted + timedelta(hours=hours * 0.3),
                    answered_at=answered,
                    assessment="考虑常见病，病情平稳" if local else "需进一步评估",
                    recommendation=recommendation,
                    plan="对症处理，三天后复诊；病情变化随时就诊" if local else "完善检查后再次会诊或转诊",
                    family_advice="多饮水，注意体温和精神状态",
                    closed_at=closed,
                    advice_adopted=Adoption.FULLY if rng.random() < 0.8 else Adoption.PARTLY,
                    referral_avoided=local,
                    usefulness=rng.choice([4, 5, 5]),
                )
            )
            if rng.random() < info_share:
                info_cases.append((public_id, answerer, submitted + timedelta(hours=hours * 0.5)))
    existing = set(Consultation.objects.filter(public_id__in=ids).values_list("public_id", flat=True))
    new = [case for case in cases if case.public_id not in existing]
    Consultation.objects.bulk_create(new, batch_size=1000)
    by_id = dict(Consultation.objects.filter(public_id__in=[c.public_id for c in new]).values_list("public_id", "pk"))
    Message.objects.bulk_create(
        [
            Message(
                consultation_id=by_id[public_id],
                author=answerer,
                body="请补充体重、尿量和最近一次体温。",
                is_info_request=True,
                created_at=at,
            )
            for public_id, answerer, at in info_cases
            if public_id in by_id
        ]
    )
    return len(new)
