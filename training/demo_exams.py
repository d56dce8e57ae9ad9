"""Demo exams and certificates for the two demo courses (called at the end of training/demo.py).

Question banks of 33 questions per course in Chinese and English, each with an explanation,
written for the demo from public guidance (WHO IMCI chart booklet 2014, NICE NG143) in our
own words: demonstration content, not clinical advice. Each exam draws 4 questions from each
of its three categories (12 questions, pass mark 80%, i.e. 10 correct).

Learners in every state, through the real models (attempts graded by `Attempt.submit`):

- dr.chongming: enrolled, lessons not finished: both exams locked;
- spec.resp: passed the fever exam, valid certificate (its PDF made here, synchronously);
- dr.yangpu: failed the pneumonia exam, waiting a day before the next attempt;
- spec.neuro (enrolled here in both courses, lessons done): the fever exam in progress,
  started a few minutes before seeding (left alone, the periodic job submits it at its
  deadline); a pneumonia certificate issued three years and a month ago: expired, the exam
  open again for re-certification.

No account is added: another demo picks "the first doctor" of some hospitals, and a new
doctor there would change what a second `seed_demo` makes.

Idempotent: exams by course, categories by code, questions by ref; a learner's state is
created only when they have no attempt at that exam yet.
"""

# ruff: noqa: E501 - the question bank's bilingual texts are kept on one line each

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cloudpeds.accounts.models import User

from .models import (
    Attempt,
    Certificate,
    Course,
    Exam,
    ExamDrawRule,
    LessonProgress,
    Question,
    QuestionCategory,
    QuestionKind,
)

S, M, TF = QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.TRUE_FALSE
FEVER_SLUG = "fever-under-5"
PNEUMONIA_SLUG = "pneumonia-in-infants"
DRAW_PER_CATEGORY = 4


@dataclass(frozen=True)
class Q:
    kind: str
    text: tuple[str, str]
    # (zh, en, correct) for single and multiple choice; for true/false, the answer.
    options: tuple[tuple[str, str, bool], ...] | bool
    explanation: tuple[str, str]


def _tf(answer: bool) -> tuple[tuple[str, str, bool], ...]:
    return (("正确", "True", answer), ("错误", "False", not answer))


# --- Fever in children under 5 ---------------------------------------------------------------------

FEVER_IMCI = (
    Q(
        S,
        ("按IMCI，腋温达到多少即可判定为发热？", "In IMCI, what axillary temperature counts as fever?"),
        (
            ("37.5 °C 或以上", "37.5 °C or above", True),
            ("38.0 °C 或以上", "38.0 °C or above", False),
            ("38.5 °C 或以上", "38.5 °C or above", False),
            ("39.0 °C 或以上", "39.0 °C or above", False),
        ),
        (
            "IMCI以病史、摸起来发烫或腋温37.5 °C及以上判定发热。",
            "IMCI counts fever by history, feeling hot, or an axillary temperature of 37.5 °C or above.",
        ),
    ),
    Q(
        TF,
        (
            "按IMCI，即使没有体温计，家长诉说发热或摸起来发烫也算发热。",
            "In IMCI, fever by history or a child who feels hot counts as fever even without a thermometer.",
        ),
        True,
        (
            "发热可以依据病史、触摸发烫或腋温37.5 °C及以上任一项判定。",
            "Fever may be established by history, by feeling hot, or by an axillary temperature of 37.5 °C or above.",
        ),
    ),
    Q(
        M,
        (
            "以下哪些是IMCI一般危险体征？（多选）",
            "Which of these are IMCI general danger signs? (choose all that apply)",
        ),
        (
            ("不能喝水或吃奶", "Not able to drink or breastfeed", True),
            ("吐出所有东西", "Vomits everything", True),
            ("本次病程中有过惊厥", "Has had convulsions in this illness", True),
            ("流清涕", "Runny nose", False),
            ("腋温 38 °C", "Axillary temperature of 38 °C", False),
        ),
        (
            "一般危险体征：不能喝水或吃奶、吐出所有东西、本次病程有惊厥、嗜睡或昏迷、正在惊厥。流涕和发热本身不是。",
            "The general danger signs are: not able to drink or breastfeed, vomits everything, convulsions in this illness, lethargic or unconscious, convulsing now. A runny nose or fever alone is not one.",
        ),
    ),
    Q(
        S,
        (
            "2岁发热患儿伴颈项强直，按IMCI应如何分类？",
            "A 2-year-old with fever has a stiff neck. How does IMCI classify this?",
        ),
        (
            ("极重症发热性疾病，紧急转诊", "Very severe febrile disease: urgent referral", True),
            ("单纯发热，居家护理", "Fever only: home care", False),
            ("肺炎，口服阿莫西林", "Pneumonia: oral amoxicillin", False),
            ("咳嗽或感冒", "Cough or cold", False),
        ),
        (
            "发热伴任何一般危险体征或颈项强直，属极重症发热性疾病（红色），需紧急转诊。",
            "Fever with any general danger sign or a stiff neck is very severe febrile disease (red): refer urgently.",
        ),
    ),
    Q(
        S,
        ("每天发热持续多久需要转诊作进一步评估？", "Daily fever for how long calls for referral for assessment?"),
        (
            ("超过 7 天", "More than 7 days", True),
            ("超过 2 天", "More than 2 days", False),
            ("超过 3 天", "More than 3 days", False),
            ("超过 14 天", "More than 14 days", False),
        ),
        ("每天发热超过7天，应转诊作进一步评估。", "Fever every day for more than 7 days: refer for assessment."),
    ),
    Q(
        TF,
        ("嗜睡或昏迷的患儿存在一般危险体征。", "A child who is lethargic or unconscious has a general danger sign."),
        True,
        ("嗜睡或昏迷是五项一般危险体征之一。", "Lethargic or unconscious is one of the five general danger signs."),
    ),
    Q(
        S,
        ("发现任何一项一般危险体征意味着什么？", "What does any one general danger sign mean?"),
        (
            (
                "快速完成评估，给予转诊前治疗后紧急转诊",
                "Finish the assessment quickly, give pre-referral treatment and refer urgently",
                True,
            ),
            ("居家护理，5天后复诊", "Home care and follow up in 5 days", False),
            ("口服阿莫西林，3天后复诊", "Oral amoxicillin and follow up in 3 days", False),
            ("2小时后复测体温再决定", "Recheck the temperature in 2 hours, then decide", False),
        ),
        (
            "任何一项一般危险体征都需要紧急转诊（红色），转诊前快速完成评估并给予转诊前治疗。",
            "Any general danger sign means urgent referral (red), after a quick assessment and pre-referral treatment.",
        ),
    ),
    Q(
        TF,
        (
            "本次病程中有过惊厥、但目前没有惊厥的患儿，不算有一般危险体征。",
            "A child who had convulsions in this illness but is not convulsing now has no general danger sign.",
        ),
        False,
        (
            "“本次病程中有过惊厥”本身就是一般危险体征，与目前是否惊厥无关。",
            "“Has had convulsions in this illness” is a danger sign in itself, whether or not the child is convulsing now.",
        ),
    ),
    Q(
        S,
        (
            "患儿腋温 37.3 °C，家长未诉发热，摸起来不烫。按IMCI：",
            "Axillary temperature 37.3 °C, no history of fever, does not feel hot. By IMCI, the child:",
        ),
        (
            ("不符合发热标准", "Does not have fever", True),
            ("有发热", "Has fever", False),
            ("有高热", "Has high fever", False),
            ("需紧急转诊", "Needs urgent referral", False),
        ),
        (
            "腋温低于37.5 °C且无发热病史、摸起来不烫，不符合发热的定义。",
            "Below 37.5 °C axillary, with no history and not feeling hot, the child does not meet the definition of fever.",
        ),
    ),
    Q(
        M,
        (
            "发热患儿出现哪些情况需要紧急转诊？（多选）",
            "In a child with fever, which of these call for urgent referral? (choose all that apply)",
        ),
        (
            ("颈项强直", "A stiff neck", True),
            ("任何一项一般危险体征", "Any general danger sign", True),
            ("发热 2 天", "Fever for 2 days", False),
            ("流清涕", "A runny nose", False),
        ),
        (
            "发热伴颈项强直或任何一般危险体征属极重症发热性疾病，需紧急转诊。",
            "Fever with a stiff neck or any general danger sign is very severe febrile disease: urgent referral.",
        ),
    ),
    Q(
        TF,
        (
            "紧急转诊前，应快速完成评估并给予转诊前治疗。",
            "Before an urgent referral, the assessment is completed quickly and pre-referral treatment given.",
        ),
        True,
        (
            "IMCI要求在紧急转诊前快速完成评估、给予转诊前治疗，不要因为完整评估而延误转诊。",
            "IMCI asks for a quick assessment and pre-referral treatment, without delaying the referral for a full work-up.",
        ),
    ),
)

