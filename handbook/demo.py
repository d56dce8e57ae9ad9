"""Demo handbook: eight topics in Chinese and English, published through the real workflow.

Written for the demo from public guidance (WHO IMCI chart booklets, NICE NG143) in our own
words, and marked on every page as demonstration content, not clinical advice. The cough
topic has an older, superseded version (chest indrawing was "severe pneumonia" in the older
IMCI charts, "pneumonia" in the 2014 chart) so that "what changed" has something to show.

Every version is written by `editor2` and approved by `editor` (the two-person rule).
Idempotent: a version is created once per topic slug and number; existing ones are left
alone. The cough topic has a short video lecture, shipped in demo_media/.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from cloudpeds.accounts.models import Department, Hospital, User
from cloudpeds.accounts.roles import Role

from . import demo_triage
from .models import AgeBand, ClassificationRow, Colour, SectionKind, Symptom, Topic, TopicVersion

logger = logging.getLogger(__name__)

DEMO_VIDEO = Path(__file__).resolve().parent / "demo_media" / "cough-lecture.mp4"

K = SectionKind
RED, YELLOW, GREEN = Colour.RED, Colour.YELLOW, Colour.GREEN

WHO_IMCI_2014 = (
    "- 世界卫生组织. 儿童疾病综合管理（IMCI）图表手册. 2014.",
    "- WHO. Integrated Management of Childhood Illness (IMCI) chart booklet. Geneva: WHO; 2014.",
)
WHO_YOUNG_INFANT_2019 = (
    "- 世界卫生组织. IMCI：2月龄以下患病小婴儿的管理图表手册. 2019.",
    "- WHO. IMCI: management of the sick young infant aged up to 2 months, chart booklet. Geneva: WHO; 2019.",
)
NICE_NG143 = (
    "- 英国国家卫生与临床优化研究所（NICE）. NG143：5岁以下儿童发热的评估与初始处理. 2019（2021年更新）.",
    "- NICE guideline NG143. Fever in under 5s: assessment and initial management. 2019, updated 2021.",
)
NICE_CG98 = (
    "- NICE 临床指南 CG98：新生儿黄疸. 2010（2016年更新）.",
    "- NICE clinical guideline CG98. Jaundice in newborn babies under 28 days. 2010, updated 2016.",
)
GENERAL_DANGER_SIGNS = (
    "任何一项一般危险体征：\n\n- 不能喝水或吃奶\n- 吐出所有东西\n- 本次病程中有过惊厥\n- 嗜睡或昏迷\n- 正在惊厥\n\n"
    "有任何一项即需**紧急转诊**：快速完成评估，给予转诊前治疗后立即转诊。",
    "Any one general danger sign:\n\n- not able to drink or breastfeed\n- vomits everything\n"
    "- has had convulsions in this illness\n- lethargic or unconscious\n- convulsing now\n\n"
    "Any one means **urgent referral**: finish the assessment quickly, give pre-referral treatment and refer.",
)


def _refs(*refs: tuple[str, str]) -> tuple[str, str]:
    return "\n".join(ref[0] for ref in refs), "\n".join(ref[1] for ref in refs)


@dataclass(frozen=True)
class Row:
    colour: str
    signs: tuple[str, str]
    classification: tuple[str, str]
    action: tuple[str, str]


@dataclass(frozen=True)
class DemoVersion:
    number: int
    effective: date
    title: tuple[str, str]
    summary: tuple[str, str]
    keywords: tuple[str, str]
    sections: dict[str, tuple[str, str]]
    rows: list[Row]
    change_note: str = ""
    chapters: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoTopic:
    slug: str
    symptom: str
    age_bands: list[str]
    order: int
    versions: list[DemoVersion]


_COUGH_COMMON = {
    K.ASSESS: (
        "- 询问咳嗽或呼吸困难的持续天数。\n- 在孩子安静时数**整整一分钟**的呼吸次数。\n"
        "- 观察有无胸凹陷，在孩子安静时听有无喘鸣（吸气时的粗糙声音）和喘息（wheeze，呼气时的哨音）。\n"
        "- 有条件时测血氧饱和度。\n\n呼吸增快的标准：2–12月龄 ≥50次/分；12月龄–5岁 ≥40次/分（12月龄整归入后一组）。",
        "- Ask how long the child has had cough or difficult breathing.\n"
        "- Count the breaths in **one full minute** while the child is calm.\n"
        "- Look for chest indrawing; listen for stridor (a harsh noise on breathing in) and wheeze "
        "(a whistle on breathing out) when the child is calm.\n- Measure oxygen saturation where possible.\n\n"
        "Fast breathing is 50 breaths per minute or more from 2 up to 12 months, and 40 or more from "
        "12 months up to 5 years (a child of exactly 12 months is in the older band).",
    ),
    K.DANGER_SIGNS: (
        GENERAL_DANGER_SIGNS[0] + "\n\n安静时有喘鸣，或血氧饱和度低于90%，同样需要紧急转诊。",
        GENERAL_DANGER_SIGNS[1]
        + "\n\nStridor in a calm child, or oxygen saturation below 90%, also means urgent referral.",
    ),
    K.REFERRAL: (
        "- 任何一般危险体征、安静时喘鸣或血氧饱和度低于90%：紧急转诊至新华医院。\n"
        "- 咳嗽14天或以上：转诊进一步评估（结核、哮喘等）。\n- 治疗3天后呼吸增快未改善：转诊。",
        "- Any general danger sign, stridor in a calm child or oxygen saturation below 90%: refer urgently to Xinhua.\n"
        "- Cough for 14 days or more: refer for further assessment (tuberculosis, asthma, other causes).\n"
        "- Fast breathing not better after 3 days of treatment: refer.",
    ),
    K.FOLLOW_UP: (
        "- 肺炎：3天后复诊，重新数呼吸次数。\n- 咳嗽或感冒：如5天后未好转则复诊。",
        "- Pneumonia: follow up in 3 days and count the breaths again.\n"
        "- Cough or cold: follow up in 5 days if not improving.",
    ),
    K.PARENT_ADVICE: (
        "- 继续母乳喂养和进食，多喝水。\n- 用安全的方法缓解咽喉不适（如温水）。\n"
        "- 出现以下情况**立即返回**：呼吸困难或呼吸变快、不能喝水或吃奶、病情加重。",
        "- Keep breastfeeding and feeding; give more fluids.\n- Soothe the throat with a safe remedy such as warm water.\n"
        "- **Come back at once** if breathing becomes difficult or fast, the child cannot drink or feed, "
        "or the child becomes sicker.",
    ),
    K.REFERENCES: _refs(WHO_IMCI_2014),
}

_COUGH_V1 = DemoVersion(
    number=1,
    effective=date(2021, 3, 1),
    title=("咳嗽或呼吸困难", "Cough or difficult breathing"),
    summary=(
        "2月龄至5岁儿童咳嗽或呼吸困难的评估与分类（旧版分类：胸凹陷归为重症肺炎）。",
        "Assessing and classifying cough or difficult breathing in children from 2 months to 5 years "
        "(older classification: chest indrawing is severe pneumonia).",
    ),
    keywords=("咳嗽 气喘 喘息 呼吸快 肺炎", "cough wheeze breathless pneumonia"),
    sections={
        **_COUGH_COMMON,
        K.CLASSIFICATION: (
            "按下表从上到下分类，取最严重的一行。",
            "Classify from the top of the table down and take the most severe row that fits.",
        ),
        K.MANAGEMENT: (
            "- 重症肺炎：给予首剂抗生素后紧急转诊。\n- 肺炎：口服阿莫西林。\n- 咳嗽或感冒：家庭护理。",
            "- Severe pneumonia: give the first dose of an antibiotic and refer urgently.\n"
            "- Pneumonia: oral amoxicillin.\n- Cough or cold: home care.",
        ),
    },
    rows=[
        Row(
            RED,
            (
                "任何一般危险体征，或胸凹陷，或安静时喘鸣",
                "Any general danger sign, or chest indrawing, or stridor in a calm child",
            ),
            ("重症肺炎或极重症", "Severe pneumonia or very severe disease"),
            ("给予首剂抗生素，紧急转诊。", "Give the first dose of an antibiotic. Refer urgently."),
        ),
        Row(
            YELLOW,
            ("呼吸增快", "Fast breathing"),
            ("肺炎", "Pneumonia"),
            ("口服阿莫西林5天；3天后复诊。", "Oral amoxicillin for 5 days. Follow up in 3 days."),
        ),
        Row(
            GREEN,
            ("无肺炎体征", "No signs of pneumonia"),
            ("咳嗽或感冒", "Cough or cold"),
            (
                "家庭护理，缓解咽喉不适；5天未好转复诊。",
                "Home care, soothe the throat. Follow up in 5 days if not improving.",
            ),
        ),
    ],
)

_COUGH_V2 = DemoVersion(
    number=2,
    effective=date(2025, 6, 1),
    title=("咳嗽或呼吸困难", "Cough or difficult breathing"),
    summary=(
        "2月龄至5岁儿童咳嗽或呼吸困难的评估与分类，依据2014年版IMCI图表：胸凹陷归为肺炎（黄色），口服阿莫西林治疗。",
        "Assessing and classifying cough or difficult breathing in children from 2 months to 5 years, following "
        "the 2014 IMCI chart: chest indrawing is pneumonia (yellow), treated with oral amoxicillin.",
    ),
    keywords=("咳嗽 气喘 喘息 呼吸快 肺炎 胸凹陷", "cough wheeze wheezing breathless pneumonia chest indrawing"),
    change_note="依据2014年版IMCI：胸凹陷由重症肺炎（红色）改为肺炎（黄色），口服阿莫西林。",
    sections={
        **_COUGH_COMMON,
        K.CLASSIFICATION: (
            "按下表从上到下分类，取最严重的一行。胸凹陷不再单独作为转诊指征。",
            "Classify from the top of the table down and take the most severe row that fits. "
            "Chest indrawing alone is no longer a reason to refer.",
        ),
        K.MANAGEMENT: (
            "- 重症肺炎或极重症：给予首剂抗生素后紧急转诊，有条件时吸氧。\n"
            "- 肺炎（呼吸增快和/或胸凹陷）：口服阿莫西林5天。\n"
            "- 有喘息时：可试用吸入速效支气管扩张剂后重新评估。\n- 咳嗽或感冒：家庭护理。",
            "- Severe pneumonia or very severe disease: give the first dose of an antibiotic and refer urgently; "
            "give oxygen where available.\n"
            "- Pneumonia (fast breathing and/or chest indrawing): oral amoxicillin for 5 days.\n"
            "- With wheeze: a trial of an inhaled rapid-acting bronchodilator, then assess again.\n"
            "- Cough or cold: home care.",
        ),
    },
    rows=[
        Row(
            RED,
            (
                "任何一般危险体征，或安静时喘鸣，或血氧饱和度低于90%",
                "Any general danger sign, or stridor in a calm child, or oxygen saturation below 90%",
            ),
            ("重症肺炎或极重症", "Severe pneumonia or very severe disease"),
            ("给予首剂抗生素，紧急转诊。", "Give the first dose of an antibiotic. Refer urgently."),
        ),
        Row(
            YELLOW,
            ("胸凹陷和/或呼吸增快", "Chest indrawing and/or fast breathing"),
            ("肺炎", "Pneumonia"),
            (
                "口服阿莫西林5天；有喘息时试用吸入支气管扩张剂；3天后复诊。",
                "Oral amoxicillin for 5 days. If wheezing, try an inhaled bronchodilator. Follow up in 3 days.",
            ),
        ),
        Row(
            GREEN,
            ("无肺炎体征", "No signs of pneumonia"),
            ("咳嗽或感冒", "Cough or cold"),
            (
                "家庭护理，缓解咽喉不适；5天未好转复诊。",
                "Home care, soothe the throat. Follow up in 5 days if not improving.",
            ),
        ),
    ],
    chapters={K.ASSESS: 0, K.DANGER_SIGNS: 8, K.CLASSIFICATION: 16, K.MANAGEMENT: 24, K.PARENT_ADVICE: 32},
)

_FEVER = DemoVersion(
    number=1,
    effective=date(2025, 9, 1),
    title=("发热", "Fever"),
    summary=(
        "5岁以下儿童发热的评估：IMCI一般危险体征与NICE NG143“交通灯”分级。",
        "Assessing fever in children under 5: IMCI general danger signs and the NICE NG143 traffic lights.",
    ),
    keywords=("发烧 体温高 高热", "fever high temperature pyrexia feverish"),
    sections={
        K.ASSESS: (
            "- 发热指：病史中有发热、摸起来发烫，或腋温≥37.5 °C。\n- 询问发热天数；检查颈项强直。\n"
            "- 评估皮肤颜色、对外界的反应、呼吸、循环与补液情况（见NICE交通灯）。\n- 3月龄以下婴儿测体温需格外重视。",
            "- Fever means fever by history, feels hot, or an axillary temperature of 37.5 °C or above.\n"
            "- Ask for how many days; look and feel for a stiff neck.\n"
            "- Assess colour, activity, breathing, circulation and hydration (the NICE traffic lights).\n"
            "- Take any fever in a baby under 3 months seriously.",
        ),
        K.DANGER_SIGNS: (
            GENERAL_DANGER_SIGNS[0] + "\n\n颈项强直、不褪色皮疹、前囟膨隆、惊厥持续状态同样需要紧急转诊。",
            GENERAL_DANGER_SIGNS[1]
            + "\n\nA stiff neck, a non-blanching rash, a bulging fontanelle or status epilepticus also mean urgent referral.",
        ),
        K.CLASSIFICATION: (
            "NICE交通灯：有任一红色特征为高风险；有琥珀色特征而无红色特征为中风险；均无为低风险。",
            "NICE traffic lights: any red feature is high risk; amber features without red ones are intermediate "
            "risk; none of them is low risk.",
        ),
        K.MANAGEMENT: (
            "- 高风险（红色）：紧急转诊，途中保持气道通畅与保暖。\n"
            "- 中风险（琥珀色/黄色）：寻找病因，当日由医生复评，必要时转诊。\n"
            "- 低风险（绿色）：家庭护理；退热药用于孩子不适时，不为降低体温本身而用。",
            "- High risk (red): refer urgently; keep the airway open and the child warm.\n"
            "- Intermediate risk (amber/yellow): look for the cause; a doctor reviews the child the same day, "
            "refer if needed.\n"
            "- Low risk (green): home care; antipyretics are for a distressed child, not to bring the "
            "temperature down for its own sake.",
        ),
        K.REFERRAL: (
            "- 任何红色特征或一般危险体征：紧急转诊。\n- 3月龄以下婴儿体温≥38 °C：紧急转诊。\n"
            "- 每天发热且超过7天：转诊评估。",
            "- Any red feature or general danger sign: refer urgently.\n"
            "- A baby under 3 months with a temperature of 38 °C or above: refer urgently.\n"
            "- Fever every day for more than 7 days: refer for assessment.",
        ),
        K.FOLLOW_UP: (
            "- 中风险：24小时内复评，或给予明确的“安全网”建议。\n- 发热持续5天或以上：复诊。",
            "- Intermediate risk: review within 24 hours, or give a clear safety-net plan.\n"
            "- Fever for 5 days or more: come back.",
        ),
        K.PARENT_ADVICE: (
            "- 少量多次喂水，继续母乳喂养。\n- 不要给孩子穿得过多或过少。\n"
            "- 出现以下情况**立即就医**：惊厥、出现压之不褪色的皮疹、嗜睡或难以唤醒、呼吸困难、不能喝水。",
            "- Offer fluids often; keep breastfeeding.\n- Do not over-wrap or under-dress the child.\n"
            "- **Seek care at once** for a fit, a rash that does not fade under pressure, a child who is drowsy "
            "or hard to wake, difficult breathing, or a child who cannot drink.",
        ),
        K.REFERENCES: _refs(WHO_IMCI_2014, NICE_NG143),
    },
    rows=[
        Row(
            RED,
            (
                "任何一般危险体征或颈项强直；皮肤苍白、花斑或发绀；对外界无反应；呻吟；呼吸>60次/分；"
                "3月龄以下且体温≥38 °C；不褪色皮疹；前囟膨隆",
                "Any general danger sign or stiff neck; pale, mottled or blue skin; no response to social cues; "
                "grunting; respiratory rate above 60; under 3 months with a temperature of 38 °C or above; "
                "non-blanching rash; bulging fontanelle",
            ),
            ("极重症发热性疾病（高风险）", "Very severe febrile disease (high risk)"),
            ("紧急转诊。", "Refer urgently."),
        ),
        Row(
            YELLOW,
            (
                "3–6月龄且体温≥39 °C；发热≥5天；呼吸增快；血氧饱和度≤95%；毛细血管再充盈≥3秒",
                "Age 3–6 months with a temperature of 39 °C or above; fever for 5 days or more; fast breathing; "
                "oxygen saturation 95% or less; capillary refill 3 seconds or more",
            ),
            ("发热，中风险（琥珀色）", "Fever, intermediate risk (amber)"),
            ("寻找病因，当日医生复评。", "Find the cause; a doctor reviews the child the same day."),
        ),
        Row(
            GREEN,
            ("无红色或琥珀色特征", "None of the red or amber features"),
            ("发热，低风险", "Fever, low risk"),
            ("家庭护理并给予安全网建议。", "Home care with safety-net advice."),
        ),
    ],
)

_DIARRHOEA = DemoVersion(
    number=1,
    effective=date(2025, 9, 1),
    title=("腹泻", "Diarrhoea"),
    summary=(
        "儿童腹泻的脱水评估与补液方案（A、B、C），以及持续性腹泻和痢疾。",
        "Assessing dehydration in a child with diarrhoea and choosing the fluid plan (A, B, C); "
        "persistent diarrhoea and dysentery.",
    ),
    keywords=("拉肚子 稀便 脱水 口服补液盐", "diarrhea loose stools dehydration ORS"),
    sections={
        K.ASSESS: (
            "- 询问腹泻天数、大便中有无血。\n- 观察一般情况（嗜睡、烦躁）、眼窝是否凹陷。\n"
            "- 给孩子喝水：是否不能喝或喝水差、是否口渴急切。\n- 捏腹部皮肤：回缩是否缓慢或非常缓慢（超过2秒）。",
            "- Ask for how many days and whether there is blood in the stool.\n"
            "- Look at the general condition (lethargic, restless) and for sunken eyes.\n"
            "- Offer a drink: not able to drink or drinking poorly, or drinking eagerly and thirsty?\n"
            "- Pinch the skin of the abdomen: does it go back slowly or very slowly (longer than 2 seconds)?",
        ),
        K.DANGER_SIGNS: GENERAL_DANGER_SIGNS,
        K.CLASSIFICATION: (
            "以下体征中有两项即可分类。",
            "Two of the signs in a row are enough to classify.",
        ),
        K.MANAGEMENT: (
            "- 重度脱水：按方案C快速静脉补液，或立即转诊并在途中少量多次喂口服补液盐。\n"
            "- 轻中度脱水：按方案B在医疗机构内4小时口服补液盐。\n"
            "- 无脱水：按方案A家庭补液，补锌10–14天。",
            "- Severe dehydration: plan C, rapid intravenous fluids, or refer at once with sips of ORS on the way.\n"
            "- Some dehydration: plan B, ORS over 4 hours at the clinic.\n"
            "- No dehydration: plan A, fluids at home and zinc for 10–14 days.",
        ),
        K.REFERRAL: (
            "- 重度脱水且不能立即静脉补液。\n- 有一般危险体征。\n- 持续性腹泻（14天或以上）伴脱水。",
            "- Severe dehydration and intravenous fluids cannot start at once.\n- Any general danger sign.\n"
            "- Persistent diarrhoea (14 days or more) with dehydration.",
        ),
        K.FOLLOW_UP: (
            "- 5天未好转复诊。\n- 痢疾：抗生素治疗3天后复诊。",
            "- Follow up in 5 days if not improving.\n- Dysentery: follow up after 3 days of antibiotic treatment.",
        ),
        K.PARENT_ADVICE: (
            "- 比平时多喝水，继续喂养。\n- 每次稀便后喂口服补液盐。\n"
            "- 出现以下情况**立即返回**：不能喝水、大便有血、病情加重、出现发热。",
            "- Give more fluids than usual and keep feeding.\n- Give ORS after each loose stool.\n"
            "- **Come back at once** if the child cannot drink, there is blood in the stool, the child becomes "
            "sicker or develops a fever.",
        ),
        K.REFERENCES: _refs(WHO_IMCI_2014),
    },
    rows=[
        Row(
            RED,
            (
                "以下两项：嗜睡或昏迷；眼窝凹陷；不能喝水或喝水差；皮肤回缩非常缓慢",
                "Two of: lethargic or unconscious; sunken eyes; not able to drink or drinking poorly; "
                "skin pinch goes back very slowly",
            ),
            ("重度脱水", "Severe dehydration"),
            ("方案C补液，或立即转诊。", "Plan C fluids, or refer at once."),
        ),
        Row(
            YELLOW,
            (
                "以下两项：烦躁易激惹；眼窝凹陷；口渴急切；皮肤回缩缓慢",
                "Two of: restless, irritable; sunken eyes; drinks eagerly, thirsty; skin pinch goes back slowly",
            ),
            ("轻中度脱水", "Some dehydration"),
            ("方案B：4小时口服补液盐，补锌。", "Plan B: ORS over 4 hours, and zinc."),
        ),
        Row(
            GREEN,
            ("体征不足以分类为上述两种", "Not enough signs to classify as some or severe dehydration"),
            ("无脱水", "No dehydration"),
            ("方案A：家庭补液与喂养，补锌。", "Plan A: fluids and food at home, and zinc."),
        ),
    ],
)

_VOMITING = DemoVersion(
    number=1,
    effective=date(2025, 9, 1),
    title=("呕吐", "Vomiting"),
    summary=(
        "儿童呕吐的评估：区分需要紧急处理的原因（梗阻、颅内问题、重度脱水）与可在家护理的胃肠炎。",
        "Assessing a vomiting child: telling the causes that need urgent care (obstruction, a problem inside "
        "the head, severe dehydration) from gastroenteritis that can be cared for at home.",
    ),
    keywords=("吐 反复呕吐 胆汁性呕吐", "vomit vomits being sick bilious"),
    sections={
        K.ASSESS: (
            "- 询问呕吐次数、呕吐物颜色（绿色胆汁、血性）、是否伴腹泻、腹痛、头部外伤。\n"
            "- 评估脱水程度（见腹泻专题）。\n- 检查腹部：膨隆、压痛、包块。",
            "- Ask how often, the colour of the vomit (green bile, blood), and about diarrhoea, abdominal pain "
            "and head injury.\n- Assess dehydration (see the diarrhoea topic).\n"
            "- Examine the abdomen: distension, tenderness, a mass.",
        ),
        K.DANGER_SIGNS: (
            GENERAL_DANGER_SIGNS[0] + "\n\n胆汁性（绿色）呕吐、腹胀、呕血、头部外伤后呕吐，也需要紧急转诊。",
            GENERAL_DANGER_SIGNS[1]
            + "\n\nBilious (green) vomiting, a swollen abdomen, vomiting blood, or vomiting after a head injury also "
            "mean urgent referral.",
        ),
        K.CLASSIFICATION: ("从上到下分类，取最严重的一行。", "Classify from the top down; take the most severe row."),
        K.MANAGEMENT: (
            "- 少量多次喂口服补液盐（每1–2分钟一小勺）。\n- 呕吐停止后逐步恢复饮食。\n- 不常规使用止吐药。",
            "- Small, frequent sips of ORS (a spoonful every 1–2 minutes).\n"
            "- Return to normal food gradually once the vomiting settles.\n- Antiemetics are not routine.",
        ),
        K.REFERRAL: (
            "- 吐出所有东西、胆汁性呕吐、腹胀或腹部包块、重度脱水、头部外伤后呕吐：紧急转诊。",
            "- Vomits everything, bilious vomiting, a swollen abdomen or a mass, severe dehydration, or vomiting "
            "after a head injury: refer urgently.",
        ),
        K.FOLLOW_UP: ("- 24小时内未好转复诊。", "- Come back if not better within 24 hours."),
        K.PARENT_ADVICE: (
            "- 少量多次喂水，继续母乳喂养。\n- 出现以下情况**立即返回**：吐出绿色液体、尿量明显减少、嗜睡、剧烈腹痛。",
            "- Give small sips often; keep breastfeeding.\n"
            "- **Come back at once** for green vomit, far fewer wet nappies, drowsiness, or severe abdominal pain.",
        ),
        K.REFERENCES: _refs(WHO_IMCI_2014),
    },
    rows=[
        Row(
            RED,
            (
                "吐出所有东西；胆汁性呕吐；腹胀或腹部包块；重度脱水",
                "Vomits everything; bilious vomiting; swollen abdomen or a mass; severe dehydration",
            ),
            ("可能的梗阻或重症", "Possible obstruction or severe illness"),
            ("禁食，紧急转诊。", "Nothing by mouth; refer urgently."),
        ),
        Row(
            YELLOW,
            ("呕吐伴轻中度脱水", "Vomiting with some dehydration"),
            ("呕吐伴脱水", "Vomiting with dehydration"),
            ("在医疗机构内少量多次口服补液。", "Small frequent sips of ORS at the clinic."),
        ),
        Row(
            GREEN,
            ("能喝水，无脱水，无危险体征", "Able to drink, no dehydration, no danger signs"),
            ("单纯呕吐", "Vomiting without complications"),
            ("家庭护理，少量多次喂水。", "Home care with small frequent drinks."),
        ),
    ],
)

_RASH = DemoVersion(
    number=1,
    effective=date(2025, 9, 1),
    title=("皮疹", "Rash"),
    summary=(
        "发热伴皮疹的儿童：识别压之不褪色的皮疹（可能为脑膜炎球菌感染）、麻疹及手足口病的危险体征。",
        "A child with fever and a rash: recognising a non-blanching rash (possible meningococcal disease), "
        "measles and the danger signs of hand, foot and mouth disease.",
    ),
    keywords=("出疹 红疹 麻疹 手足口病 瘀点", "rash spots measles petechiae hand foot mouth"),
    sections={
        K.ASSESS: (
            "- 用玻璃杯压皮疹：是否褪色。\n- 麻疹：全身皮疹伴发热，并有咳嗽、流涕或眼红之一。\n"
            "- 检查口腔溃疡、眼部脓性分泌物、角膜混浊。\n- 手足口病：手、足、口腔疱疹；注意肢体抖动、嗜睡。",
            "- Press a glass on the rash: does it fade?\n"
            "- Measles: a generalised rash with fever and one of cough, runny nose or red eyes.\n"
            "- Look for mouth ulcers, pus draining from the eye, clouding of the cornea.\n"
            "- Hand, foot and mouth disease: blisters on hands, feet and mouth; watch for limb jerks and drowsiness.",
        ),
        K.DANGER_SIGNS: (
            GENERAL_DANGER_SIGNS[0]
            + "\n\n压之不褪色的皮疹伴发热、颈项强直、手足口病患儿出现肢体抖动或嗜睡：紧急转诊。",
            GENERAL_DANGER_SIGNS[1]
            + "\n\nA non-blanching rash with fever, a stiff neck, or a child with hand, foot and mouth disease who "
            "has limb jerks or is drowsy: refer urgently.",
        ),
        K.CLASSIFICATION: ("从上到下分类，取最严重的一行。", "Classify from the top down; take the most severe row."),
        K.MANAGEMENT: (
            "- 可疑脑膜炎球菌感染：首剂抗生素后立即转诊。\n- 麻疹：补充维生素A，隔离，处理眼部和口腔并发症。\n"
            "- 普通病毒疹：对症处理。",
            "- Possible meningococcal disease: first dose of an antibiotic, then refer at once.\n"
            "- Measles: vitamin A, isolation, treat eye and mouth complications.\n"
            "- Simple viral rash: treat the symptoms.",
        ),
        K.REFERRAL: (
            "- 不褪色皮疹伴发热；复杂麻疹（有危险体征、角膜混浊、深或广泛口腔溃疡）：紧急转诊。",
            "- Non-blanching rash with fever; severe complicated measles (danger sign, clouding of the cornea, "
            "deep or extensive mouth ulcers): refer urgently.",
        ),
        K.FOLLOW_UP: (
            "- 麻疹伴眼或口腔并发症：3天后复诊。",
            "- Measles with eye or mouth complications: follow up in 3 days.",
        ),
        K.PARENT_ADVICE: (
            "- 保持孩子在家休息，避免接触孕妇和未接种疫苗的婴儿。\n- 出现以下情况**立即就医**：皮疹压之不褪色、嗜睡、抽搐、呼吸困难。",
            "- Keep the child at home, away from pregnant women and unvaccinated babies.\n"
            "- **Seek care at once** if the rash does not fade under a glass, or the child is drowsy, has a fit, "
            "or has difficult breathing.",
        ),
        K.REFERENCES: _refs(WHO_IMCI_2014, NICE_NG143),
    },
    rows=[
        Row(
            RED,
            (
                "发热伴压之不褪色的皮疹；或麻疹伴任何危险体征、角膜混浊、深或广泛口腔溃疡",
                "Fever with a non-blanching rash; or measles with any danger sign, clouding of the cornea, or deep "
                "or extensive mouth ulcers",
            ),
            ("可能的脑膜炎球菌感染或重症复杂麻疹", "Possible meningococcal disease or severe complicated measles"),
            ("首剂抗生素，补充维生素A，紧急转诊。", "First dose of an antibiotic, vitamin A, refer urgently."),
        ),
        Row(
            YELLOW,
            ("麻疹伴眼部脓性分泌物或口腔溃疡", "Measles with pus draining from the eye or mouth ulcers"),
            ("麻疹伴眼或口腔并发症", "Measles with eye or mouth complications"),
            (
                "补充维生素A，治疗眼部和口腔并发症，3天后复诊。",
                "Vitamin A; treat the eye and mouth; follow up in 3 days.",
            ),
        ),
        Row(
            GREEN,
            ("皮疹压之褪色，无其他体征", "A blanching rash, no other signs"),
            ("普通皮疹或单纯麻疹", "Simple rash or measles without complications"),
            ("家庭护理，麻疹者补充维生素A。", "Home care; vitamin A if measles."),
        ),
    ],
)

_CONVULSIONS = DemoVersion(
    number=1,
    effective=date(2025, 9, 1),
    title=("惊厥（抽搐）", "Convulsions (fits)"),
    summary=(
        "正在惊厥或本次病程中有过惊厥的儿童：现场处理、危险体征与热性惊厥。",
        "A child who is convulsing or has had convulsions in this illness: what to do now, danger signs, "
        "and febrile seizures.",
    ),
    keywords=("抽搐 抽风 热性惊厥 癫痫", "convulsion seizure fit fits febrile seizure epilepsy"),
    sections={
        K.ASSESS: (
            "- 正在惊厥：计时，观察是否全身性、有无局灶表现。\n- 询问发作次数、持续时间、是否伴发热、是否已恢复意识。\n"
            "- 检查颈项强直、前囟膨隆、皮疹。",
            "- Convulsing now: time it; is it generalised, are there focal features?\n"
            "- Ask how many fits, how long, whether there was fever, whether the child is fully awake again.\n"
            "- Look for a stiff neck, a bulging fontanelle, a rash.",
        ),
        K.DANGER_SIGNS: (
            "- 正在惊厥，或持续超过5分钟。\n- 本次病程中有过惊厥（一般危险体征）。\n"
            "- 发作后1小时仍未完全清醒。\n- 颈项强直、前囟膨隆、局灶性神经体征。",
            "- Convulsing now, or for longer than 5 minutes.\n- Has had convulsions in this illness (a general danger sign).\n"
            "- Not fully awake one hour after the fit.\n- Stiff neck, bulging fontanelle, focal neurological signs.",
        ),
        K.CLASSIFICATION: (
            "在IMCI中，本次病程中的任何惊厥都是一般危险体征，需要转诊。",
            "In IMCI any convulsion in this illness is a general danger sign that needs referral.",
        ),
        K.MANAGEMENT: (
            "- 让孩子侧卧，保持气道通畅，不要往嘴里塞任何东西。\n- 惊厥超过5分钟：按本院方案给予止惊药（如咪达唑仑）。\n"
            "- 测血糖，低血糖时纠正。",
            "- Lay the child on their side, keep the airway open, put nothing in the mouth.\n"
            "- A fit lasting more than 5 minutes: give an anticonvulsant by the local protocol (such as midazolam).\n"
            "- Check the blood glucose and treat low glucose.",
        ),
        K.REFERRAL: (
            "- 所有正在惊厥或本次病程中有过惊厥的儿童：止惊和转诊前处理后紧急转诊。",
            "- Every child convulsing now or who has had convulsions in this illness: stop the fit, give "
            "pre-referral treatment and refer urgently.",
        ),
        K.FOLLOW_UP: (
            "- 热性惊厥出院后：1–2周内儿科门诊随访，评估发热病因与复发风险。",
            "- After a febrile seizure: a pediatric clinic visit within 1–2 weeks about the cause of the fever and "
            "the chance of another fit.",
        ),
        K.PARENT_ADVICE: (
            "- 发作时保持冷静，让孩子侧卧，记录时间。\n- 超过5分钟或反复发作：立即拨打120。\n"
            "- 退热药不能预防热性惊厥。",
            "- Stay calm during a fit, lay the child on their side, note the time.\n"
            "- Longer than 5 minutes or repeated fits: call 120 at once.\n"
            "- Fever medicines do not prevent febrile seizures.",
        ),
        K.REFERENCES: _refs(WHO_IMCI_2014, NICE_NG143),
    },
    rows=[
        Row(
            RED,
            (
                "正在惊厥；或本次病程中有过惊厥伴任何其他危险体征、颈项强直或未完全清醒",
                "Convulsing now; or convulsions in this illness with any other danger sign, a stiff neck, or not "
                "fully awake",
            ),
            ("极重症（可能为脑膜炎）", "Very severe disease (possible meningitis)"),
            (
                "止惊，查血糖，首剂抗生素，紧急转诊。",
                "Stop the fit, check glucose, first dose of an antibiotic, refer urgently.",
            ),
        ),
        Row(
            YELLOW,
            (
                "6月龄至5岁、发热时单次短暂全身性发作，已完全恢复，无其他危险体征",
                "A single brief generalised fit with fever, age 6 months to 5 years, fully recovered, no other "
                "danger signs",
            ),
            ("单纯性热性惊厥", "Simple febrile seizure"),
            (
                "当日转上级医院评估发热病因。",
                "Same-day assessment at the referral hospital for the cause of the fever.",
            ),
        ),
    ],
)

_JAUNDICE = DemoVersion(
    number=1,
    effective=date(2025, 9, 1),
    title=("新生儿黄疸", "Neonatal jaundice"),
    summary=(
        "2月龄以下小婴儿黄疸的评估：出生24小时内出现的黄疸和手掌足底发黄需紧急转诊。",
        "Jaundice in a young infant under 2 months: jaundice in the first 24 hours of life, or yellow palms and "
        "soles, needs urgent referral.",
    ),
    keywords=("黄疸 皮肤发黄 胆红素", "jaundice yellow skin bilirubin newborn"),
    sections={
        K.ASSESS: (
            "- 询问黄疸何时出现。\n- 在自然光下观察皮肤和巩膜，按压皮肤观察颜色。\n- 观察手掌和足底是否发黄。\n"
            "- 有条件时测经皮或血清胆红素。",
            "- Ask when the jaundice first appeared.\n- Look at the skin and eyes in daylight; press the skin to see "
            "its colour.\n- Look at the palms and soles: are they yellow?\n"
            "- Measure transcutaneous or serum bilirubin where available.",
        ),
        K.DANGER_SIGNS: (
            "- 出生24小时内出现黄疸。\n- 手掌和足底发黄。\n- 不能吃奶、嗜睡、抽搐（可能的严重细菌感染或胆红素脑病）。",
            "- Jaundice in the first 24 hours of life.\n- Yellow palms and soles.\n"
            "- Not feeding, lethargic, convulsions (possible serious bacterial infection or bilirubin encephalopathy).",
        ),
        K.CLASSIFICATION: ("从上到下分类，取最严重的一行。", "Classify from the top down; take the most severe row."),
        K.MANAGEMENT: (
            "- 重度黄疸：紧急转诊进行光疗评估，途中保暖、继续母乳喂养。\n- 黄疸：增加喂养频次，1天后复诊。",
            "- Severe jaundice: refer urgently for phototherapy; keep the baby warm and breastfeeding on the way.\n"
            "- Jaundice: feed more often; follow up in 1 day.",
        ),
        K.REFERRAL: (
            "- 24小时内出现的黄疸、手掌足底发黄、胆红素达光疗阈值、伴任何危险体征：紧急转诊。\n- 黄疸持续超过14天（早产儿21天）：转诊评估。",
            "- Jaundice in the first 24 hours, yellow palms and soles, bilirubin at the phototherapy threshold, or any "
            "danger sign: refer urgently.\n- Jaundice lasting more than 14 days (21 days if preterm): refer for "
            "assessment.",
        ),
        K.FOLLOW_UP: ("- 黄疸：1天后复诊。", "- Jaundice: follow up in 1 day."),
        K.PARENT_ADVICE: (
            "- 按需母乳喂养，每天至少8次。\n- 出现以下情况**立即返回**：黄疸加深或蔓延到手掌足底、吃奶差、嗜睡、大便颜色变浅（白陶土色）。",
            "- Breastfeed on demand, at least 8 times a day.\n"
            "- **Come back at once** if the yellow deepens or reaches the palms and soles, the baby feeds poorly or "
            "is sleepy, or the stools turn pale (chalky).",
        ),
        K.REFERENCES: _refs(WHO_YOUNG_INFANT_2019, NICE_CG98),
    },
    rows=[
        Row(
            RED,
            (
                "出生24小时内出现任何黄疸；或任何日龄手掌足底发黄",
                "Any jaundice if age less than 24 hours; or yellow palms and soles at any age",
            ),
            ("重度黄疸", "Severe jaundice"),
            ("紧急转诊，途中保暖、母乳喂养。", "Refer urgently; keep warm and breastfeeding on the way."),
        ),
        Row(
            YELLOW,
            ("24小时后出现黄疸，手掌足底不黄", "Jaundice appearing after 24 hours of age, palms and soles not yellow"),
            ("黄疸", "Jaundice"),
            ("增加喂养，1天后复诊。", "Feed more often; follow up in 1 day."),
        ),
        Row(
            GREEN,
            ("无黄疸", "No jaundice"),
            ("无黄疸", "No jaundice"),
            ("常规新生儿护理。", "Routine newborn care."),
        ),
    ],
)

_ABDOMINAL_PAIN = DemoVersion(
    number=1,
    effective=date(2024, 5, 1),
    title=("腹痛", "Abdominal pain"),
    summary=(
        "儿童腹痛：识别需要外科处理的急腹症（阑尾炎、肠套叠、睾丸扭转）与可在基层处理的常见原因。",
        "Abdominal pain in children: recognising the surgical emergencies (appendicitis, intussusception, "
        "testicular torsion) and the common causes that can be managed locally.",
    ),
    keywords=("肚子疼 肚子痛 阑尾炎 肠套叠", "tummy ache stomach pain appendicitis intussusception"),
    sections={
        K.ASSESS: (
            "- 询问起病、部位、性质、是否阵发性哭闹（婴幼儿）、呕吐、大便（果酱样血便）、排尿症状。\n"
            "- 检查腹部：压痛、反跳痛、肌紧张、包块；男孩检查阴囊。",
            "- Ask about onset, site, character, bouts of screaming (infants), vomiting, stools (redcurrant-jelly "
            "stool) and urinary symptoms.\n- Examine the abdomen: tenderness, guarding, rigidity, a mass; examine "
            "the scrotum in boys.",
        ),
        K.DANGER_SIGNS: (
            "- 腹肌紧张或反跳痛。\n- 胆汁性呕吐、腹胀。\n- 婴幼儿阵发性哭闹伴血便或腹部包块（肠套叠）。\n- 阴囊疼痛肿胀（睾丸扭转）。\n- 休克表现。",
            "- Guarding or rebound tenderness.\n- Bilious vomiting, a swollen abdomen.\n"
            "- Bouts of crying with blood in the stool or an abdominal mass in a young child (intussusception).\n"
            "- A painful swollen scrotum (testicular torsion).\n- Signs of shock.",
        ),
        K.CLASSIFICATION: ("从上到下分类，取最严重的一行。", "Classify from the top down; take the most severe row."),
        K.MANAGEMENT: (
            "- 可能的急腹症：禁食，建立静脉通路，紧急转诊至小儿外科。\n- 可能的尿路感染：查尿常规，按结果治疗。\n"
            "- 功能性腹痛或便秘：饮食调整与随访。",
            "- Possible surgical abdomen: nothing by mouth, intravenous access, urgent referral to pediatric surgery.\n"
            "- Possible urinary tract infection: urine test, treat by the result.\n"
            "- Functional pain or constipation: diet advice and follow-up.",
        ),
        K.REFERRAL: (
            "- 任何危险体征：紧急转诊至新华医院小儿外科。\n- 睾丸扭转需在6小时内手术：立即转诊。",
            "- Any danger sign: refer urgently to Xinhua pediatric surgery.\n"
            "- Testicular torsion needs surgery within 6 hours: refer immediately.",
        ),
        K.FOLLOW_UP: (
            "- 腹痛持续或加重：24小时内复诊。",
            "- Pain that continues or worsens: come back within 24 hours.",
        ),
        K.PARENT_ADVICE: (
            "- 出现以下情况**立即就医**：疼痛加剧或固定在右下腹、呕吐绿色液体、大便带血、阴囊疼痛。",
            "- **Seek care at once** if the pain gets worse or settles in the lower right side, the vomit is green, "
            "there is blood in the stool, or the scrotum hurts.",
        ),
        K.REFERENCES: _refs(WHO_IMCI_2014),
    },
    rows=[
        Row(
            RED,
            (
                "腹肌紧张或反跳痛；胆汁性呕吐；血便伴阵发性哭闹或腹部包块；阴囊疼痛肿胀；休克",
                "Guarding or rebound tenderness; bilious vomiting; blood in the stool with bouts of crying or a mass; "
                "painful swollen scrotum; shock",
            ),
            ("可能的急腹症", "Possible surgical emergency"),
            ("禁食，紧急转诊。", "Nothing by mouth; refer urgently."),
        ),
        Row(
            YELLOW,
            ("腹痛伴发热和排尿痛或尿频", "Abdominal pain with fever and pain or frequency on passing urine"),
            ("可能的尿路感染", "Possible urinary tract infection"),
            ("查尿常规，按结果治疗，2天后复诊。", "Urine test, treat by the result, follow up in 2 days."),
        ),
        Row(
            GREEN,
            ("无危险体征，腹软，孩子能玩耍和进食", "No danger signs, soft abdomen, child plays and eats"),
            ("非特异性腹痛", "Non-specific abdominal pain"),
            ("家庭护理与安全网建议。", "Home care with safety-net advice."),
        ),
    ],
)

DEMO_TOPICS = [
    DemoTopic("cough-or-difficult-breathing", Symptom.COUGH, [AgeBand.CHILD], 1, [_COUGH_V1, _COUGH_V2]),
    DemoTopic("fever", Symptom.FEVER, [AgeBand.YOUNG_INFANT, AgeBand.CHILD], 1, [_FEVER]),
    DemoTopic("diarrhoea", Symptom.DIARRHOEA, [AgeBand.CHILD, AgeBand.OLDER_CHILD], 1, [_DIARRHOEA]),
    DemoTopic("vomiting", Symptom.VOMITING, [AgeBand.CHILD, AgeBand.OLDER_CHILD], 1, [_VOMITING]),
    DemoTopic("rash", Symptom.RASH, [AgeBand.CHILD, AgeBand.OLDER_CHILD], 1, [_RASH]),
    DemoTopic(
        "convulsions",
        Symptom.CONVULSIONS,
        [AgeBand.YOUNG_INFANT, AgeBand.CHILD, AgeBand.OLDER_CHILD],
        1,
        [_CONVULSIONS],
    ),
    DemoTopic("neonatal-jaundice", Symptom.NEONATAL_JAUNDICE, [AgeBand.YOUNG_INFANT], 1, [_JAUNDICE]),
    DemoTopic("abdominal-pain", Symptom.ABDOMINAL_PAIN, [AgeBand.CHILD, AgeBand.OLDER_CHILD], 1, [_ABDOMINAL_PAIN]),
]

# The second handbook editor of the demo: the two-person rule needs two.
SECOND_EDITOR = {
    "username": "editor2",
    "last_name": "郑",
    "first_name": "雅琴",
    "title": "副主任医师",
    "description": "handbook editor (writes the demo topics; `editor` approves them)",
}


def _second_editor() -> User:
    hospital = Hospital.objects.get(code="xinhua")
    department = Department.objects.filter(hospital=hospital, specialty=Department.Specialty.GENERAL_PEDIATRICS).first()
    user, created = User.objects.update_or_create(
        username=SECOND_EDITOR["username"],
        defaults={
            "last_name": SECOND_EDITOR["last_name"],
            "first_name": SECOND_EDITOR["first_name"],
            "email": f"{SECOND_EDITOR['username']}@demo.cloudpeds.example",
            "hospital": hospital,
            "department": department,
            "title": SECOND_EDITOR["title"],
        },
    )
    if created:
        user.set_password(settings.DEMO_PASSWORD)
        user.save(update_fields=["password"])
    user.set_roles(Role.HANDBOOK_EDITOR)
    return user


def _fill(version: TopicVersion, demo: DemoVersion) -> None:
    version.title_zh, version.title_en = demo.title
    version.summary_zh, version.summary_en = demo.summary
    version.keywords_zh, version.keywords_en = demo.keywords
    version.change_note = demo.change_note
    version.save()
    for section in version.sections.all():
        section.body_zh, section.body_en = demo.sections.get(section.kind, ("", ""))
        section.video_start_seconds = demo.chapters.get(section.kind)
        section.save()
    version.classification_rows.all().delete()
    ClassificationRow.objects.bulk_create(
        [
            ClassificationRow(
                version=version,
                position=index + 1,
                colour=row.colour,
                signs_zh=row.signs[0],
                signs_en=row.signs[1],
                classification_zh=row.classification[0],
                classification_en=row.classification[1],
                action_zh=row.action[0],
                action_en=row.action[1],
            )
            for index, row in enumerate(demo.rows)
        ]
    )


def _publish(demo_topic: DemoTopic, demo: DemoVersion, author: User, approver: User) -> TopicVersion:
    topic = Topic.objects.filter(slug=demo_topic.slug).first()
    if topic is None:
        version = Topic.create_with_draft(
            author,
            slug=demo_topic.slug,
            symptom=demo_topic.symptom,
            age_bands=list(demo_topic.age_bands),
            order=demo_topic.order,
            title_zh=demo.title[0],
            title_en=demo.title[1],
        )
        Topic.objects.filter(pk=version.topic_id).update(is_demo=True)
    else:
        version = topic.start_draft(author)
    _fill(version, demo)
    # Dated as if written, reviewed and approved in the days before the effective date.
    approved_at = timezone.make_aware(datetime.combine(demo.effective, time(10, 0)))
    written_at = approved_at - timedelta(days=14)
    TopicVersion.objects.filter(pk=version.pk).update(created_at=written_at)
    version.events.update(at=written_at)
    version.submit(author, now=approved_at - timedelta(days=7))
    version.approve(approver, effective_date=demo.effective, now=approved_at)
    return version


def _attach_video(version: TopicVersion) -> None:
    """The 40-second lecture shipped beside this file (a title card, a running clock, a tone;
    made once with ffmpeg), so that every machine's demo has it; its chapters are `chapters`."""
    if version.video:
        return
    with DEMO_VIDEO.open("rb") as handle:
        version.video.save("lecture.mp4", File(handle), save=False)
    version.video_content_type = "video/mp4"
    version.save(update_fields=["video", "video_content_type"])


def seed(stdout) -> None:
    approver = User.objects.get(username="editor")
    with transaction.atomic():
        author = _second_editor()
        created = 0
        for demo_topic in DEMO_TOPICS:
            for demo in demo_topic.versions:
                if TopicVersion.objects.filter(topic__slug=demo_topic.slug, number=demo.number).exists():
                    continue
                _publish(demo_topic, demo, author, approver)
                created += 1
    cough = TopicVersion.objects.filter(topic__slug="cough-or-difficult-breathing", number=2).first()
    if cough is not None:
        _attach_video(cough)
    stdout.write(f"Handbook: {len(DEMO_TOPICS)} demo topics ({created} versions added).")
    stdout.write(f"  {SECOND_EDITOR['username']:<14} {SECOND_EDITOR['description']}")
    demo_triage.seed(stdout)
