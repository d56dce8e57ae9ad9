"""Realistic volume for `manage.py seed_scale` (the benchmark): 100,000 consultations times
`factor` over two years, from the district hospitals' scale children (cloudpeds/patients/
demo/scale.py, run before this) to Xinhua's departments.

Mostly closed with feedback or answered, some declined or withdrawn, a few drafts, and a few
hundred open at any time (waiting, with a specialist, paused on a question), some of them
past their target and marked overdue or escalated as the periodic job would. Volume grows
over the two years, as a network that is being adopted does. Response times, pauses and
feedback follow plausible distributions, so the metrics page has something to say.

Rows are inserted with bulk_create in batches of 5,000, bypassing the transitions (their
rules hold by construction): each case with its final status and clock fields, the
specialist's care-team grant for every case a specialist took, and for the open cases only
their events and the specialist's question. Cases are keyed on a fixed id (uuid5 of the
serial): a second run creates only what is missing and skips entirely once the target
exists. Departments without a specialist account get one scale specialist (no password, no
email), so that every answered case has the specialist who answered it.
"""

from __future__ import annotations

import bisect
import math
import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from cloudpeds.accounts.models import Department, Hospital, User
from cloudpeds.accounts.roles import Role
from cloudpeds.patients.demo.scale import district_doctors
from cloudpeds.patients.models import CareTeamGrant, Consent, Patient

from ..models import (
    Adoption,
    Consultation,
    ConsultationEvent,
    DeclineReason,
    Message,
    Recommendation,
    ResponseTarget,
    Status,
    Urgency,
)

TARGET = 100_000
BATCH = 5_000
NAMESPACE = uuid.UUID("9a4e2c71-0b6d-4f3a-8e15-c7d2a6b0f934")
PATIENT_PREFIX = "SC"  # the scale children of cloudpeds/patients/demo/scale.py
YEARS = 2
GRANT_REASON = "Answering a remote consultation"  # as Consultation.claim() records it (stored untranslated)

# Share of the consultations asked of each Xinhua specialty.
_SPECIALTIES = {
    "respiratory": 30,
    "general_pediatrics": 18,
    "infectious_diseases": 12,
    "neurology": 10,
    "gastroenterology": 10,
    "neonatology": 9,
    "cardiology": 7,
    "picu": 4,
}
_QUESTIONS = {
    "respiratory": [
        "反复咳嗽2周以上，是否需要查胸片及肺功能？",
        "喘息反复发作，是否需要吸入激素控制？",
        "肺炎治疗3天仍发热，是否需要调整抗生素？",
    ],
    "general_pediatrics": [
        "反复发热待查，下一步做哪些检查？",
        "生长迟缓，是否需要进一步评估？",
        "反复呕吐，能否在本院继续治疗？",
    ],
    "infectious_diseases": [
        "发热伴皮疹，需鉴别出疹性疾病，是否需要转诊？",
        "手足口病患儿，如何判断重症倾向？",
        "发热5天，是否考虑川崎病？",
    ],
    "neurology": [
        "首次无热惊厥，是否需要抗癫痫治疗？",
        "热性惊厥反复发作，需要哪些检查？",
        "反复头痛，是否需要头颅影像学检查？",
    ],
    "gastroenterology": [
        "反复腹痛，是否需要胃镜检查？",
        "慢性腹泻伴体重下降，下一步怎么处理？",
        "便血，是否需要转诊？",
    ],
    "neonatology": ["新生儿黄疸，是否需要光疗？", "早产儿喂养不耐受，如何调整？", "新生儿体重增长不良，如何评估？"],
    "cardiology": [
        "体检发现心脏杂音，是否需要心脏超声？",
        "心悸伴胸闷，是否需要动态心电图？",
        "晕厥1次，需要哪些检查？",
    ],
    "picu": [
        "重症肺炎患儿呼吸困难加重，是否需要转PICU？",
        "脓毒症休克患儿，补液后是否需要血管活性药？",
        "惊厥持续状态控制后，转运前如何处理？",
    ],
}
_ANSWERS = {
    Recommendation.MANAGE_LOCALLY: (
        "病情稳定，可在基层继续治疗。",
        "按方案治疗，3天后复诊评估。",
        "按时用药，如有加重及时就诊。",
    ),
    Recommendation.TESTS_THEN_RECONSULT: (
        "需完善检查后再评估。",
        "完善相关检查，结果出来后再次会诊。",
        "请配合完成检查。",
    ),
    Recommendation.REFER: (
        "需上级医院进一步诊治。",
        "建议转诊新华医院专科门诊或住院。",
        "请按预约时间到上级医院就诊。",
    ),
    Recommendation.TRANSFER_URGENTLY: ("病情危重，需立即转运。", "立即转诊，途中监护生命体征。", "请配合立即转院。"),
}
# Recommendation weights by urgency: manage locally, tests then reconsult, refer, transfer urgently.
_RECOMMENDATIONS = {
    Urgency.URGENT: (45, 10, 25, 20),
    Urgency.ROUTINE: (62, 18, 18, 2),
}
_NOT_ADOPTED = [
    "家长要求转上级医院面诊。",
    "本院无相应检查条件。",
    "家长担心药物副作用。",
    "患儿病情变化，已改变治疗方案。",
]
_DECLINE_COMMENTS = ["建议面诊评估。", "请咨询相应专科。", "与另一会诊重复。", "资料不足，请补充后重新提交。"]
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = ["建华", "秀英", "志强", "丽华", "文杰", "晓燕", "国平", "海燕"]