FEVER_RED = (
    Q(
        S,
        (
            "2月龄婴儿，体温 38.2 °C，按NICE交通灯属于：",
            "An infant aged 2 months has a temperature of 38.2 °C. In the NICE traffic lights this is:",
        ),
        (
            ("红色（高危）", "Red (high risk)", True),
            ("琥珀色（中危）", "Amber (intermediate)", False),
            ("绿色（低危）", "Green (low risk)", False),
        ),
        (
            "3月龄以下、体温38 °C或以上是红色征象。",
            "Age under 3 months with a temperature of 38 °C or above is a red feature.",
        ),
    ),
    Q(
        M,
        (
            "以下哪些是NICE红色（高危）征象？（多选）",
            "Which of these are NICE red (high-risk) features? (choose all that apply)",
        ),
        (
            ("皮肤苍白、花斑、灰白或发绀", "Pale, mottled, ashen or blue skin", True),
            ("对社交反应无回应", "No response to social cues", True),
            ("哭声微弱、尖调或持续哭闹", "Weak, high-pitched or continuous cry", True),
            ("发热 5 天或以上", "Fever for 5 days or more", False),
        ),
        (
            "发热5天或以上是琥珀色征象，其余三项均为红色征象。",
            "Fever for 5 days or more is an amber feature; the other three are red.",
        ),
    ),
    Q(
        S,
        (
            "NICE发热指南中，呼吸频率高于多少属于红色征象？",
            "In NICE fever guidance, a respiratory rate above what is a red feature?",
        ),
        (
            ("60 次/分", "60 breaths/min", True),
            ("40 次/分", "40 breaths/min", False),
            ("50 次/分", "50 breaths/min", False),
            ("30 次/分", "30 breaths/min", False),
        ),
        (
            "呼吸频率>60次/分为红色；>50（6–12月龄）或>40（12月龄以上）为琥珀色。",
            "Above 60/min is red; above 50 (6–12 months) or above 40 (over 12 months) is amber.",
        ),
    ),
    Q(
        TF,
        ("发热患儿出现压之不褪色的皮疹属于红色征象。", "A non-blanching rash in a feverish child is a red feature."),
        True,
        (
            "压之不褪色的皮疹是红色征象，需警惕严重细菌感染。",
            "A non-blanching rash is red: think of serious bacterial infection.",
        ),
    ),
    Q(
        M,
        ("以下哪些是红色征象？（多选）", "Which of these are red features? (choose all that apply)"),
        (
            ("前囟膨隆", "Bulging fontanelle", True),
            ("颈项强直", "Neck stiffness", True),
            ("癫痫持续状态", "Status epilepticus", True),
            ("毛细血管再充盈时间 3 秒", "Capillary refill time of 3 seconds", False),
        ),
        (
            "毛细血管再充盈3秒或以上是琥珀色征象，其余为红色征象。",
            "A capillary refill of 3 seconds or more is amber; the others are red.",
        ),
    ),
    Q(
        TF,
        (
            "在NICE交通灯中，呻吟（grunting）属于琥珀色征象。",
            "In the NICE traffic lights, grunting is an amber feature.",
        ),
        False,
        ("呻吟属于红色（高危）征象。", "Grunting is a red (high-risk) feature."),
    ),
    Q(
        S,
        ("以下哪种皮肤颜色属于红色征象？", "Which skin colour is a red feature?"),
        (
            ("苍白、花斑、灰白或发绀", "Pale, mottled, ashen or blue", True),
            ("皮肤、口唇和舌颜色正常", "Normal colour of skin, lips and tongue", False),
            ("家长诉说孩子面色苍白（医生未见）", "Pallor reported by the parent only", False),
        ),
        (
            "医生观察到的苍白、花斑、灰白或发绀为红色；仅家长诉说苍白为琥珀色；颜色正常为绿色。",
            "Pale, mottled, ashen or blue skin seen by the clinician is red; pallor reported by the parent is amber; normal colour is green.",
        ),
    ),
    Q(
        TF,
        (
            "3月龄以下婴儿体温 38 °C 或以上属于红色征象。",
            "A temperature of 38 °C or above in an infant under 3 months is a red feature.",
        ),
        True,
        ("年龄小于3个月且体温≥38 °C是红色征象。", "Age under 3 months with a temperature of 38 °C or above is red."),
    ),
    Q(
        S,
        ("以下哪项呼吸表现属于红色征象？", "Which respiratory finding is a red feature?"),
        (
            ("中度或重度胸凹陷", "Moderate or severe chest indrawing", True),
            ("3岁儿童呼吸 45 次/分", "Respiratory rate of 45/min at 3 years", False),
            ("血氧饱和度 95%", "Oxygen saturation of 95%", False),
            ("干咳", "A dry cough", False),
        ),
        (
            "中重度胸凹陷为红色；3岁呼吸>40次/分、血氧饱和度≤95%为琥珀色；干咳本身不在分级中。",
            "Moderate or severe chest indrawing is red; a rate above 40 at 3 years and saturation of 95% or less are amber; a dry cough alone is neither.",
        ),
    ),
    Q(
        S,
        ("发热患儿皮肤弹性降低属于：", "In a feverish child, reduced skin turgor is:"),
        (
            ("红色征象", "A red feature", True),
            ("琥珀色征象", "An amber feature", False),
            ("绿色征象", "A green feature", False),
        ),
        ("皮肤弹性降低在NICE交通灯中属红色征象。", "Reduced skin turgor is a red feature in the NICE traffic lights."),
    ),
    Q(
        M,
        (
            "以下哪些神经系统表现属于红色征象？（多选）",
            "Which neurological findings are red features? (choose all that apply)",
        ),
        (
            ("局灶性神经系统体征", "Focal neurological signs", True),
            ("抽搐发作", "Seizures", True),
            ("叫不醒，或唤醒后不能保持清醒", "Does not wake, or if roused does not stay awake", True),
            ("哭闹但抱起后可安抚", "Cries but settles when held", False),
        ),
        (
            "局灶体征、抽搐、不能唤醒或不能保持清醒为红色；可安抚的哭闹不是危险征象。",
            "Focal signs, seizures and not waking or staying awake are red; crying that settles when held is not a warning feature.",
        ),
    ),
)

