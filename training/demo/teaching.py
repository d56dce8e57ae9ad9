"""The teaching-case demo (issue 18 §4): two teaching cases that `trainer` wrote from the
consultations demo's answered, closed respiratory cases, saved through the teaching-case
form (so the de-identification check runs on every field, as when a manager saves one), a
case conference that discussed them two weeks ago, and its attendance, which writes each
district doctor's class II credit into the ledger.

The write-ups keep only what the consultations demo says, with ages instead of dates and no
name or number. Runs after the consultations demo (INSTALLED_APPS order). Idempotent: a
consultation that is a teaching case already is left alone; the conference is keyed by its
title; attendance writes one credit per doctor and conference.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TextIO

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from cloudpeds.accounts.models import User
from consultations.demo import demo_public_id
from consultations.models import Consultation, Status
from handbook.models import Topic

from ..forms.teaching import TeachingCaseForm
from ..models import CaseConference, Course, TeachingCase

# (consultations demo key, course slug, handbook topic slug, the write-up)
CASES = [
    (
        "closed-yang-zihan-recurrent-pneumonia",
        "pneumonia-in-infants",
        "pneumonia",
        {
            "title": "同一部位反复肺炎：何时需要找原因",
            "summary": (
                "2岁女孩，近1年因肺炎住院3次，均以右下肺为主，每次抗感染治疗后好转。平素进食时偶有呛咳，"
                "无明显喘息。疫苗按计划接种，生长发育在正常范围。就诊时无发热，右下肺可闻及湿啰音。"
                "社区医生提问：是否需要转上级医院行胸部CT及支气管镜检查？"
            ),
            "teaching_points": (
                "1. 1年内同一部位反复肺炎，需警惕气道异物、支气管或肺的先天发育异常，以及进食呛咳导致的吸入性肺炎。\n"
                "2. 专科建议转诊，择期行胸部增强CT及支气管镜检查；转诊前完善血常规、免疫球蛋白检测。\n"
                "3. 评估吞咽功能；告诉家长喂饭时让孩子坐直、小口慢吃，不给小颗粒坚果。"
            ),
        },
    ),
    (
        "closed-wang-xiaoming-wheeze",
        "pneumonia-in-infants",
        "cough-or-difficult-breathing",
        {
            "title": "学龄前儿童感冒后反复喘息：社区能否长期管理",
            "summary": (
                "近3岁男孩，近半年感冒后喘息3次，每次雾化沙丁胺醇后3～5天缓解，发作间期无咳喘，无异物吸入史。"
                "专科追问后补充：婴儿期有湿疹，过敏原未查，母亲有过敏性鼻炎。"
                "社区医生提问：是否需要开始吸入激素长期控制？"
            ),
            "teaching_points": (
                "1. 学龄前儿童1年内喘息3次及以上，有湿疹史及父母过敏史，哮喘预测指数阳性。\n"
                "2. 可在社区管理：按专科方案长期吸入控制治疗，急性喘息时按需雾化，3个月后复诊评估。\n"
                "3. 提问时一并写明湿疹史、过敏史和家族史，可省去一次补充信息的往返。"
            ),
        },
    ),
]
CONFERENCE_TITLE = "呼吸科病例讨论：反复肺炎与反复喘息（演示）"
ATTENDEES = ("dr.yangpu", "dr.baoshan", "dr.hongkou", "dr.chongming")


def seed(stdout: TextIO) -> None:
    trainer = User.objects.filter(username="trainer").first()
    if trainer is None:
        stdout.write("Teaching cases skipped: run the accounts demo first.")
        return
    made = []
    for key, course_slug, topic_slug, text in CASES:
        consultation = Consultation.objects.filter(
            public_id=demo_public_id(key), status=Status.CLOSED, answered_at__isnull=False
        ).first()
        course = Course.objects.filter(slug=course_slug).first()
        topic = Topic.objects.filter(slug=topic_slug).first()
        if consultation is None or course is None or topic is None:
            continue
        case = TeachingCase.objects.filter(consultation=consultation).first()
        if case is None:
            case = _write(trainer, consultation, {**text, "course": course.pk, "topic": topic.pk})
        made.append(case)
    if not made:
        stdout.write("Teaching cases skipped: run the consultations and courses demos first.")
        return
    conference = CaseConference.objects.filter(title=CONFERENCE_TITLE).first()
    if conference is None:
        conference = CaseConference.objects.create(
            title=CONFERENCE_TITLE, held_on=timezone.localdate() - timedelta(days=14), created_by=trainer
        )
        conference.cases.set(made)
    attendees = User.objects.filter(username__in=ATTENDEES).order_by("username")
    written = conference.record_attendance(trainer, attendees)
    stdout.write(
        f"Teaching cases: {len(made)}; case conference with {conference.credits.count()} attendees "
        f"({written} credits written now)."
    )


def _write(trainer: User, consultation: Consultation, data: dict) -> TeachingCase:
    """Saved as the teaching-case page saves it: the form's validation runs the check."""
    form = TeachingCaseForm(data, consultation=consultation)
    if not form.is_valid():
        raise ImproperlyConfigured(f"The demo teaching case is not accepted: {form.errors.as_text()}")
    form.instance.created_by = trainer
    return form.save()
