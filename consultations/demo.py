"""Demo consultations for `manage.py seed_demo` (after the accounts', patients' and files' demos).

Every state of the workflow for the demo children of Yangpu and Chongming: two drafts (both
children without the guardian's consent, so the form shows why they cannot be sent), a case
waiting in the respiratory queue, one with a neurologist and a video case conference booked
for tomorrow, one paused on the specialist's SpO2 question, a febrile infant answered
"transfer urgently" (the referrals' demo then moves him to Xinhua), a first afebrile seizure
answered "manage locally", closed cases with feedback (some months back, so the metrics page
has a year to show), one declined, one withdrawn, and an urgent rash sent to the wrong
specialty, redirected and now past its target (marked overdue, as the periodic job would).

Each case runs through the model's transitions as the demo accounts, so events, care-team
grants, messages and inbox rows are all real; after each step its moment is moved into the
past (event, message, notification, grant and the case's clock fields) so the queue shows a
sensible time left and the metrics real response times. Demo emails are not sent.

Idempotent: a case is keyed by the fixed id of its consultation (uuid5 of its key) and made
once, in one transaction. Children come from cloudpeds/patients/demo/__init__.py; without them (or
without the demo accounts) the consultations demo is skipped with a message.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from cloudpeds.accounts.models import Department, User
from cloudpeds.attachments.demo import rash_photo
from cloudpeds.attachments.models import Attachment
from cloudpeds.notifications.models import Notification
from cloudpeds.patients.models import CareTeamGrant, Patient

from .models import CaseConference, Consultation, ConsultationEvent, Message, ResponseTarget

NAMESPACE = uuid.UUID("3b0f6c2e-8d1a-4f57-a9c4-5e2d7b9a1c08")
ACCOUNTS = ("dr.yangpu", "dr.chongming", "spec.resp", "spec.neuro")
LEAD_HOSPITAL = "xinhua"
DAY = 24


@dataclass
class Step:
    # draft, submit, claim, message, info, provide, redirect, decline, answer, close, cancel,
    # overdue, conference
    action: str
    hours_ago: float
    by: str = ""
    args: dict = field(default_factory=dict)


@dataclass
class DemoCase:
    key: str
    record_number: str
    specialty: str
    urgency: str
    question: str
    history: str
    symptoms: str
    symptom_duration: str
    steps: list[Step]
    vitals: dict = field(default_factory=dict)
    current_medicines: str = ""
    tried_so_far: str = ""
    # (file name, kind, description, seed of the generated rash photo), attached to the case
    photos: tuple[tuple[str, str, str, int], ...] = ()


def _answer(assessment: str, recommendation: str, plan: str, family_advice: str, follow_up_days: int | None) -> dict:
    return {
        "assessment": assessment,
        "recommendation": recommendation,
        "plan": plan,
        "family_advice": family_advice,
        "follow_up_days": follow_up_days,
    }


def _feedback(advice_adopted: str, referral_avoided: bool, usefulness: int, not_adopted_reason: str = "") -> dict:
    return {
        "advice_adopted": advice_adopted,
        "not_adopted_reason": not_adopted_reason,
        "referral_avoided": referral_avoided,
        "usefulness": usefulness,
    }


CASES = [
    # --- Drafts: the children have no sharing consent yet, so the case cannot be sent.
    DemoCase(
        "draft-chen-haoran",
        "YP2025000105",
        "general_pediatrics",
        "routine",
        "9月龄男婴发热2天伴腹泻，精神尚可，是否需要查血常规和大便常规？能否门诊口服补液治疗？",
        "2天前出现发热，体温最高39.1℃，伴稀水样便每日5～6次，无黏液脓血，呕吐1次。进食减少，尿量较平时略少。",
        "发热、腹泻、食欲下降",
        "2天",
        [Step("draft", 0.8, "dr.yangpu")],
        vitals={"temperature_c": "38.7", "heart_rate": 150, "respiratory_rate": 36, "weight_kg": "8.40"},
        tried_so_far="口服补液盐Ⅲ少量多次；布洛芬混悬液退热1次",
    ),
    DemoCase(
        "draft-wu-siyuan",
        "CM2025000203",
        "neurology",
        "routine",
        "癫痫患儿口服丙戊酸钠1年余，近1个月发作由每月1次增至每周1～2次，是否需要调整剂量或加用其他抗癫痫药？",
        "4岁时诊断癫痫（局灶性发作继发全面性发作），规律口服丙戊酸钠，依从性好。近1个月发作增多，"
        "每次持续1～2分钟，可自行缓解，发作前无发热。",
        "发作性双眼凝视、右侧肢体抽动",
        "1个月",
        [Step("draft", 3, "dr.chongming")],
        vitals={"temperature_c": "36.6", "heart_rate": 92, "respiratory_rate": 20, "weight_kg": "21.50"},
        current_medicines="丙戊酸钠口服溶液 6ml 每日2次",
        tried_so_far="已抽血查丙戊酸血药浓度，结果待回报",
    ),
    # --- Waiting in the respiratory queue (routine: two days to answer).
    DemoCase(
        "waiting-huang-shiqi-cough",
        "CM2025000201",
        "respiratory",
        "routine",
        "4岁女孩咳嗽3周，以夜间及晨起为主，抗生素治疗1周无明显好转。是否需要查胸片和肺功能？是否考虑咳嗽变异性哮喘？",
        "3周前感冒后出现咳嗽，初为干咳，后有少量白痰，夜间及晨起明显，跑跳后加重。无发热，无喘息，体重无下降。"
        "曾口服阿莫西林7天及止咳糖浆，效果不明显。有过敏性鼻炎史，父亲有哮喘。",
        "慢性咳嗽（夜间、晨起为主），偶有鼻塞、流清涕",
        "3周",
        [Step("draft", 6.5, "dr.chongming"), Step("submit", 6, "dr.chongming")],
        vitals={"temperature_c": "36.7", "heart_rate": 102, "respiratory_rate": 24, "spo2": 98, "weight_kg": "16.40"},
        current_medicines="小儿肺热咳喘口服液",
        tried_so_far="阿莫西林口服7天；止咳糖浆",
    ),
    # --- With the specialist, waiting for the SpO2 the specialist asked for (clock paused).
    DemoCase(
        "info-zhao-yiming-asthma",
        "YP2025000107",
        "respiratory",
        "routine",
        "哮喘急性发作经雾化及激素治疗后第3天，仍有夜间咳嗽和活动后气促。目前的控制治疗是否需要升级？能否继续在本院治疗？",
        "哮喘病史5年，尘螨过敏。3天前哮喘急性发作，本院予沙丁胺醇雾化、甲泼尼龙静滴后缓解，家属决定在本院继续治疗。"
        "平时吸入布地奈德，近半年每月急性发作1～2次，夜间憋醒每周约2次。",
        "夜间咳嗽、活动后气促、偶有喘息",
        "3天",
        [
            Step("draft", 21, "dr.yangpu"),
            Step("submit", 20, "dr.yangpu"),
            Step("claim", 18, "spec.resp"),
            Step(
                "message",
                17.8,
                "spec.resp",
                {"body": "已接诊。请问患儿的吸入装置使用方法是否评估过？家中有无宠物或吸烟者？"},
            ),
            Step(
                "message",
                17,
                "dr.yangpu",
                {"body": "吸入方法已由护士再次示范，孩子掌握尚可。家中父亲吸烟，已劝其戒烟。"},
            ),
            Step(
                "info",
                2.5,
                "spec.resp",
                {
                    "question": "请在患儿安静、不吸氧状态下测量经皮血氧饱和度（SpO2），并提供呼吸频率、"
                    "能否说完整的句子；如有峰流速仪，请测PEF并与个人最佳值比较。"
                },
            ),
        ],
        vitals={"temperature_c": "36.8", "heart_rate": 96, "respiratory_rate": 24, "weight_kg": "38.00"},
        current_medicines="布地奈德吸入剂 200μg 每日2次\n沙丁胺醇气雾剂 按需使用",
        tried_so_far="沙丁胺醇雾化3次，甲泼尼龙静滴2天后改口服泼尼松",
    ),
    # --- A febrile infant: the SpO2 asked and given, then "transfer urgently" (the
    # referrals' demo has his emergency transfer to Xinhua a few hours later).
    DemoCase(
        "answered-zhou-junjie-febrile-infant",
        "CM2025000202",
        "respiratory",
        "urgent",
        "生后40天早产儿发热38.6℃、吃奶减少，伴咳嗽、流涕，能否在本院观察治疗，还是需要立即转诊？",
        "胎龄35周早产，出生体重2350g。今晨起发热，体温最高38.6℃，吃奶量较平时减少约一半，伴轻咳、流涕，"
        "家中哥哥近日感冒。无抽搐，无呕吐腹泻。",
        "发热、吃奶减少、咳嗽、流涕",
        "1天",
        [
            Step("draft", 7.2, "dr.chongming"),
            Step("submit", 7, "dr.chongming"),
            Step("claim", 6.8, "spec.resp"),
            Step(
                "info",
                6.6,
                "spec.resp",
                {
                    "question": "请在患儿安静、不吸氧状态下测量经皮血氧饱和度（SpO2），并告知呼吸频率、"
                    "有无三凹征、鼻扇及呼吸暂停，以及最近一次的吃奶量。"
                },
            ),
            Step(
                "provide",
                6,
                "dr.chongming",
                {
                    "answer": "安静不吸氧SpO2 92%，呼吸频率64次/分，可见轻度三凹征，无鼻扇，暂无呼吸暂停。"
                    "近6小时吃奶约平时的一半，尿量减少。"
                },
            ),
            Step(
                "answer",
                5.6,
                "spec.resp",
                _answer(
                    "小于3月龄早产儿发热，伴呼吸增快（64次/分）、SpO2 92%、吃奶减少，考虑急性毛细支气管炎"
                    "（RSV感染可能性大），严重细菌感染不能除外，属高危，不宜在基层观察。",
                    "transfer_urgently",
                    "1. 立即申请转诊至新华医院新生儿科，转运途中鼻导管吸氧，维持SpO2≥94%，专人监护呼吸和心率。\n"
                    "2. 转运前完善血常规、CRP，有条件时查呼吸道病原体抗原。\n"
                    "3. 呼吸＞70次/分时暂停经口喂养，建立静脉通路补液。\n"
                    "4. 不用镇咳药，不用退热栓剂。",
                    "宝宝月龄小、又是早产，发热并且呼吸急促，需要住院观察和治疗，请配合转院。"
                    "路上注意保暖；如果出现面色发青、呼吸停顿，请立即告诉医护人员。",
                    None,
                ),
            ),
            Step("message", 5.4, "dr.chongming", {"body": "已与家长沟通，家长同意转院，正在申请转诊。"}),
        ],
        vitals={"temperature_c": "38.6", "heart_rate": 168, "respiratory_rate": 58, "weight_kg": "3.80"},
        tried_so_far="温水擦浴物理降温，未用药",
    ),
    # --- A first afebrile seizure, answered "manage locally" with a plan and advice for
    # the family; not closed yet (the child was admitted for asthma the next day).
    DemoCase(
        "answered-zhang-zihao-first-seizure",
        "YP2025000103",
        "neurology",
        "routine",
        "7岁男孩首次无热惊厥，发作已自行缓解，神经系统查体无异常。是否需要开始抗癫痫治疗？需要做哪些检查？",
        "前晚入睡后约1小时出现意识丧失、双眼上翻、四肢强直阵挛，持续约2分钟自行缓解，发作后嗜睡约30分钟。"
        "发作前无发热、无外伤、无呕吐。既往哮喘，无热性惊厥史，无癫痫家族史，生长发育正常。",
        "全面强直阵挛发作1次，发作后嗜睡",
        "1天",
        [
            Step("draft", 76, "dr.yangpu"),
            Step("submit", 75, "dr.yangpu"),
            Step("claim", 66, "spec.neuro"),
            Step(
                "answer",
                63,
                "spec.neuro",
                _answer(
                    "首次无诱因全面强直阵挛发作，发作后恢复完全，神经系统查体正常，血糖、电解质正常。"
                    "首次无热惊厥后复发风险约30%～50%，目前不需要开始长期抗癫痫药物治疗。",
                    "manage_locally",
                    "1. 暂不使用抗癫痫药物。\n"
                    "2. 2周内完成清醒及睡眠脑电图（可在本院或新华医院预约）。\n"
                    "3. 如脑电图异常、查体出现局灶体征或再次发作，完善头颅MRI并再次会诊。\n"
                    "4. 如再次发作超过5分钟，按惊厥持续状态处理（咪达唑仑颊黏膜或鼻腔给药）并立即转诊。",
                    "这次抽搐已经停止，多数孩子只会发作一次。如果再抽：让孩子侧躺，不要往嘴里塞东西，"
                    "不要用力按住手脚，记下开始的时间，可以拍视频给医生看；超过5分钟不停或连续抽搐，"
                    "立即拨打120。保证睡眠充足，暂时不要独自游泳或攀高。",
                    14,
                ),
            ),
            Step("message", 62, "dr.yangpu", {"body": "谢谢！已为患儿预约下周的脑电图检查。"}),
        ],
        vitals={"temperature_c": "36.6", "heart_rate": 88, "respiratory_rate": 20, "spo2": 99, "weight_kg": "24.80"},
        current_medicines="布地奈德吸入剂 200μg 每日2次",
        tried_so_far="急查血糖5.2 mmol/L，电解质正常",
    ),
    # --- With the neurologist, who booked a video case conference for tomorrow afternoon.
    DemoCase(
        "claimed-liu-yutong-headache",
        "YP2025000104",
        "neurology",
        "routine",
        "14岁女孩反复头痛半年，近1个月加重，每周2～3次。是否为偏头痛？是否需要头颅影像学检查及预防性用药？",
        "半年来反复头痛，多为双侧颞部搏动性疼痛，每次持续4～6小时，伴畏光、恶心，睡眠后可缓解。"
        "近1个月每周发作2～3次，影响上学。无晨起呕吐，无视物模糊及肢体无力。母亲有偏头痛史。近期阑尾切除术后恢复良好。",
        "反复搏动性头痛、畏光、恶心",
        "6个月",
        [
            Step("draft", 15, "dr.yangpu"),
            Step("submit", 14.5, "dr.yangpu"),
            Step("claim", 4, "spec.neuro"),
            Step(
                "message",
                3.8,
                "spec.neuro",
                {
                    "body": "已接诊。为了解头痛特点并和家长商量预防方案，明天下午安排一次视频会诊，"
                    "请让家长记录近2周的头痛日记（时间、持续多久、诱因、用药）。"
                },
            ),
            Step(
                "conference", 3.7, "spec.neuro", {"days_ahead": 1, "hour": 14, "minutes": 30, "invite": ["dr.yangpu"]}
            ),
            Step(
                "message",
                3,
                "dr.yangpu",
                {"body": "好的，已通知家长明天下午来院参加视频会诊，并带上头痛日记。"},
            ),
        ],
        vitals={"temperature_c": "36.5", "heart_rate": 78, "respiratory_rate": 18, "weight_kg": "48.20"},
        current_medicines="布洛芬 0.2g 头痛时口服（近1个月每周约3次）",
        tried_so_far="头痛时口服布洛芬；规律作息",
    ),
    # --- Recurrent pneumonia: answered "refer", closed with feedback the day before the
    # referrals' demo asks for her transfer.
    DemoCase(
        "closed-yang-zihan-recurrent-pneumonia",
        "YP2025000106",
        "respiratory",
        "routine",
        "2岁女孩1年内反复肺炎3次，均为右下肺。是否需要转上级医院行胸部CT及支气管镜检查？",
        "近1年因肺炎住院3次，均以右下肺为主，每次抗感染治疗后好转。平素进食时偶有呛咳，无明显喘息。"
        "疫苗按计划接种，生长发育在正常范围。",
        "反复发热、咳嗽，右下肺湿啰音",
        "1年",
        [
            Step("draft", 5 * DAY + 1, "dr.yangpu"),
            Step("submit", 5 * DAY, "dr.yangpu"),
            Step("claim", 4 * DAY + 8, "spec.resp"),
            Step(
                "answer",
                4 * DAY + 4,
                "spec.resp",
                _answer(
                    "1年内同一部位（右下肺）反复肺炎3次，需警惕气道异物、支气管或肺的先天发育异常，"
                    "以及进食呛咳导致的吸入性肺炎。",
                    "refer",
                    "1. 建议转诊新华医院小儿呼吸科，择期住院行胸部增强CT及支气管镜检查。\n"
                    "2. 转诊前完善血常规、免疫球蛋白检测。\n"
                    "3. 评估吞咽功能，进食时注意体位。",
                    "孩子反复在同一个位置得肺炎，需要到上级医院做检查找原因，这些检查一般是安全的。"
                    "喂饭时让孩子坐直、小口慢吃，不要边吃边玩；不要给孩子吃花生、瓜子等小颗粒坚果。",
                    None,
                ),
            ),
            Step("close", 27.5, "dr.yangpu", _feedback("fully", False, 5)),
        ],
        vitals={"temperature_c": "36.8", "heart_rate": 110, "respiratory_rate": 28, "spo2": 97, "weight_kg": "11.80"},
        tried_so_far="3次住院均予头孢类抗生素静滴",
    ),
    # --- Declined: the story needs an examination, not a remote answer.
    DemoCase(
        "declined-xu-kexin-chest-tightness",
        "CM2025000204",
        "respiratory",
        "routine",
        "12岁女孩活动后胸闷、气短1个月，偶有心悸，能否排除运动性哮喘？",
        "近1个月体育课跑步后出现胸闷、气短，休息5～10分钟可缓解，偶有心悸，无晕厥。无喘息，无夜间咳嗽。"
        "近2个月家长觉得孩子面色较苍白。",
        "活动后胸闷、气短、心悸",
        "1个月",
        [
            Step("draft", 17 * DAY, "dr.chongming"),
            Step("submit", 17 * DAY - 0.5, "dr.chongming"),
            Step(
                "decline",
                16 * DAY + 20,
                "spec.resp",
                {
                    "reason": "needs_in_person",
                    "comment": "症状以心悸和活动耐量下降为主，且面色苍白，需面诊并完善血常规、心电图、"
                    "心脏超声及肺功能检查，远程无法判断。建议先查血常规排除贫血，再预约新华医院小儿心血管科门诊。",
                },
            ),
        ],
        vitals={"temperature_c": "36.6", "heart_rate": 92, "respiratory_rate": 18, "spo2": 99, "weight_kg": "40.50"},
    ),
    # --- Withdrawn: the bilirubin reached the exchange line, so the doctor transferred the
    # newborn at once instead (the referrals' demo has that emergency referral).
    DemoCase(
        "cancelled-li-xinyi-jaundice",
        "YP2025000102",
        "general_pediatrics",
        "urgent",
        "生后5天新生儿黄疸进行性加重，经皮胆红素18.6 mg/dL，是否需要立即转上级医院光疗或换血？",
        "足月儿（37周），出生体重2980g，母乳喂养。生后第3天出现皮肤黄染，今日黄染延至四肢，吃奶较前减少。"
        "母亲血型O型，患儿血型待查。",
        "皮肤、巩膜黄染，吃奶减少",
        "3天",
        [
            Step("draft", 1.6, "dr.yangpu"),
            Step("submit", 1.5, "dr.yangpu"),
            Step(
                "cancel",
                0.9,
                "dr.yangpu",
                {"reason": "复测经皮胆红素19.2 mg/dL，已接近换血线，已直接申请急诊转诊至新华医院。"},
            ),
        ],
        vitals={"temperature_c": "36.9", "heart_rate": 150, "respiratory_rate": 46, "weight_kg": "2.90"},
    ),
    # --- Urgent rash with fever sent to respiratory, redirected to infectious diseases and
    # now past its four-hour target: marked overdue (the group administrators are told later).
    DemoCase(
        "overdue-wang-xiaoming-rash",
        "YP2025000101",
        "respiratory",
        "urgent",
        "3岁男孩发热2天后出现全身皮疹，需鉴别病毒疹、药疹与猩红热，是否需要转诊？",
        "9天前肺炎好转出院，出院带药阿莫西林克拉维酸钾已服完（4天前停药）。2天前再次发热，体温最高39.2℃，"
        "今日躯干及四肢出现红色斑丘疹，压之褪色，伴轻度瘙痒，无结膜充血，口唇不红，无草莓舌。既往记录青霉素过敏。",
        "发热、全身红色斑丘疹、轻度瘙痒",
        "2天",
        [
            Step("draft", 7.3, "dr.yangpu"),
            Step("submit", 7, "dr.yangpu"),
            Step(
                "redirect",
                6.5,
                "spec.resp",
                {"specialty": "infectious_diseases", "reason": "发热伴皮疹，需鉴别出疹性传染病与药疹，属感染科范畴。"},
            ),
            Step("overdue", 2.4, ""),
        ],
        vitals={"temperature_c": "39.2", "heart_rate": 138, "respiratory_rate": 28, "weight_kg": "15.30"},
        current_medicines="布洛芬混悬液 发热时口服",
        tried_so_far="口服氯雷他定糖浆1次，皮疹无明显变化",
        photos=(("皮疹-躯干.jpg", Attachment.Kind.PHOTO, "躯干红色斑丘疹，压之褪色（今日）", 7),),
    ),
    # --- Months back, for the metrics page: closed with feedback, one with a paused clock.
    DemoCase(
        "closed-wang-xiaoming-wheeze",
        "YP2025000101",
        "respiratory",
        "routine",
        "近3岁男孩半年内喘息发作3次，均在感冒后出现，是否需要开始吸入激素长期控制？",
        "近半年感冒后喘息3次，每次雾化沙丁胺醇后3～5天缓解，发作间期无咳喘。无异物吸入史。",
        "感冒后反复喘息",
        "6个月",
        [
            Step("draft", 150 * DAY + 1, "dr.yangpu"),
            Step("submit", 150 * DAY, "dr.yangpu"),
            Step("claim", 150 * DAY - 4, "spec.resp"),
            Step(
                "info",
                150 * DAY - 5,
                "spec.resp",
                {"question": "请补充患儿有无湿疹史、过敏原检测结果，以及父母有无哮喘或过敏性疾病。"},
            ),
            Step(
                "provide",
                150 * DAY - 8,
                "dr.yangpu",
                {"answer": "婴儿期有湿疹；过敏原未查；母亲有过敏性鼻炎，父亲无哮喘。"},
            ),
            Step(
                "answer",
                150 * DAY - 26,
                "spec.resp",
                _answer(
                    "学龄前儿童反复喘息（1年≥3次），有湿疹史及母亲过敏史，哮喘预测指数阳性。",
                    "manage_locally",
                    "1. 布地奈德混悬液雾化 0.5mg 每日2次，连用3个月后评估。\n"
                    "2. 急性喘息时沙丁胺醇雾化。\n3. 有条件时查过敏原。\n4. 3个月后门诊复诊评估控制情况。",
                    "这是长期控制用药，要每天坚持，不要症状好了就停。雾化后给孩子漱口或喝水。"
                    "尽量避免感冒，不要在孩子身边吸烟。",
                    90,
                ),
            ),
            Step("close", 146 * DAY, "dr.yangpu", _feedback("fully", True, 5)),
        ],
        vitals={"temperature_c": "36.7", "heart_rate": 108, "respiratory_rate": 30, "spo2": 97, "weight_kg": "13.10"},
    ),
    DemoCase(
        "closed-huang-shiqi-snoring",
        "CM2025000201",
        "respiratory",
        "routine",
        "3岁半女孩夜间打鼾、张口呼吸3个月，是否需要转耳鼻喉科手术？",
        "近3个月夜间打鼾明显，张口呼吸，偶有憋醒，白天精神可。反复鼻塞流涕，有过敏性鼻炎史。",
        "夜间打鼾、张口呼吸、鼻塞",
        "3个月",
        [
            Step("draft", 240 * DAY + 2, "dr.chongming"),
            Step("submit", 240 * DAY, "dr.chongming"),
            Step("claim", 240 * DAY - 40, "spec.resp"),
            Step(
                "answer",
                240 * DAY - 52,
                "spec.resp",
                _answer(
                    "腺样体肥大合并过敏性鼻炎可能，暂无严重阻塞性睡眠呼吸暂停的表现。",
                    "manage_locally",
                    "1. 糠酸莫米松鼻喷雾剂 每侧1喷 每日1次，连用8周。\n2. 生理盐水洗鼻每日1～2次。\n"
                    "3. 8周后复诊；症状无改善或出现明显憋气时转耳鼻喉科评估。",
                    "鼻喷的激素剂量很小，按医嘱使用是安全的。注意记录孩子晚上打鼾和憋气的情况。",
                    56,
                ),
            ),
            Step(
                "close",
                236 * DAY,
                "dr.chongming",
                _feedback("partly", True, 3, "家长担心激素副作用，只坚持了生理盐水洗鼻。"),
            ),
        ],
        vitals={"temperature_c": "36.5", "heart_rate": 100, "respiratory_rate": 24, "weight_kg": "14.60"},
    ),
    DemoCase(
        "closed-xu-kexin-tics",
        "CM2025000204",
        "neurology",
        "routine",
        "12岁女孩反复眨眼、耸肩4个月，紧张时加重，是否为抽动障碍？是否需要用药？",
        "4个月前开始频繁眨眼，近2个月出现耸肩，紧张、看电子屏幕时加重，入睡后消失。学习成绩无明显下降。",
        "反复眨眼、耸肩",
        "4个月",
        [
            Step("draft", 95 * DAY + 1, "dr.chongming"),
            Step("submit", 95 * DAY, "dr.chongming"),
            Step("claim", 95 * DAY - 2, "spec.neuro"),
            Step(
                "answer",
                95 * DAY - 6,
                "spec.neuro",
                _answer(
                    "短暂性抽动障碍可能性大（运动性抽动，病程不足1年），对学习生活影响轻。",
                    "manage_locally",
                    "1. 暂不用药，以心理行为支持为主。\n2. 减少电子屏幕时间，保证睡眠。\n"
                    "3. 如出现发声性抽动、病程超过1年或明显影响学习生活，转新华医院神经科门诊评估。",
                    "抽动不是孩子故意的，不要批评或反复提醒，越关注越容易加重。多鼓励孩子，保证睡眠，少玩手机。",
                    None,
                ),
            ),
            Step(
                "close",
                92 * DAY,
                "dr.chongming",
                _feedback("not", False, 3, "家长要求面诊，已自行前往新华医院神经科门诊就诊。"),
            ),
        ],
        vitals={"temperature_c": "36.4", "heart_rate": 84, "respiratory_rate": 18, "weight_kg": "39.00"},
    ),
]


def seed(stdout) -> None:
    users = {user.username: user for user in User.objects.filter(username__in=ACCOUNTS)}
    missing = set(ACCOUNTS) - users.keys()
    if missing:
        stdout.write(f"Demo consultations: skipped (no demo account {', '.join(sorted(missing))}).")
        return
    records = {case.record_number for case in CASES}
    children = {patient.record_number: patient for patient in Patient.objects.filter(record_number__in=records)}
    if not children:
        stdout.write("Demo consultations: skipped (no demo children: run the patients' demo first).")
        return
    created = existing = skipped = 0
    for case in CASES:
        public_id = demo_public_id(case.key)
        if Consultation.objects.filter(public_id=public_id).exists():
            existing += 1
            continue
        patient = children.get(case.record_number)
        department = Department.objects.filter(hospital__code=LEAD_HOSPITAL, specialty=case.specialty).first()
        if patient is None or department is None:
            skipped += 1
            continue
        _play(case, public_id, patient, department, users)
        created += 1
    stdout.write(
        f"Demo consultations: {created} created, {existing} already there"
        + (f", {skipped} skipped (child or specialty missing)" if skipped else "")
        + "."
    )


def demo_public_id(key: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, key)


@dataclass(frozen=True)
class _Marks:
    """The newest row of each table a step writes to, before the step: what is newer is its."""

    event: int
    message: int
    notification: int
    grant: int

    @classmethod
    def take(cls) -> _Marks:
        return cls(
            event=_last_pk(ConsultationEvent),
            message=_last_pk(Message),
            notification=_last_pk(Notification),
            grant=_last_pk(CareTeamGrant),
        )


def _last_pk(model) -> int:
    return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@transaction.atomic
def _play(case: DemoCase, public_id: uuid.UUID, patient: Patient, department: Department, users: dict) -> Consultation:
    now = timezone.now()
    first_notification = _last_pk(Notification)
    consultation: Consultation | None = None
    for step in case.steps:
        at = now - timedelta(hours=step.hours_ago)
        user = users.get(step.by)
        marks = _Marks.take()
        before = (consultation.paused_since, consultation.paused_total, consultation.due_at) if consultation else None
        if step.action == "draft":
            consultation = _draft(case, public_id, patient, department, user)
            _attach_photos(case, consultation, user, at)
        else:
            _act(step, consultation, user)
        fields = _moments(step.action, at, consultation, before)
        if fields:
            Consultation.objects.filter(pk=consultation.pk).update(**fields)
        ConsultationEvent.objects.filter(consultation=consultation, pk__gt=marks.event).update(at=at)
        Message.objects.filter(consultation=consultation, pk__gt=marks.message).update(created_at=at)
        Notification.objects.filter(pk__gt=marks.notification).update(created_at=at)
        CareTeamGrant.objects.filter(pk__gt=marks.grant, patient=patient).update(granted_at=at)
        if step.action == "conference":
            consultation.conferences.update(created_at=at)
        consultation.refresh_from_db()
    # Demo data: the inbox rows stay (the accounts have something to read), no email goes out.
    # Changed before the commit, so the email tasks queued on commit find nothing to send.
    Notification.objects.filter(pk__gt=first_notification, email_status=Notification.EmailStatus.PENDING).update(
        email_status=Notification.EmailStatus.NOT_WANTED
    )
    return consultation


def _draft(
    case: DemoCase, public_id: uuid.UUID, patient: Patient, department: Department, doctor: User
) -> Consultation:
    vitals = {name: Decimal(value) if isinstance(value, str) else value for name, value in case.vitals.items()}
    consultation = Consultation(
        public_id=public_id,
        patient=patient,
        department=department,
        urgency=case.urgency,
        question=case.question,
        history=case.history,
        symptoms=case.symptoms,
        symptom_duration=case.symptom_duration,
        current_medicines=case.current_medicines,
        # As the form does: the allergies come from the child's record.
        allergies=patient.allergies,
        tried_so_far=case.tried_so_far,
        **vitals,
    )
    consultation.save_draft(doctor)
    return consultation


def _attach_photos(case: DemoCase, consultation: Consultation, doctor: User, at: datetime) -> None:
    for name, kind, description, seed in case.photos:
        attachment = Attachment.objects.create_from_upload(
            patient=consultation.patient,
            uploaded_by=doctor,
            upload=SimpleUploadedFile(name, rash_photo(seed)),
            kind=kind,
            description=description,
            source=consultation,
        )
        Attachment.objects.filter(pk=attachment.pk).update(uploaded_at=at)


def _act(step: Step, consultation: Consultation, user: User | None) -> None:
    args = step.args
    match step.action:
        case "submit":
            consultation.submit(user)
        case "claim":
            consultation.claim(user)
        case "message":
            consultation.post_message(user, args["body"])
        case "info":
            consultation.request_info(user, args["question"])
        case "provide":
            consultation.provide_info(user, args["answer"])
        case "redirect":
            to = Department.objects.get(hospital__code=LEAD_HOSPITAL, specialty=args["specialty"])
            consultation.redirect(user, to, args["reason"])
        case "decline":
            consultation.decline(user, args["reason"], args.get("comment", ""))
        case "answer":
            consultation.answer(user, **args)
        case "close":
            consultation.close(user, **args)
        case "cancel":
            consultation.cancel(user, args.get("reason", ""))
        case "overdue":
            # As the periodic job does; the due time was moved into the past by the steps before.
            if not consultation.mark_overdue():
                raise ValueError(f"Demo case {consultation.public_id} is not past its target at its 'overdue' step.")
        case "conference":
            day = timezone.localdate() + timedelta(days=args["days_ahead"])
            CaseConference.schedule(
                consultation,
                user,
                scheduled_for=timezone.make_aware(datetime.combine(day, time(args["hour"]))),
                duration_minutes=args["minutes"],
                participants=list(User.objects.filter(username__in=args["invite"])),
            )
        case _:
            raise ValueError(f"Unknown demo step {step.action!r}")


def _target(consultation: Consultation) -> timedelta:
    return timedelta(hours=ResponseTarget.hours_for(consultation.department.specialty, consultation.urgency))


def _moments(action: str, at: datetime, consultation: Consultation, before: tuple | None) -> dict:
    """The case's clock fields as they would be had the step happened at `at` (the model
    wrote the real time): the same rules as the transitions, applied to the demo's moments."""
    match action:
        case "draft":
            return {"created_at": at}
        case "submit":
            return {"submitted_at": at, "due_at": at + _target(consultation)}
        case "claim":
            return {"claimed_at": at}
        case "info":
            return {"paused_since": at}
        case "provide":
            paused_since, paused_total, due_at = before
            pause = at - paused_since
            return {"paused_total": paused_total + pause, "due_at": due_at + pause}
        case "redirect":
            # The clock restarts with the new specialty's target.
            return {"due_at": at + _target(consultation)}
        case "answer":
            return {"answered_at": at}
        case "close":
            return {"closed_at": at}
        case "overdue":
            return {"overdue_at": at}
    return {}