FEVER_AMBER = (
    Q(
        S,
        (
            "4月龄婴儿，体温 39.2 °C，无其他异常，按NICE属于：",
            "An infant aged 4 months has a temperature of 39.2 °C and nothing else. In NICE this is:",
        ),
        (
            ("琥珀色（中危）", "Amber (intermediate)", True),
            ("红色（高危）", "Red (high risk)", False),
            ("绿色（低危）", "Green (low risk)", False),
        ),
        ("3–6月龄、体温39 °C或以上为琥珀色征象。", "Age 3–6 months with a temperature of 39 °C or above is amber."),
    ),
    Q(
        S,
        ("发热持续多久属于琥珀色征象？", "Fever for how long is an amber feature?"),
        (
            ("5 天或以上", "5 days or more", True),
            ("2 天或以上", "2 days or more", False),
            ("3 天或以上", "3 days or more", False),
            ("7 天或以上", "7 days or more", False),
        ),
        (
            "发热5天或以上为琥珀色征象，需考虑川崎病等。",
            "Fever for 5 days or more is amber (think of Kawasaki disease, among others).",
        ),
    ),
    Q(
        S,
        ("吸空气时血氧饱和度为多少属于琥珀色征象？", "Which oxygen saturation in air is an amber feature?"),
        (
            ("95% 或以下", "95% or less", True),
            ("98% 或以下", "98% or less", False),
            ("90% 或以下", "90% or less", False),
            ("85% 或以下", "85% or less", False),
        ),
        ("吸空气时血氧饱和度≤95%为琥珀色征象。", "Oxygen saturation of 95% or less in air is amber."),
    ),
    Q(
        S,
        ("毛细血管再充盈时间多少属于琥珀色征象？", "Which capillary refill time is an amber feature?"),
        (
            ("3 秒或以上", "3 seconds or more", True),
            ("1 秒或以上", "1 second or more", False),
            ("2 秒或以上", "2 seconds or more", False),
            ("5 秒或以上", "5 seconds or more", False),
        ),
        ("毛细血管再充盈时间≥3秒为琥珀色征象。", "A capillary refill time of 3 seconds or more is amber."),
    ),
    Q(
        S,
        (
            "8月龄婴儿，呼吸频率高于多少属于琥珀色征象？",
            "For an infant aged 8 months, a respiratory rate above what is amber?",
        ),
        (
            ("50 次/分", "50/min", True),
            ("40 次/分", "40/min", False),
            ("60 次/分", "60/min", False),
            ("30 次/分", "30/min", False),
        ),
        (
            "6–12月龄呼吸频率>50次/分为琥珀色；任何年龄>60次/分为红色。",
            "At 6–12 months a rate above 50 is amber; above 60 at any age is red.",
        ),
    ),
    Q(
        S,
        (
            "2岁儿童，呼吸频率高于多少属于琥珀色征象？",
            "For a child aged 2 years, a respiratory rate above what is amber?",
        ),
        (
            ("40 次/分", "40/min", True),
            ("50 次/分", "50/min", False),
            ("60 次/分", "60/min", False),
            ("30 次/分", "30/min", False),
        ),
        ("12月龄以上呼吸频率>40次/分为琥珀色。", "Over 12 months, a rate above 40 is amber."),
    ),
    Q(
        TF,
        (
            "没有任何红色或琥珀色征象的发热患儿属于低危（绿色）。",
            "A feverish child with none of the red or amber features is at low risk (green).",
        ),
        True,
        ("绿色即没有任何红色或琥珀色征象。", "Green means none of the red or amber features."),
    ),
    Q(
        TF,
        (
            "3–6月龄、体温39 °C或以上属于红色征象。",
            "Age 3–6 months with a temperature of 39 °C or above is a red feature.",
        ),
        False,
        (
            "这是琥珀色征象；红色的年龄相关征象是3月龄以下、体温≥38 °C。",
            "It is amber; the age-related red feature is under 3 months with 38 °C or above.",
        ),
    ),
    Q(
        S,
        (
            "3岁儿童，呼吸 44 次/分，无其他异常，按NICE属于：",
            "A 3-year-old breathes 44/min and has nothing else. In NICE this is:",
        ),
        (("琥珀色", "Amber", True), ("红色", "Red", False), ("绿色", "Green", False)),
        (
            "12月龄以上呼吸>40次/分为琥珀色，未达到>60次/分的红色标准。",
            "Over 12 months a rate above 40 is amber; it is not above 60, the red threshold.",
        ),
    ),
    Q(
        S,
        (
            "5月龄婴儿，体温 38.5 °C，无其他任何征象，按NICE属于：",
            "An infant aged 5 months has 38.5 °C and no other feature at all. In NICE this is:",
        ),
        (
            ("绿色（低危）", "Green (low risk)", True),
            ("琥珀色（中危）", "Amber (intermediate)", False),
            ("红色（高危）", "Red (high risk)", False),
        ),
        (
            "3–6月龄需≥39 °C才是琥珀色；无其他征象时为绿色。仍需结合临床判断和安全告知。",
            "At 3–6 months, amber needs 39 °C or above; with no other feature it is green. Clinical judgement and safety-netting still apply.",
        ),
    ),
    Q(
        TF,
        (
            "按NICE NG143，任何年龄呼吸频率>60次/分均为红色征象。",
            "In NICE NG143, a respiratory rate above 60/min at any age is a red feature.",
        ),
        True,
        ("呼吸频率>60次/分在任何年龄都是红色征象。", "A respiratory rate above 60/min is red at any age."),
    ),
)