# Final outcomes of a case that is no longer open, with weights.
_CLOSED_OUTCOMES = [
    (Status.CLOSED, 80),
    (Status.ANSWERED, 8),
    (Status.DECLINED, 5),
    (Status.WITHDRAWN, 4),
    (Status.DRAFT, 1),
]
_OPEN = [Status.SUBMITTED, Status.CLAIMED, Status.INFO_REQUESTED]


@dataclass
class _Context:
    now: datetime
    departments: list[Department]
    weights: list[int]
    specialists: dict[int, list[User]]  # by department pk
    doctors: dict[int, User]  # by hospital pk
    pools: dict[int, tuple[list[datetime], list[int]]]  # hospital pk → (registered at, patient pk), sorted
    hours: dict[tuple[str, str], int]  # (specialty, urgency) → target hours


def seed_scale(stdout, factor: float = 1.0) -> None:
    target = int(TARGET * factor)
    lead = Hospital.objects.filter(level=Hospital.Level.LEAD).first()
    departments = list(Department.objects.filter(hospital=lead, specialty__in=_SPECIALTIES).order_by("pk"))
    doctors = _requesting_doctors()
    if not (lead and departments and doctors):
        stdout.write("Scale consultations: run seed_demo first (no lead hospital, departments or district doctors).")
        return
    pools = _pools(doctors)
    if not any(pk for _moments, pk in pools.values()):
        stdout.write("Scale consultations: no scale children with consent; run the patients' seed_scale first.")
        return
    scale_rows = Consultation.objects.filter(patient__record_number__startswith=PATIENT_PREFIX)
    if scale_rows.count() >= target:
        stdout.write(f"Scale consultations: {target} already there.")
        return

    started = time.monotonic()
    done = set(scale_rows.values_list("public_id", flat=True))
    context = _Context(
        now=timezone.now(),
        departments=departments,
        weights=[_SPECIALTIES[department.specialty] for department in departments],
        specialists=_specialists(departments),
        doctors=doctors,
        pools=pools,
        hours={
            (specialty, urgency): ResponseTarget.hours_for(specialty, urgency)
            for specialty in _SPECIALTIES
            for urgency in Urgency.values
        },
    )
    rng = random.Random(20250401)  # synthetic data: no security use
    open_quota = max(10, target // 200)  # ~0.5 % open: a few hundred cases in the queues
    hospitals = [hospital_pk for hospital_pk, (_moments, pks) in pools.items() if pks]
    created = 0
    batch: list[_Case] = []
    for serial in range(target):
        public_id = _public_id(serial)
        if public_id in done:
            continue
        hospital_pk = hospitals[serial % len(hospitals)]
        if serial < open_quota:
            outcome = _OPEN[serial % len(_OPEN)]
        else:
            outcome = rng.choices([name for name, _w in _CLOSED_OUTCOMES], [w for _n, w in _CLOSED_OUTCOMES])[0]
        batch.append(_plan(rng, context, public_id, outcome, hospital_pk))
        if len(batch) >= BATCH:
            created += _insert(batch)
            batch = []
    if batch:
        created += _insert(batch)
    elapsed = time.monotonic() - started
    stdout.write(f"Scale consultations: {created} created in {elapsed:.1f} s.")


def _public_id(serial: int) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, str(serial))


def _requesting_doctors() -> dict[int, User]:
    """The doctor who registered each district hospital's scale children asks about them."""
    return {hospital.pk: doctor for hospital, doctor in district_doctors().items()}


