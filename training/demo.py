"""Demo training: two courses written from public guidance, learners with various progress.

"Managing fever in children under 5" (NICE NG143 traffic lights, the IMCI fever rules) and
"Recognising pneumonia in infants" (IMCI fast breathing and the cough classification), in
Chinese and English, marked as demonstration content, not clinical advice. Both are created
and published by `trainer` through the real workflow. The video lessons play a 20-second
generated clip shipped with the code (training/demo_media/demo-lecture.mp4, made once with
ffmpeg: a title card, a running clock and a tone), so the demo needs no ffmpeg.

Learners: dr.yangpu and dr.chongming are enrolled by the trainer with due dates; spec.resp
enrolled in the open pneumonia course herself. Progress differs so that progress bars,
the managers' report and reminders have something to show; dr.yangpu has finished the
pneumonia course and spec.resp the fever course (they can sit the exams).

Idempotent: courses by slug, modules and lessons by their order, enrolments by (course,
learner); progress is written only where none exists. The exams part
(training/demo_exams.py) runs at the end when it exists.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.apps import apps
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from cloudpeds.accounts.models import User

from .models import Course, Enrolment, Lesson, LessonProgress, Module

DEMO_VIDEO = Path(__file__).resolve().parent / "demo_media" / "demo-lecture.mp4"
DEMO_VIDEO_NAME = "training/videos/demo-lecture.mp4"
DEMO_VIDEO_SECONDS = 20

NOTICE = (
    "> 演示内容，依据公开指南（WHO IMCI 图表手册、NICE NG143）改写，不构成临床建议。\n\n",
    "> Demonstration content written from public guidance (WHO IMCI chart booklet, NICE NG143); "
    "not clinical advice.\n\n",
)


@dataclass(frozen=True)
class DemoLesson:
    title_zh: str
    title_en: str
    kind: str
    reading_zh: str = ""
    reading_en: str = ""
    topic_slug: str = ""


@dataclass(frozen=True)
class DemoModule:
    title_zh: str
    title_en: str
    lessons: tuple[DemoLesson, ...]


@dataclass(frozen=True)
class DemoCourse:
    slug: str
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    credit_hours: Decimal
    credit_class: str
    is_open: bool
    modules: tuple[DemoModule, ...]


FEVER = DemoCourse(
    slug="fever-under-5",
    title_zh="发热儿童的规范化管理（5岁以下）",
    title_en="Managing fever in children under 5",
    description_zh=(
        "如何判断发热、识别一般危险体征，并用交通灯分级（NICE NG143）评估5岁以下发热儿童患严重疾病的风险。"
        "演示内容，不构成临床建议。"
    ),
    description_en=(
        "What counts as fever, the general danger signs, and the traffic-light system (NICE NG143) for "
        "the risk of serious illness in a feverish child under 5. Demonstration content, not clinical advice."
    ),
    credit_hours=Decimal("2.0"),
    credit_class="II",
    is_open=False,
    modules=(
        DemoModule(
            "评估发热儿童",
            "Assessing the feverish child",
            (
                DemoLesson(
                    "什么是发热",
                    "What counts as fever",
                    Lesson.Kind.BOTH,
                    "### 什么是发热\n\n"
                    "下列任何一项都算作发热：\n\n"
                    "- 家长诉说孩子发热（病史）；\n- 摸起来发烫；\n- **腋温 37.5 °C 或以上**。\n\n"
                    "发热本身不是诊断。接诊发热儿童时，先快速检查一般危险体征，再评估发热的原因和严重程度。\n\n"
                    "每天发热、持续 **超过 7 天**，需要转诊作进一步评估。",
                    "### What counts as fever\n\n"
                    "Any one of these counts as fever:\n\n"
                    "- the parent reports fever (history);\n- the child feels hot;\n"
                    "- an **axillary temperature of 37.5 °C or above**.\n\n"
                    "Fever is not a diagnosis. With a feverish child, check the general danger signs first, "
                    "then look for the cause and how severe the illness is.\n\n"
                    "Fever every day for **more than 7 days** means referral for assessment.",
                    topic_slug="fever",
                ),
                DemoLesson(
                    "一般危险体征",
                    "The general danger signs",
                    Lesson.Kind.READING,
                    "### 一般危险体征（2个月至5岁）\n\n"
                    "任何一项即为危险体征：\n\n"
                    "1. 不能喝水或吃奶\n2. 吐出所有东西\n3. 本次病程中有过惊厥\n4. 嗜睡或昏迷\n5. 正在惊厥\n\n"
                    "有任何一项危险体征，或发热伴 **颈项强直**，归类为 **极重度发热性疾病（红色）**："
                    "快速完成评估，给予转诊前治疗，**紧急转诊**。",
                    "### General danger signs (2 months to 5 years)\n\n"
                    "Any one of these is a danger sign:\n\n"
                    "1. not able to drink or breastfeed\n2. vomits everything\n"
                    "3. has had convulsions in this illness\n4. lethargic or unconscious\n5. convulsing now\n\n"
                    "Any danger sign, or fever with a **stiff neck**, is **very severe febrile disease (red)**: "
                    "finish the assessment quickly, give pre-referral treatment and **refer urgently**.",
                    topic_slug="fever",
                ),
            ),
        ),
        DemoModule(
            "交通灯分级（NICE NG143）",
            "The traffic lights (NICE NG143)",
            (
                DemoLesson(
                    "红色：高风险表现",
                    "Red: high-risk features",
                    Lesson.Kind.READING,
                    "### 红色（高风险）\n\n"
                    "| 方面 | 表现 |\n|---|---|\n"
                    "| 颜色 | 苍白、花斑、灰白或发绀 |\n"
                    "| 活动 | 对社交提示无反应；医务人员看来病容明显；叫不醒或不能保持清醒；哭声微弱、尖调或持续 |\n"
                    "| 呼吸 | 呻吟；呼吸频率 > 60 次/分；中度或重度胸凹陷 |\n"
                    "| 循环与脱水 | 皮肤弹性降低 |\n"
                    "| 其他 | **3个月以下且体温 ≥ 38 °C**；压之不褪色的皮疹；前囟膨隆；颈项强直；"
                    "惊厥持续状态；局灶性神经体征或局灶性抽搐 |\n\n"
                    "出现任何红色表现，需要紧急评估，必要时紧急转诊。",
                    "### Red (high risk)\n\n"
                    "| area | features |\n|---|---|\n"
                    "| colour | pale, mottled, ashen or blue |\n"
                    "| activity | no response to social cues; appears ill to a healthcare professional; does not "
                    "wake, or does not stay awake if roused; weak, high-pitched or continuous cry |\n"
                    "| respiratory | grunting; respiratory rate above 60 breaths/minute; moderate or severe "
                    "chest indrawing |\n"
                    "| circulation and hydration | reduced skin turgor |\n"
                    "| other | **age under 3 months with a temperature of 38 °C or above**; non-blanching "
                    "rash; bulging fontanelle; neck stiffness; status epilepticus; focal neurological signs "
                    "or focal seizures |\n\n"
                    "Any red feature needs urgent assessment, with urgent referral where needed.",
                    topic_slug="fever",
                ),
                DemoLesson(
                    "琥珀色与绿色",
                    "Amber and green",
                    Lesson.Kind.READING,
                    "### 琥珀色（中度风险）举例\n\n"
                    "- 3–6个月且体温 **≥ 39 °C**\n- 发热 **5 天或以上**\n"
                    "- 呼吸频率：6–12个月 > 50 次/分，12个月以上 > 40 次/分\n"
                    "- 血氧饱和度 ≤ 95%\n- 毛细血管再充盈时间 ≥ 3 秒\n\n"
                    "指南中还有其他琥珀色表现。\n\n"
                    "### 绿色（低风险）\n\n没有任何红色或琥珀色表现。",
                    "### Amber (intermediate risk), for example\n\n"
                    "- age 3–6 months with a temperature of **39 °C or above**\n- fever for **5 days or more**\n"
                    "- respiratory rate above 50 breaths/minute at 6–12 months, above 40 over 12 months\n"
                    "- oxygen saturation of 95% or less\n- capillary refill time of 3 seconds or more\n\n"
                    "The guideline lists other amber features too.\n\n"
                    "### Green (low risk)\n\nNone of the red or amber features.",
                    topic_slug="fever",
                ),
                DemoLesson("病例讲解：发热的婴儿", "Case walkthrough: a feverish infant", Lesson.Kind.VIDEO),
            ),
        ),
    ),
)

PNEUMONIA = DemoCourse(
    slug="pneumonia-in-infants",
    title_zh="婴幼儿肺炎的识别",
    title_en="Recognising pneumonia in infants",
    description_zh=(
        "按年龄判断呼吸增快，并按 IMCI（2014 版）对咳嗽或呼吸困难进行分类：重症肺炎、肺炎、咳嗽或感冒。"
        "演示内容，不构成临床建议。"
    ),
    description_en=(
        "Fast breathing by age, and the IMCI (2014) classification of cough or difficult breathing: severe "
        "pneumonia, pneumonia, cough or cold. Demonstration content, not clinical advice."
    ),
    credit_hours=Decimal("1.5"),
    credit_class="I",
    is_open=True,
    modules=(
        DemoModule(
            "数呼吸",
            "Counting breaths",
            (
                DemoLesson("如何数呼吸", "How to count breaths", Lesson.Kind.VIDEO),
                DemoLesson(
                    "各年龄的呼吸增快标准",
                    "Fast breathing by age",
                    Lesson.Kind.READING,
                    "### 呼吸增快的标准\n\n"
                    "在孩子安静时数 **整整一分钟**。\n\n"
                    "| 年龄 | 呼吸增快 |\n|---|---|\n"
                    "| 2个月以下 | 每分钟 60 次或以上（偏高时复数一次） |\n"
                    "| 2个月至不满12个月 | 每分钟 50 次或以上 |\n"
                    "| 12个月至5岁 | 每分钟 40 次或以上 |\n\n"
                    "“或以上”包含该数值；年龄段左闭右开：**刚满12个月** 的孩子属于“12个月至5岁”，"
                    "标准是 40 次/分。",
                    "### Fast breathing\n\n"
                    "Count for **one full minute** while the child is calm.\n\n"
                    "| age | fast breathing is |\n|---|---|\n"
                    "| under 2 months | 60 breaths per minute or more (recount if high) |\n"
                    "| 2 months up to 12 months | 50 or more |\n"
                    "| 12 months up to 5 years | 40 or more |\n\n"
                    '"Or more" includes the number itself, and the bands are half-open: a child of **exactly '
                    "12 months** is in the 12-months-to-5-years band, where fast breathing is 40 or more.",
                    topic_slug="cough-or-difficult-breathing",
                ),
            ),
        ),
        DemoModule(
            "咳嗽或呼吸困难的分类",
            "Classifying cough or difficult breathing",
            (
                DemoLesson(
                    "红、黄、绿三级",
                    "Red, yellow, green",
                    Lesson.Kind.READING,
                    "### IMCI 分类（2014 版）\n\n"
                    "- **红色：重症肺炎或极重症疾病**：任何一般危险体征，或安静时有喘鸣"
                    "（可测时血氧饱和度 < 90%）。给予转诊前抗生素，紧急转诊。\n"
                    "- **黄色：肺炎**：呼吸增快和/或胸凹陷。口服阿莫西林，3 天后随访。\n"
                    "- **绿色：咳嗽或感冒**：没有肺炎体征。缓解咽部不适，告知何时必须立即复诊，"
                    "如无好转 5 天后随访。\n\n"
                    "咳嗽 **14 天或以上**：需进一步评估（结核、哮喘或其他原因）。",
                    "### The IMCI classification (2014)\n\n"
                    "- **Red: severe pneumonia or very severe disease**: any general danger sign, or stridor in "
                    "a calm child (oxygen saturation below 90% where measured). Pre-referral antibiotic, refer "
                    "urgently.\n"
                    "- **Yellow: pneumonia**: fast breathing and/or chest indrawing. Oral amoxicillin, follow up "
                    "in 3 days.\n"
                    "- **Green: cough or cold**: no signs of pneumonia. Soothe the throat, advise when to return "
                    "at once, follow up in 5 days if not improving.\n\n"
                    "Cough for **14 days or more**: assess further (tuberculosis, asthma, other causes).",
                    topic_slug="cough-or-difficult-breathing",
                ),
                DemoLesson(
                    "胸凹陷：分类为何改变",
                    "Chest indrawing: why the classification changed",
                    Lesson.Kind.BOTH,
                    "### 胸凹陷\n\n"
                    "较早版本的 IMCI 图表把胸凹陷归为 **重症肺炎（红色）**，需要转诊；"
                    "2014 版把没有危险体征的胸凹陷归为 **肺炎（黄色）**，可口服阿莫西林并在 3 天后随访。\n\n"
                    "这说明：指南会更新，请始终对照手册中当前生效的版本。",
                    "### Chest indrawing\n\n"
                    "Older editions of the IMCI chart classified chest indrawing as **severe pneumonia (red)**, "
                    "to be referred; the 2014 chart classifies chest indrawing without danger signs as "
                    "**pneumonia (yellow)**, treated with oral amoxicillin and followed up in 3 days.\n\n"
                    "Guidance changes: always check the version of the handbook in force.",
                    topic_slug="cough-or-difficult-breathing",
                ),
            ),
        ),
    ),
)

DEMO_COURSES = (FEVER, PNEUMONIA)

# (username, course slug, source, due in days (None: no due date), lessons done in course order,
#  seconds of the next video lesson already played)
DEMO_ENROLMENTS = (
    ("dr.yangpu", FEVER.slug, "manager", 6, 4, 8),
    ("dr.yangpu", PNEUMONIA.slug, "manager", 30, 4, 0),
    ("dr.chongming", FEVER.slug, "manager", 20, 0, 0),
    ("dr.chongming", PNEUMONIA.slug, "manager", 45, 1, 0),
    ("spec.resp", FEVER.slug, "manager", None, 5, 0),
    ("spec.resp", PNEUMONIA.slug, "self", None, 3, 0),
)


def seed(stdout) -> None:
    trainer = User.objects.filter(username="trainer").first()
    if trainer is None:
        stdout.write("Training: no `trainer` account; run the accounts demo first.")
        return
    video_name = _demo_video()
    with transaction.atomic():
        courses = {demo.slug: _course(demo, trainer, video_name) for demo in DEMO_COURSES}
    for course in courses.values():
        if not course.is_published:
            course.publish(trainer)
    enrolled = _enrolments(courses, trainer)
    stdout.write(f"Training: {len(courses)} demo courses, {enrolled} learners' enrolments.")
    _seed_exams(stdout)


def _seed_exams(stdout) -> None:
    # The exams, attempts and certificates are another module's (it needs these courses).
    if importlib.util.find_spec("training.demo_exams") is not None:
        from .demo_exams import seed as seed_exams

        seed_exams(stdout)


def _demo_video() -> str:
    """The shipped clip, copied into storage once; every demo video lesson plays it."""
    if not default_storage.exists(DEMO_VIDEO_NAME):
        with DEMO_VIDEO.open("rb") as handle:
            return default_storage.save(DEMO_VIDEO_NAME, File(handle))
    return DEMO_VIDEO_NAME


def _topic_version(slug: str):
    # The handbook's published version of a topic, when the handbook demo has run: demos run
    # in INSTALLED_APPS order, so "handbook" must come before "training" for the links.
    if not slug:
        return None
    topic = apps.get_model("handbook", "Topic").objects.filter(slug=slug).select_related("current_version").first()
    return topic.current_version if topic is not None else None


def _course(demo: DemoCourse, trainer: User, video_name: str) -> Course:
    course, _created = Course.objects.get_or_create(
        slug=demo.slug,
        defaults={
            "title_zh": demo.title_zh,
            "title_en": demo.title_en,
            "description_zh": demo.description_zh,
            "description_en": demo.description_en,
            "credit_hours": demo.credit_hours,
            "credit_class": demo.credit_class,
            "is_open": demo.is_open,
            "created_by": trainer,
        },
    )
    for module_order, demo_module in enumerate(demo.modules, start=1):
        module, _ = Module.objects.get_or_create(
            course=course,
            order=module_order,
            defaults={"title_zh": demo_module.title_zh, "title_en": demo_module.title_en},
        )
        for lesson_order, demo_lesson in enumerate(demo_module.lessons, start=1):
            lesson, _created = Lesson.objects.get_or_create(
                module=module,
                order=lesson_order,
                defaults={
                    "kind": demo_lesson.kind,
                    "title_zh": demo_lesson.title_zh,
                    "title_en": demo_lesson.title_en,
                    "reading_markdown_zh": NOTICE[0] + demo_lesson.reading_zh if demo_lesson.reading_zh else "",
                    "reading_markdown_en": NOTICE[1] + demo_lesson.reading_en if demo_lesson.reading_en else "",
                    # Linked when the lesson is created, never later, so that a second run
                    # changes nothing (the handbook demo must have run first: see _topic_version).
                    "handbook_topic_version": _topic_version(demo_lesson.topic_slug),
                },
            )
            if lesson.has_video and not lesson.video:
                lesson.video.name = video_name
                lesson.video_content_type = "video/mp4"
                lesson.video_duration_seconds = DEMO_VIDEO_SECONDS
                lesson.save(update_fields=["video", "video_content_type", "video_duration_seconds"])
    return course


def _enrolments(courses: dict[str, Course], trainer: User) -> int:
    people = {user.username: user for user in User.objects.filter(username__in={e[0] for e in DEMO_ENROLMENTS})}
    today = timezone.localdate()
    count = 0
    for username, slug, source, due_in, lessons_done, seconds_played in DEMO_ENROLMENTS:
        user = people.get(username)
        if user is None:
            continue
        course = courses[slug]
        due_date = today + timedelta(days=due_in) if due_in is not None else None
        if source == "self":
            enrolment = course.enrol_self(user)
        else:
            enrolment = course.enrol([user], by=trainer, due_date=due_date)[0][0]
        count += 1
        if enrolment.lesson_progress.exists():
            continue
        _progress(enrolment, lessons_done, seconds_played)
    return count


def _progress(enrolment: Enrolment, lessons_done: int, seconds_played: int) -> None:
    """Lessons finished some days ago, and part of the next video (a demo shortcut: the
    heartbeats' results are written directly)."""
    lessons = list(enrolment.course.lessons())
    now = timezone.now()
    with transaction.atomic():
        for index, lesson in enumerate(lessons[:lessons_done]):
            done_at = now - timedelta(days=len(lessons) - index, hours=2)
            duration = float(lesson.video_duration_seconds)
            LessonProgress.objects.create(
                enrolment=enrolment,
                lesson=lesson,
                watched_intervals=[[0.0, duration]] if lesson.has_video else [],
                watched_seconds=duration if lesson.has_video else 0,
                time_spent_seconds=duration if lesson.has_video else 0,
                last_seen_at=done_at,
                reading_opened_at=done_at - timedelta(minutes=3),
                video_completed_at=done_at if lesson.has_video else None,
                reading_completed_at=done_at if lesson.has_reading else None,
                completed_at=done_at,
            )
        following = lessons[lessons_done] if lessons_done < len(lessons) else None
        if following is not None and following.has_video and seconds_played:
            LessonProgress.objects.create(
                enrolment=enrolment,
                lesson=following,
                watched_intervals=[[0.0, float(seconds_played)]],
                watched_seconds=seconds_played,
                time_spent_seconds=seconds_played,
                last_seen_at=now - timedelta(hours=5),
                reading_opened_at=now - timedelta(hours=5),
            )
        enrolment.update_completion(now - timedelta(days=1))