# --- Pneumonia in infants ----------------------------------------------------------------------------

FAST_BREATHING = (
    Q(
        S,
        (
            "6周龄婴儿，呼吸频率达到多少为呼吸增快？",
            "For an infant aged 6 weeks, what respiratory rate is fast breathing?",
        ),
        (
            ("60 次/分或以上", "60/min or more", True),
            ("50 次/分或以上", "50/min or more", False),
            ("40 次/分或以上", "40/min or more", False),
            ("70 次/分或以上", "70/min or more", False),
        ),
        (
            "2月龄以下婴儿呼吸≥60次/分为呼吸增快（偏高时应复数一次）。",
            "Under 2 months, 60/min or more is fast breathing (recount if high).",
        ),
    ),
    Q(
        S,
        (
            "8月龄婴儿，呼吸频率达到多少为呼吸增快？",
            "For an infant aged 8 months, what respiratory rate is fast breathing?",
        ),
        (
            ("50 次/分或以上", "50/min or more", True),
            ("60 次/分或以上", "60/min or more", False),
            ("40 次/分或以上", "40/min or more", False),
            ("45 次/分或以上", "45/min or more", False),
        ),
        ("2月龄至12月龄：≥50次/分为呼吸增快。", "From 2 months up to 12 months: 50/min or more is fast breathing."),
    ),
    Q(
        S,
        ("3岁儿童，呼吸频率达到多少为呼吸增快？", "For a child aged 3 years, what respiratory rate is fast breathing?"),
        (
            ("40 次/分或以上", "40/min or more", True),
            ("50 次/分或以上", "50/min or more", False),
            ("30 次/分或以上", "30/min or more", False),
            ("60 次/分或以上", "60/min or more", False),
        ),
        ("12月龄至5岁：≥40次/分为呼吸增快。", "From 12 months up to 5 years: 40/min or more is fast breathing."),
    ),
    Q(
        S,
        ("恰好12月龄的儿童，呼吸 45 次/分：", "A child of exactly 12 months breathes 45/min:"),
        (
            ("呼吸增快（该年龄段界值为40）", "Fast breathing (the cut-off for this age is 40)", True),
            ("不算呼吸增快（该年龄段界值为50）", "Not fast breathing (the cut-off for this age is 50)", False),
        ),
        (
            "年龄段为左闭右开：恰好12月龄属于12月龄至5岁组，界值40次/分。",
            "The age bands are half-open: exactly 12 months belongs to the 12-months-to-5-years band, cut-off 40/min.",
        ),
    ),
    Q(
        S,
        ("11月龄婴儿，呼吸 48 次/分：", "An infant aged 11 months breathes 48/min:"),
        (("不算呼吸增快", "Not fast breathing", True), ("呼吸增快", "Fast breathing", False)),
        ("2–12月龄界值为50次/分，48次/分未达标准。", "From 2 up to 12 months the cut-off is 50/min; 48 is below it."),
    ),
    Q(
        TF,
        ("数呼吸应在孩子安静时数满一整分钟。", "Breaths are counted for one full minute while the child is calm."),
        True,
        ("IMCI要求在孩子安静时数满1分钟。", "IMCI asks for a full minute's count in a calm child."),
    ),
    Q(
        S,
        ("2岁儿童，呼吸恰好 40 次/分：", "A child aged 2 years breathes exactly 40/min:"),
        (("呼吸增快", "Fast breathing", True), ("不算呼吸增快", "Not fast breathing", False)),
        ("“或以上”包含界值：40次/分即为呼吸增快。", "“Or more” includes the cut-off: 40/min is fast breathing."),
    ),
    Q(
        TF,
        (
            "恰好2月龄的婴儿，呼吸增快的界值是60次/分。",
            "For an infant of exactly 2 months, the fast-breathing cut-off is 60/min.",
        ),
        False,
        (
            "恰好2月龄属于2–12月龄组，界值为50次/分。",
            "Exactly 2 months belongs to the 2-to-12-months band: the cut-off is 50/min.",
        ),
    ),
    Q(
        S,
        (
            "3周龄婴儿第一次数得呼吸 62 次/分，应：",
            "An infant aged 3 weeks breathes 62/min on the first count. What next?",
        ),
        (
            ("复数一次；若仍≥60次/分即为呼吸增快", "Recount; if still 60/min or more, it is fast breathing", True),
            ("判定为正常", "Call it normal", False),
            ("不需要再数，直接判定为重症肺炎", "Classify as severe pneumonia without recounting", False),
        ),
        (
            "2月龄以下婴儿呼吸偏高时应复数，复数仍≥60次/分为呼吸增快。",
            "In young infants a high count is repeated; 60/min or more on the recount is fast breathing.",
        ),
    ),
    Q(
        S,
        ("4岁儿童，呼吸 38 次/分：", "A child aged 4 years breathes 38/min:"),
        (("不算呼吸增快", "Not fast breathing", True), ("呼吸增快", "Fast breathing", False)),
        (
            "12月龄至5岁界值为40次/分，38次/分未达标准。",
            "From 12 months to 5 years the cut-off is 40/min; 38 is below it.",
        ),
    ),
    Q(
        M,
        ("以下哪些属于呼吸增快？（多选）", "Which of these are fast breathing? (choose all that apply)"),
        (
            ("7月龄，52 次/分", "7 months, 52/min", True),
            ("14月龄，41 次/分", "14 months, 41/min", True),
            ("3周龄，55 次/分", "3 weeks, 55/min", False),
            ("3岁，39 次/分", "3 years, 39/min", False),
        ),
        (
            "7月龄界值50、14月龄界值40，均已达到；3周龄界值60、3岁界值40，均未达到。",
            "At 7 months the cut-off is 50 and at 14 months 40: both reached. At 3 weeks it is 60 and at 3 years 40: neither reached.",
        ),
    ),
)