def _pools(doctors: dict[int, User]) -> dict[int, tuple[list[datetime], list[int]]]:
    """The scale children with the guardian's consent, by hospital, in order of registration
    (a case is asked about a child registered before it)."""
    pools = {}
    for hospital_pk in doctors:
        rows = (
            Patient.objects.filter(
                hospital_id=hospital_pk,
                record_number__startswith=PATIENT_PREFIX,
                pk__in=Consent.objects.active().values("patient_id"),
            )
            .order_by("created_at", "pk")
            .values_list("created_at", "pk")
        )
        moments, pks = [], []
        for created_at, pk in rows:
            moments.append(created_at)
            pks.append(pk)
        pools[hospital_pk] = (moments, pks)
    return pools


def _specialists(departments: list[Department]) -> dict[int, list[User]]:
    specialists: dict[int, list[User]] = {}
    for index, department in enumerate(departments):
        people = list(User.objects.with_role(Role.SPECIALIST).filter(department=department).order_by("pk"))
        if not people:
            people = [_scale_specialist(department, index)]
        specialists[department.pk] = people
    return specialists


def _scale_specialist(department: Department, index: int) -> User:
    user, created = User.objects.get_or_create(
        username=f"scale.{department.specialty}",
        defaults={
            "last_name": _SURNAMES[index % len(_SURNAMES)],
            "first_name": _GIVEN[index % len(_GIVEN)],
            "hospital": department.hospital,
            "department": department,
            "title": "主治医师",
        },
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        user.set_roles(Role.SPECIALIST)
    return user


@dataclass
class _Case:
    consultation: Consultation
    events: list[tuple[str, str, str, datetime, User | None]]  # kind, from, to, at, actor (open cases only)
    question: tuple[str, datetime] | None = None  # the specialist's unanswered question
    grant_at: datetime | None = None  # when the specialist took the case (and got the record)


def _hours(rng: random.Random, median: float, sigma: float) -> timedelta:
    return timedelta(hours=median * math.exp(rng.gauss(0, sigma)))


def _sent_at(rng: random.Random, now: datetime, outcome: str, target: timedelta) -> datetime:
    if outcome in _OPEN:
        # Open cases are young: most within their target, some past it.
        return now - target * rng.uniform(0.05, 1.3)
    if outcome in ("answered", "draft"):
        # Answers are closed within days or weeks; drafts are finished or forgotten.
        return now - timedelta(days=rng.uniform(1, 45))
    # Volume grows over the two years: the recent months are the busiest.
    return now - timedelta(days=YEARS * 365 * (1 - math.sqrt(rng.random()))) - target


def _plan(rng: random.Random, context: _Context, public_id: uuid.UUID, outcome: str, hospital_pk: int) -> _Case:
    """One case with its final status and clock fields, as the transitions would leave them."""
    now = context.now
    department = rng.choices(context.departments, context.weights)[0]
    urgency = Urgency.URGENT if rng.random() < 0.25 else Urgency.ROUTINE
    target = timedelta(hours=context.hours[(department.specialty, urgency)])
    sent = _sent_at(rng, now, outcome, target).replace(microsecond=0)
    registered_at, patient_pks = context.pools[hospital_pk]
    # A case is about a child registered (and consenting) before it was sent.
    registered = bisect.bisect_left(registered_at, sent)
    if registered == 0:
        # Fewer children than cases (a small factor): the case waits for the first one.
        sent, registered = registered_at[0] + timedelta(hours=1), 1
    doctor = context.doctors[hospital_pk]
    specialist = rng.choice(context.specialists[department.pk])
    fields = {
        "public_id": public_id,
        "patient_id": patient_pks[rng.randrange(registered)],
        "requesting_hospital_id": hospital_pk,
        "requested_by": doctor,
        "department": department,
        "urgency": urgency,
        "question": rng.choice(_QUESTIONS[department.specialty]),
        "created_at": sent - timedelta(minutes=rng.randint(5, 90)),
    }
    if outcome == Status.DRAFT:
        return _Case(Consultation(status=Status.DRAFT, **fields), [])
    fields.update(submitted_at=sent, due_at=sent + target)
    if outcome == Status.DECLINED:
        fields.update(decline_reason=rng.choice(DeclineReason.values), decline_comment=rng.choice(_DECLINE_COMMENTS))
    if outcome in (Status.DECLINED, Status.WITHDRAWN):
        return _Case(Consultation(status=outcome, **fields), [])

    events = [("submitted", Status.DRAFT, Status.SUBMITTED, sent, doctor)]
    # Response times are log-normal around a third of the target: most answers in time.
    response = min(_hours(rng, target.total_seconds() / 3600 * 0.35, 0.7), now - sent - timedelta(minutes=1))
    if outcome == Status.SUBMITTED:
        return _Case(Consultation(status=outcome, **_past_target(fields, events, now)), events)
    claimed = sent + response * rng.uniform(0.1, 0.6)
    fields.update(assigned_to=specialist, claimed_at=claimed)
    events.append(("claimed", Status.SUBMITTED, Status.CLAIMED, claimed, specialist))
    if outcome == Status.CLAIMED:
        return _Case(Consultation(status=outcome, **_past_target(fields, events, now)), events, grant_at=claimed)
    if outcome == Status.INFO_REQUESTED:
        asked = claimed + (now - claimed) * rng.uniform(0.1, 0.9)
        fields["paused_since"] = asked
        events.append(("info_requested", Status.CLAIMED, Status.INFO_REQUESTED, asked, specialist))
        question = ("请补充安静、不吸氧时的血氧饱和度（SpO2）、呼吸频率及近期检查结果。", asked)
        return _Case(Consultation(status=outcome, **fields), events, question=question, grant_at=claimed)

    # Answered, and most of those closed. One in six waited for information first.
    paused = _hours(rng, 3, 0.8) if rng.random() < 0.16 else timedelta()
    if sent + response + paused >= now:
        paused = timedelta()
    answered = sent + response + paused
    recommendation = rng.choices(Recommendation.values, _RECOMMENDATIONS[urgency])[0]
    assessment, plan, advice = _ANSWERS[recommendation]
    fields.update(
        paused_total=paused,
        due_at=sent + target + paused,
        answered_at=answered,
        recommendation=recommendation,
        assessment=assessment,
        plan=plan,
        family_advice=advice,
        follow_up_days=rng.choice((None, 3, 7, 14, 30)),
    )
    _past_target(fields, [], answered)
    if outcome == Status.CLOSED:
        adopted = rng.choices(Adoption.values, (72, 20, 8))[0]
        local = recommendation == Recommendation.MANAGE_LOCALLY
        fields.update(
            closed_at=min(answered + _hours(rng, 30, 1.0), now),
            advice_adopted=adopted,
            not_adopted_reason="" if adopted == Adoption.FULLY else rng.choice(_NOT_ADOPTED),
            referral_avoided=rng.random() < (0.85 if local else 0.1),
            usefulness=rng.choices((5, 4, 3, 2, 1), (45, 35, 15, 4, 1))[0],
        )
    return _Case(Consultation(status=outcome, **fields), [], grant_at=claimed)


def _past_target(fields: dict, events: list, until: datetime) -> dict:
    """A clock still running past its target at `until` (now, or the answer): marked overdue
    five minutes after the due time and escalated after the group's delay, as the periodic
    job's two steps would have done. The events (open cases only) say in which state."""
    overdue = fields["due_at"] + timedelta(minutes=5)
    if overdue >= until:
        return fields
    fields["overdue_at"] = overdue
    escalated = overdue + timedelta(hours=settings.CONSULTATION_ESCALATION_DELAY_HOURS)
    steps = [("overdue", overdue)]
    if escalated < until:
        fields["escalated_at"] = escalated
        steps.append(("escalated", escalated))
    for kind, at in steps:
        claimed = fields.get("claimed_at")
        status = Status.CLAIMED if claimed is not None and claimed <= at else Status.SUBMITTED
        events.append((kind, status, status, at, None))
    events.sort(key=lambda event: event[3])
    return fields


def _insert(cases: list[_Case]) -> int:
    consultation_type = ContentType.objects.get_for_model(Consultation)
    with transaction.atomic():
        rows = Consultation.objects.bulk_create([case.consultation for case in cases], batch_size=BATCH)
        events, messages, grants = [], [], []
        for case, row in zip(cases, rows, strict=True):
            for kind, source, target, at, actor in case.events:
                events.append(
                    ConsultationEvent(
                        consultation=row, kind=kind, from_status=source, to_status=target, at=at, actor=actor
                    )
                )
            if case.question is not None:
                body, asked = case.question
                messages.append(
                    Message(consultation=row, author=row.assigned_to, body=body, is_info_request=True, created_at=asked)
                )
            if case.grant_at is not None:
                grants.append(
                    CareTeamGrant(
                        patient_id=row.patient_id,
                        user=row.assigned_to,
                        reason=GRANT_REASON,
                        source_type=consultation_type,
                        source_id=row.pk,
                        granted_by=row.assigned_to,
                        granted_at=case.grant_at,
                    )
                )
        ConsultationEvent.objects.bulk_create(events, batch_size=BATCH)
        Message.objects.bulk_create(messages, batch_size=BATCH)
        CareTeamGrant.objects.bulk_create(grants, batch_size=BATCH)
    return len(rows)