CLASSIFICATION = (
    Q(
        S,
        (
            "18月龄，咳嗽伴胸凹陷，无一般危险体征，按2014版IMCI分类为：",
            "18 months, cough with chest indrawing, no general danger sign. The 2014 IMCI classification is:",
        ),
        (
            ("肺炎（黄色）", "Pneumonia (yellow)", True),
            ("重症肺炎或极重症疾病（红色）", "Severe pneumonia or very severe disease (red)", False),
            ("咳嗽或感冒（绿色）", "Cough or cold (green)", False),
        ),
        (
            "2014版中，呼吸增快和/或胸凹陷（无危险体征）为肺炎（黄色）。",
            "In the 2014 chart, fast breathing and/or chest indrawing without a danger sign is pneumonia (yellow).",
        ),
    ),
    Q(
        S,
        ("肺炎（黄色）的处理是：", "How is pneumonia (yellow) managed?"),
        (
            ("口服阿莫西林，3天后复诊", "Oral amoxicillin, follow up in 3 days", True),
            ("转诊前抗生素，紧急转诊", "Pre-referral antibiotic and urgent referral", False),
            ("润喉，5天后不见好转再复诊", "Soothe the throat, follow up in 5 days if not improving", False),
        ),
        ("黄色肺炎：口服阿莫西林，3天后复诊。", "Yellow pneumonia: oral amoxicillin and follow-up in 3 days."),
    ),
    Q(
        S,
        (
            "咳嗽，无呼吸增快，无胸凹陷，无一般危险体征，分类为：",
            "Cough, no fast breathing, no chest indrawing, no danger sign. The classification is:",
        ),
        (
            ("咳嗽或感冒（绿色）", "Cough or cold (green)", True),
            ("肺炎（黄色）", "Pneumonia (yellow)", False),
            ("重症肺炎（红色）", "Severe pneumonia (red)", False),
        ),
        ("无肺炎征象为咳嗽或感冒（绿色）。", "No sign of pneumonia: cough or cold (green)."),
    ),
    Q(
        S,
        (
            "咳嗽或感冒（绿色）若不见好转，多久后复诊？",
            "Cough or cold (green) that is not improving: follow up after how long?",
        ),
        (("5 天", "5 days", True), ("3 天", "3 days", False), ("2 天", "2 days", False), ("14 天", "14 days", False)),
        (
            "绿色：润喉，告知何时立即返回，不见好转5天后复诊。",
            "Green: soothe the throat, advise when to return at once, follow up in 5 days if not improving.",
        ),
    ),
    Q(
        M,
        (
            "以下哪些情况分类为重症肺炎或极重症疾病（红色）？（多选）",
            "Which of these classify as severe pneumonia or very severe disease (red)? (choose all that apply)",
        ),
        (
            ("任何一项一般危险体征", "Any general danger sign", True),
            ("安静时有喘鸣", "Stridor in a calm child", True),
            ("血氧饱和度低于 90%", "Oxygen saturation below 90%", True),
            ("仅有呼吸增快", "Fast breathing alone", False),
        ),
        (
            "危险体征、安静时喘鸣或SpO₂<90%为红色；单纯呼吸增快为黄色肺炎。",
            "A danger sign, stridor in a calm child or saturation below 90% is red; fast breathing alone is yellow pneumonia.",
        ),
    ),
    Q(
        TF,
        (
            "2014版IMCI中，无危险体征的胸凹陷分类为肺炎（黄色），而非重症肺炎。",
            "In the 2014 IMCI chart, chest indrawing without a danger sign is pneumonia (yellow), not severe pneumonia.",
        ),
        True,
        (
            "2014版将胸凹陷从红色调整为黄色（口服阿莫西林）。",
            "The 2014 chart moved chest indrawing from red to yellow (oral amoxicillin).",
        ),
    ),
    Q(
        TF,
        (
            "较早版本的IMCI将胸凹陷分类为重症肺炎（红色）。",
            "Older IMCI editions classified chest indrawing as severe pneumonia (red).",
        ),
        True,
        ("是的，这是指南版本更新带来的变化。", "Yes: a change between editions of the guidance."),
    ),
    Q(
        S,
        ("咳嗽 14 天或以上，应：", "Cough for 14 days or more calls for:"),
        (
            ("进一步评估（结核、哮喘或其他原因）", "Further assessment (tuberculosis, asthma, other causes)", True),
            ("按咳嗽或感冒居家护理", "Home care as cough or cold", False),
            ("直接按肺炎口服阿莫西林", "Oral amoxicillin as pneumonia", False),
        ),
        (
            "咳嗽≥14天需评估结核、哮喘等其他原因。",
            "Cough of 14 days or more: assess for tuberculosis, asthma and other causes.",
        ),
    ),
    Q(
        S,
        ("重症肺炎或极重症疾病（红色）的处理是：", "How is severe pneumonia or very severe disease (red) managed?"),
        (
            ("给予首剂转诊前抗生素，紧急转诊", "First dose of a pre-referral antibiotic, urgent referral", True),
            ("口服阿莫西林，居家治疗", "Oral amoxicillin at home", False),
            ("观察 24 小时后再决定", "Observe for 24 hours, then decide", False),
        ),
        ("红色：转诊前抗生素并紧急转诊。", "Red: pre-referral antibiotic and urgent referral."),
    ),
    Q(
        TF,
        (
            "只在哭闹时出现、安静时消失的喘鸣，本身即属红色征象。",
            "Stridor heard only when the child cries, absent when calm, is a red sign by itself.",
        ),
        False,
        ("红色征象是“安静时”的喘鸣。", "The red sign is stridor in a calm child."),
    ),
    Q(
        S,
        (
            "10月龄，咳嗽，呼吸 54 次/分，无胸凹陷，无危险体征，分类为：",
            "10 months, cough, 54 breaths/min, no indrawing, no danger sign. The classification is:",
        ),
        (
            ("肺炎（黄色）", "Pneumonia (yellow)", True),
            ("咳嗽或感冒（绿色）", "Cough or cold (green)", False),
            ("重症肺炎（红色）", "Severe pneumonia (red)", False),
        ),
        (
            "10月龄界值50次/分，54次/分为呼吸增快，分类为肺炎（黄色）。",
            "At 10 months the cut-off is 50/min: 54 is fast breathing, so pneumonia (yellow).",
        ),
    ),
)

DANGER_SIGNS = (
    Q(
        M,
        (
            "以下哪些是一般危险体征（2月龄至5岁）？（多选）",
            "Which are general danger signs (2 months to 5 years)? (choose all that apply)",
        ),
        (
            ("不能喝水或吃奶", "Not able to drink or breastfeed", True),
            ("吐出所有东西", "Vomits everything", True),
            ("本次病程中有过惊厥", "Convulsions in this illness", True),
            ("嗜睡或昏迷", "Lethargic or unconscious", True),
            ("咳嗽", "Cough", False),
        ),
        (
            "五项一般危险体征：不能喝水或吃奶、吐出所有东西、本次病程有惊厥、嗜睡或昏迷、正在惊厥。",
            "The five general danger signs: not able to drink or breastfeed, vomits everything, convulsions in this illness, lethargic or unconscious, convulsing now.",
        ),
    ),
    Q(
        TF,
        ("正在惊厥是一般危险体征。", "Convulsing now is a general danger sign."),
        True,
        ("正在惊厥是五项一般危险体征之一。", "Convulsing now is one of the five general danger signs."),
    ),
    Q(
        S,
        ("2岁咳嗽患儿吐出所有东西，分类为：", "A 2-year-old with cough vomits everything. The classification is:"),
        (
            ("重症肺炎或极重症疾病（红色）", "Severe pneumonia or very severe disease (red)", True),
            ("肺炎（黄色）", "Pneumonia (yellow)", False),
            ("咳嗽或感冒（绿色）", "Cough or cold (green)", False),
        ),
        (
            "吐出所有东西是一般危险体征，伴咳嗽即为红色分类。",
            "Vomiting everything is a general danger sign: with cough, the classification is red.",
        ),
    ),
    Q(
        TF,
        (
            "咳嗽后呕吐一次、但能正常喝水的孩子，属于“吐出所有东西”。",
            "A child who vomits once after a coughing fit but drinks well “vomits everything”.",
        ),
        False,
        (
            "“吐出所有东西”指孩子什么都留不住；偶尔一次呕吐不属于。",
            "“Vomits everything” means the child keeps nothing down; a single vomit does not count.",
        ),
    ),
    Q(
        S,
        ("发现一般危险体征后首先应：", "Having found a general danger sign, you first:"),
        (
            (
                "快速完成评估，给予转诊前治疗，紧急转诊",
                "Finish the assessment quickly, give pre-referral treatment, refer urgently",
                True,
            ),
            ("完成全部检查后再决定", "Complete every examination, then decide", False),
            ("嘱家长带孩子回家观察", "Send the child home to be watched", False),
        ),
        (
            "危险体征意味着紧急转诊，不应因完整评估而延误。",
            "A danger sign means urgent referral; do not delay it for a full work-up.",
        ),
    ),
    Q(
        S,
        ("IMCI一般危险体征图表适用于哪个年龄段？", "Which age range is the IMCI general danger signs chart for?"),
        (
            ("2月龄至5岁", "2 months up to 5 years", True),
            ("出生至2月龄", "Birth to 2 months", False),
            ("5岁至12岁", "5 to 12 years", False),
        ),
        (
            "该图表适用于2月龄至5岁；2月龄以下小婴儿有单独的图表。",
            "The chart is for 2 months to 5 years; young infants under 2 months have their own chart.",
        ),
    ),
    Q(
        TF,
        ("不能吃奶的婴儿存在一般危险体征。", "An infant who is not able to breastfeed has a general danger sign."),
        True,
        ("“不能喝水或吃奶”是一般危险体征。", "“Not able to drink or breastfeed” is a general danger sign."),
    ),
    Q(
        S,
        ("需要几项一般危险体征才需紧急转诊？", "How many general danger signs call for urgent referral?"),
        (("任何一项", "Any one", True), ("两项", "Two", False), ("三项", "Three", False)),
        ("任何一项一般危险体征即需紧急转诊。", "Any one general danger sign means urgent referral."),
    ),
    Q(
        S,
        (
            "3岁患儿嗜睡，咳嗽，呼吸 35 次/分，分类为：",
            "A 3-year-old is lethargic, coughing, and breathes 35/min. The classification is:",
        ),
        (
            ("重症肺炎或极重症疾病（红色）", "Severe pneumonia or very severe disease (red)", True),
            ("咳嗽或感冒（绿色）", "Cough or cold (green)", False),
            ("肺炎（黄色）", "Pneumonia (yellow)", False),
        ),
        (
            "嗜睡是一般危险体征，即使呼吸频率正常，也分类为红色。",
            "Lethargy is a general danger sign: red, even with a normal breathing rate.",
        ),
    ),
    Q(
        TF,
        (
            "有一般危险体征但呼吸频率正常的孩子可以居家治疗。",
            "A child with a general danger sign but a normal breathing rate can be treated at home.",
        ),
        False,
        (
            "任何一般危险体征都需紧急转诊，与呼吸频率无关。",
            "Any general danger sign means urgent referral, whatever the breathing rate.",
        ),
    ),
    Q(
        M,
        ("以下哪些不是一般危险体征？（多选）", "Which of these are NOT general danger signs? (choose all that apply)"),
        (
            ("流清涕", "A runny nose", True),
            ("单纯发热", "Fever alone", True),
            ("嗜睡", "Lethargy", False),
            ("本次病程中有惊厥", "Convulsions in this illness", False),
        ),
        (
            "流涕和单纯发热不是一般危险体征；嗜睡和惊厥是。",
            "A runny nose and fever alone are not general danger signs; lethargy and convulsions are.",
        ),
    ),
)

# (code, Chinese name, English name, questions)
BANKS: dict[str, tuple[tuple[str, str, str, tuple[Q, ...]], ...]] = {
    FEVER_SLUG: (
        ("imci-fever", "发热与一般危险体征（IMCI）", "Fever and general danger signs (IMCI)", FEVER_IMCI),
        ("nice-red", "NICE 红色（高危）征象", "NICE red (high-risk) features", FEVER_RED),
        ("nice-amber", "NICE 琥珀色征象与低危", "NICE amber features and low risk", FEVER_AMBER),
    ),
    PNEUMONIA_SLUG: (
        ("fast-breathing", "呼吸增快的判断", "Fast breathing", FAST_BREATHING),
        ("classification", "咳嗽或呼吸困难的分类", "Classifying cough or difficult breathing", CLASSIFICATION),
        ("danger-signs", "一般危险体征", "General danger signs", DANGER_SIGNS),
    ),
}

EXAM_SETTINGS = {
    FEVER_SLUG: {"time_limit_minutes": 20, "pass_mark_percent": 80, "attempts_allowed": 3, "wait_minutes": 60},
    PNEUMONIA_SLUG: {"time_limit_minutes": 20, "pass_mark_percent": 80, "attempts_allowed": 3, "wait_minutes": 24 * 60},
}
INSTRUCTIONS = (
    "12道题，随机抽取；20分钟。每个答案选择后即自动保存。演示内容，不构成临床建议。",
    "12 questions drawn at random; 20 minutes. Each answer is saved as soon as you choose it. "
    "Demonstration content, not clinical advice.",
)


def seed(stdout) -> None:
    trainer = User.objects.filter(username="trainer").first()
    courses = {course.slug: course for course in Course.objects.filter(slug__in=BANKS)}
    if trainer is None or len(courses) != len(BANKS):
        stdout.write("Exams: the demo courses are missing; run the training demo first.")
        return
    with transaction.atomic():
        exams = {slug: _exam(course, trainer) for slug, course in courses.items()}
    certificates = _learner_states(exams, courses, trainer)
    for certificate in certificates:
        # Synchronously: the demo must show a ready PDF whether or not a worker runs.
        certificate.generate_pdf()
    stdout.write(
        f"Exams: {sum(Question.objects.filter(course=c).count() for c in courses.values())} demo questions, "
        f"{len(exams)} published exams, {Certificate.objects.count()} certificates."
    )


def _exam(course: Course, trainer: User) -> Exam:
    exam, _created = Exam.objects.get_or_create(
        course=course,
        defaults={**EXAM_SETTINGS[course.slug], "instructions_zh": INSTRUCTIONS[0], "instructions_en": INSTRUCTIONS[1]},
    )
    for position, (code, name_zh, name_en, questions) in enumerate(BANKS[course.slug]):
        category, _created = QuestionCategory.objects.get_or_create(
            course=course, code=code, defaults={"name_zh": name_zh, "name_en": name_en, "position": position}
        )
        for number, demo in enumerate(questions, start=1):
            ref = f"{code}-{number:02d}"
            if Question.objects.filter(course=course, ref=ref).exists():
                continue
            question = Question.objects.create(
                course=course,
                category=category,
                ref=ref,
                kind=demo.kind,
                text_zh=demo.text[0],
                text_en=demo.text[1],
                explanation_zh=demo.explanation[0],
                explanation_en=demo.explanation[1],
            )
            options = _tf(demo.options) if isinstance(demo.options, bool) else demo.options
            question.set_options(list(options))
        ExamDrawRule.objects.get_or_create(exam=exam, category=category, defaults={"count": DRAW_PER_CATEGORY})
    if not exam.is_published:
        exam.publish(trainer)
    return exam


def _complete_course(course: Course, user: User, trainer: User, when) -> None:
    """Enrol and finish every lesson `when` (a demo shortcut: progress written directly)."""
    enrolment = course.enrol([user], by=trainer)[0][0]
    if enrolment.is_complete:
        return
    for lesson in course.lessons():
        LessonProgress.objects.get_or_create(
            enrolment=enrolment,
            lesson=lesson,
            defaults={
                "watched_intervals": [[0.0, float(lesson.video_duration_seconds)]] if lesson.has_video else [],
                "watched_seconds": lesson.video_duration_seconds if lesson.has_video else 0,
                "time_spent_seconds": lesson.video_duration_seconds if lesson.has_video else 0,
                "last_seen_at": when,
                "reading_opened_at": when - timedelta(minutes=5),
                "video_completed_at": when if lesson.has_video else None,
                "reading_completed_at": when if lesson.has_reading else None,
                "completed_at": when,
            },
        )
    enrolment.update_completion(when)


def _answer(attempt: Attempt, correct: int, at, answered: int | None = None) -> None:
    """Answer the first `correct` questions right and the rest (up to `answered`) wrong."""
    items = attempt.items.select_related("question").prefetch_related("question__choices").order_by("position")
    for item in items[:answered] if answered is not None else items:
        key = item.question.correct_choice_ids()
        right = [index for index, pk in enumerate(item.choice_order) if pk in key]
        wrong = [index for index, pk in enumerate(item.choice_order) if pk not in key][:1]
        attempt.answer(item.position, right if item.position <= correct else wrong, now=at)


def _learner_states(exams: dict[str, Exam], courses: dict[str, Course], trainer: User) -> list[Certificate]:
    people = {
        user.username: user for user in User.objects.filter(username__in=["spec.resp", "dr.yangpu", "spec.neuro"])
    }
    now = timezone.now()
    made: list[Certificate] = []
    fever, pneumonia = exams[FEVER_SLUG], exams[PNEUMONIA_SLUG]

    # spec.resp passed the fever exam two days ago: a valid certificate.
    spec = people.get("spec.resp")
    if spec is not None and not fever.attempts.filter(user=spec).exists():
        with transaction.atomic():
            _complete_course(courses[FEVER_SLUG], spec, trainer, now - timedelta(days=3))
            started = now - timedelta(days=2)
            attempt = fever.start_attempt(spec, now=started)
            _answer(attempt, correct=11, at=started + timedelta(minutes=9))
            attempt.submit(now=started + timedelta(minutes=11))
        made.extend(attempt.certificates.all())

    # dr.yangpu failed the pneumonia exam two hours ago and waits a day for the next attempt.
    yangpu = people.get("dr.yangpu")
    if yangpu is not None and not pneumonia.attempts.filter(user=yangpu).exists():
        with transaction.atomic():
            _complete_course(courses[PNEUMONIA_SLUG], yangpu, trainer, now - timedelta(days=1))
            started = now - timedelta(hours=2, minutes=15)
            attempt = pneumonia.start_attempt(yangpu, now=started)
            _answer(attempt, correct=7, at=started + timedelta(minutes=12))
            attempt.submit(now=started + timedelta(minutes=14))

    neuro = people.get("spec.neuro")
    if neuro is None:
        return made

    # spec.neuro is sitting the fever exam right now (5 of 12 answered).
    if not fever.attempts.filter(user=neuro).exists():
        with transaction.atomic():
            _complete_course(courses[FEVER_SLUG], neuro, trainer, now - timedelta(hours=3))
            started = now - timedelta(minutes=4)
            attempt = fever.start_attempt(neuro, now=started)
            _answer(attempt, correct=4, at=started + timedelta(minutes=3), answered=5)

    # spec.neuro passed the pneumonia exam three years and a month ago: the certificate has
    # expired (valid 36 months) and the exam is open again for re-certification.
    if not pneumonia.attempts.filter(user=neuro).exists():
        with transaction.atomic():
            long_ago = now - timedelta(days=3 * 365 + 31)
            _complete_course(courses[PNEUMONIA_SLUG], neuro, trainer, long_ago - timedelta(days=1))
            attempt = pneumonia.start_attempt(neuro, now=long_ago)
            _answer(attempt, correct=12, at=long_ago + timedelta(minutes=8))
            # Submitted as of then, so the certificate is dated then (not via submit(), which
            # would issue it today).
            Attempt.objects.filter(pk=attempt.pk).update(
                status="submitted",
                submitted_at=long_ago + timedelta(minutes=10),
                finished_by=Attempt.Finish.LEARNER,
                correct_count=12,
                question_count=12,
                score_percent=100,
                passed=True,
            )
            attempt.refresh_from_db()
            for item in attempt.items.all():
                item.is_correct = True
                item.save(update_fields=["is_correct"])
            made.append(Certificate.issue_for(attempt, now=long_ago + timedelta(minutes=10)))
    return made


def bench_attempt_path(user: User) -> str:
    """For bench/run.py: the page of the user's attempt under way (spec.neuro's, from this
    demo), or, once the demo attempt's time is up, the result page of their last attempt."""
    exam = Exam.objects.get(course__slug=FEVER_SLUG)
    attempt = exam.attempts.filter(user=user).order_by("-number").first()
    if attempt is None:
        raise LookupError(f"{user} has no attempt at the fever exam: run `manage.py seed_demo` first")
    if attempt.is_open and attempt.deadline > timezone.now() + timedelta(minutes=2):
        return attempt.get_absolute_url()
    if attempt.is_open:
        attempt.expire(attempt.accepts_answers_until() + timedelta(seconds=1))
    return reverse("training:attempt_result", args=[attempt.public_id])
