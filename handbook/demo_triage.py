"""Demo triage pathways and dosing drugs, for `manage.py seed_demo` (after the handbook's topics).

Three pathways written in our own words from public guidance (WHO IMCI chart booklet 2014,
the 2019 young infant booklet for the under-2-months band, NICE NG143 "Fever in under 5s")
and marked as demonstration content, not clinical advice: cough or difficult breathing,
fever, diarrhoea. Each carries test cases on both sides of every threshold and age boundary
of its table; each is written by `editor2` and approved by `editor` (the two-person rule).
The drugs are well-known paediatric doses, also only for the demonstration.

Idempotent: a pathway that already has a published version is left alone; drugs are
updated in place (keyed by slug) with their formulations and rules rewritten.
Called at the end of handbook/demo.py's seed() (`demo_triage.seed(stdout)`): the discovery
of demo modules only runs each app's `demo`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction

from cloudpeds.accounts.models import Department, Hospital, User
from cloudpeds.accounts.roles import Role

from .models import DosingRule, Drug, Formulation, Pathway, Topic

YES, NO = "yes", "no"
DAYS, MONTHS = "days", "months"
UNDER_5 = {"age_to": 60, "age_to_unit": MONTHS}

# --- Questions shared by the pathways -----------------------------------------------------------


def _yes_no(key: str, label: tuple[str, str], text: tuple[str, str], help_: tuple[str, str] = ("", "")) -> dict:
    return {
        "key": key,
        "kind": "yes_no",
        "label_zh": label[0],
        "label_en": label[1],
        "text_zh": text[0],
        "text_en": text[1],
        "help_zh": help_[0],
        "help_en": help_[1],
    }


def _number(
    key: str,
    label: tuple[str, str],
    text: tuple[str, str],
    unit: str,
    low: int | float,
    high: int | float,
    *,
    required: bool = True,
    vital_sign: str = "",
    help_: tuple[str, str] = ("", ""),
) -> dict:
    return {
        "key": key,
        "kind": "number",
        "label_zh": label[0],
        "label_en": label[1],
        "text_zh": text[0],
        "text_en": text[1],
        "help_zh": help_[0],
        "help_en": help_[1],
        "unit": unit,
        "min_value": low,
        "max_value": high,
        "required": required,
        "vital_sign": vital_sign,
    }


def _choice(key: str, label: tuple[str, str], text: tuple[str, str], choices: list[tuple[str, str, str]]) -> dict:
    return {
        "key": key,
        "kind": "choice",
        "label_zh": label[0],
        "label_en": label[1],
        "text_zh": text[0],
        "text_en": text[1],
        "choices": [{"value": value, "label_zh": zh, "label_en": en} for value, zh, en in choices],
    }


DANGER_SIGNS = [
    _yes_no(
        "unable_to_drink",
        ("不能喝水或吃奶", "not able to drink or breastfeed"),
        ("孩子是否不能喝水或吃奶？", "Is the child not able to drink or breastfeed?"),
    ),
    _yes_no(
        "vomits_everything",
        ("吐出所有东西", "vomits everything"),
        ("孩子是否吃什么吐什么？", "Does the child vomit everything?"),
    ),
    _yes_no(
        "convulsions_history",
        ("本次病程中有过惊厥", "convulsions in this illness"),
        ("本次生病期间孩子是否有过惊厥？", "Has the child had convulsions in this illness?"),
    ),
    _yes_no(
        "lethargic",
        ("嗜睡或昏迷", "lethargic or unconscious"),
        ("孩子是否嗜睡或昏迷？", "Is the child lethargic or unconscious?"),
    ),
    _yes_no(
        "convulsing_now",
        ("正在惊厥", "convulsing now"),
        ("孩子现在是否正在惊厥？", "Is the child convulsing now?"),
    ),
]
DANGER_SIGN_KEYS = [question["key"] for question in DANGER_SIGNS]


def _any_yes(keys: list[str]) -> list[dict]:
    return [{"question": key, "operator": "eq", "value": YES} for key in keys]


def _classification(
    code: str,
    colour: str,
    name: tuple[str, str],
    actions: tuple[str, str],
    *,
    note: bool = False,
    default: bool = False,
) -> dict:
    return {
        "code": code,
        "colour": colour,
        "name_zh": name[0],
        "name_en": name[1],
        "actions_zh": actions[0],
        "actions_en": actions[1],
        "is_note": note,
        "is_default": default,
    }


def _rule(classification: str, label: tuple[str, str], conditions: list[dict], min_conditions: int | None = None):
    return {
        "classification": classification,
        "label_zh": label[0],
        "label_en": label[1],
        "min_conditions": min_conditions,
        "conditions": conditions,
    }


def _band(condition: dict, **band: Any) -> dict:
    return {**condition, **band}


@dataclass(frozen=True)
class Child:
    """A test child: born on one date, assessed on another, so that every age is exact."""

    born: str
    on: str
    age: str  # how the case names it


# Ages at the boundaries of the tables (the dates make them exact; see handbook/triage.py).
NEWBORN = Child("2025-03-01", "2025-03-01", "0 days")
D30 = Child("2025-01-01", "2025-01-31", "30 days")
D59 = Child("2025-01-01", "2025-03-01", "59 days (already 2 calendar months)")
D60 = Child("2025-01-01", "2025-03-02", "60 days")
M2D29 = Child("2025-11-26", "2026-02-24", "2 months 29 days")
M3 = Child("2025-11-26", "2026-02-26", "exactly 3 months")
M5D29 = Child("2025-11-26", "2026-05-25", "5 months 29 days")
M6 = Child("2025-11-26", "2026-05-26", "exactly 6 months")
M10 = Child("2025-01-10", "2025-11-10", "10 months")
M11D29 = Child("2025-11-26", "2026-11-24", "11 months 29 days")
M12 = Child("2025-11-26", "2026-11-26", "exactly 12 months")
Y2 = Child("2023-06-15", "2025-06-15", "2 years")
M59 = Child("2021-11-26", "2026-11-25", "4 years 11 months 30 days")


def _cases(defaults: dict[str, Any]):
    def case(name: str, child: Child, expected: str, notes: tuple[str, ...] = (), **answers: Any) -> dict:
        return {
            "name": f"{name} ({child.age})",
            "born": child.born,
            "assessed_on": child.on,
            "answers": {**defaults, **answers},
            "expected": expected,
            "expected_notes": list(notes),
        }

    return case


# --- Cough or difficult breathing (IMCI 2014) -----------------------------------------------------

_cough_case = _cases(
    {
        **dict.fromkeys(DANGER_SIGN_KEYS, NO),
        "stridor": NO,
        "chest_indrawing": NO,
        "respiratory_rate": 30,
        "spo2": None,
        "cough_days": 3,
    }
)

COUGH = {
    "scope": UNDER_5,
    "questions": [
        *DANGER_SIGNS,
        _yes_no(
            "stridor",
            ("安静时喘鸣", "stridor in a calm child"),
            ("孩子安静时是否有喘鸣？", "Is there stridor when the child is calm?"),
            ("喘鸣：吸气时粗糙的声音。", "Stridor: a harsh noise when the child breathes in."),
        ),
        _yes_no(
            "chest_indrawing",
            ("胸凹陷", "chest indrawing"),
            ("吸气时下胸壁是否凹陷？", "Does the lower chest wall go in when the child breathes in?"),
        ),
        _number(
            "respiratory_rate",
            ("呼吸频率", "respiratory rate"),
            ("一分钟呼吸次数", "Breaths in one minute"),
            "per_min",
            5,
            120,
            vital_sign="respiratory_rate",
            help_=(
                "孩子安静时数整整一分钟。",
                "Count for one full minute while the child is calm.",
            ),
        ),
        _number(
            "spo2",
            ("血氧饱和度", "oxygen saturation"),
            ("血氧饱和度（有条件时测量）", "Oxygen saturation (where it can be measured)"),
            "percent",
            50,
            100,
            required=False,
            vital_sign="spo2",
        ),
        _number(
            "cough_days",
            ("咳嗽天数", "days of cough"),
            ("咳嗽或呼吸困难已有几天？", "For how many days has the child had cough or difficult breathing?"),
            "days",
            0,
            365,
        ),
    ],
    "classifications": [
        _classification(
            "severe_pneumonia",
            "red",
            ("重症肺炎或非常严重疾病", "Severe pneumonia or very severe disease"),
            (
                "- 给予首剂合适的抗生素。\n- 有条件时给氧。\n- 紧急转诊至新华医院。",
                "- Give the first dose of an appropriate antibiotic.\n- Give oxygen if available.\n"
                "- Refer urgently to Xinhua.",
            ),
        ),
        _classification(
            "pneumonia",
            "yellow",
            ("肺炎", "Pneumonia"),
            (
                "- 口服阿莫西林5天。\n- 有喘息时给予吸入支气管扩张剂。\n- 用安全的方法缓解咽喉不适。\n"
                "- 告知家长何时必须立即返回。\n- 3天后复诊。",
                "- Give oral amoxicillin for 5 days.\n- If wheezing, give an inhaled bronchodilator.\n"
                "- Soothe the throat with a safe remedy.\n- Tell the parents when to return at once.\n"
                "- Follow up in 3 days.",
            ),
        ),
        _classification(
            "cough_or_cold",
            "green",
            ("咳嗽或感冒", "Cough or cold"),
            (
                "- 用安全的方法缓解咽喉不适。\n- 告知家长何时必须立即返回。\n- 5天后仍未好转则复诊。",
                "- Soothe the throat with a safe remedy.\n- Tell the parents when to return at once.\n"
                "- Follow up in 5 days if not improving.",
            ),
            default=True,
        ),
        _classification(
            "chronic_cough",
            "yellow",
            ("咳嗽14天或以上：需进一步评估", "Cough for 14 days or more: assess further"),
            (
                "转诊进一步评估结核、哮喘、百日咳等原因。",
                "Refer for assessment of tuberculosis, asthma, whooping cough and other causes.",
            ),
            note=True,
        ),
    ],
    "rules": [
        _rule(
            "severe_pneumonia",
            ("任何一般危险体征或安静时喘鸣", "Any general danger sign, or stridor in a calm child"),
            _any_yes([*DANGER_SIGN_KEYS, "stridor"]),
            min_conditions=1,
        ),
        _rule(
            "severe_pneumonia",
            ("血氧饱和度低于90%", "Oxygen saturation below 90%"),
            [{"question": "spo2", "operator": "lt", "threshold": 90}],
        ),
        _rule(
            "severe_pneumonia",
            ("小婴儿胸凹陷", "Chest indrawing in a young infant"),
            [_band({"question": "chest_indrawing", "operator": "eq", "value": YES}, age_to=60, age_to_unit=DAYS)],
        ),
        _rule(
            "pneumonia",
            ("呼吸增快（2月龄以下）", "Fast breathing (under 2 months)"),
            [_band({"question": "respiratory_rate", "operator": "gte", "threshold": 60}, age_to=60, age_to_unit=DAYS)],
        ),
        _rule(
            "pneumonia",
            ("呼吸增快（2–12月龄）", "Fast breathing (2 to 12 months)"),
            [
                _band(
                    {"question": "respiratory_rate", "operator": "gte", "threshold": 50},
                    age_from=60,
                    age_from_unit=DAYS,
                    age_to=12,
                    age_to_unit=MONTHS,
                )
            ],
        ),
        _rule(
            "pneumonia",
            ("呼吸增快（12月龄–5岁）", "Fast breathing (12 months to 5 years)"),
            [
                _band(
                    {"question": "respiratory_rate", "operator": "gte", "threshold": 40},
                    age_from=12,
                    age_from_unit=MONTHS,
                    age_to=60,
                    age_to_unit=MONTHS,
                )
            ],
        ),
        _rule(
            "pneumonia",
            ("胸凹陷", "Chest indrawing"),
            [{"question": "chest_indrawing", "operator": "eq", "value": YES}],
        ),
        _rule(
            "chronic_cough",
            ("咳嗽14天或以上", "Cough for 14 days or more"),
            [{"question": "cough_days", "operator": "gte", "threshold": 14}],
        ),
    ],
    "test_cases": [
        _cough_case("no signs", M10, "cough_or_cold"),
        *[_cough_case(f"danger sign: {key}", Y2, "severe_pneumonia", **{key: YES}) for key in DANGER_SIGN_KEYS],
        _cough_case("stridor in a calm child", Y2, "severe_pneumonia", stridor=YES),
        _cough_case("SpO2 89 < 90", Y2, "severe_pneumonia", spo2=89),
        _cough_case("SpO2 90 is not below 90", Y2, "cough_or_cold", spo2=90),
        _cough_case("newborn 60/min", NEWBORN, "pneumonia", respiratory_rate=60),
        _cough_case("newborn 59/min", NEWBORN, "cough_or_cold", respiratory_rate=59),
        _cough_case("59 days 60/min: young infant band", D59, "pneumonia", respiratory_rate=60),
        _cough_case("59 days 59/min: below 60", D59, "cough_or_cold", respiratory_rate=59),
        _cough_case("60 days 50/min: 2-12 months band", D60, "pneumonia", respiratory_rate=50),
        _cough_case("60 days 49/min", D60, "cough_or_cold", respiratory_rate=49),
        _cough_case("10 months 52/min", M10, "pneumonia", respiratory_rate=52),
        _cough_case("10 months 50/min", M10, "pneumonia", respiratory_rate=50),
        _cough_case("10 months 49/min", M10, "cough_or_cold", respiratory_rate=49),
        _cough_case("11 months 29 days 49/min", M11D29, "cough_or_cold", respiratory_rate=49),
        _cough_case("11 months 29 days 50/min", M11D29, "pneumonia", respiratory_rate=50),
        _cough_case("12 months 40/min: 12 months-5 years band", M12, "pneumonia", respiratory_rate=40),
        _cough_case("12 months 39/min", M12, "cough_or_cold", respiratory_rate=39),
        _cough_case("just under 5 years 40/min", M59, "pneumonia", respiratory_rate=40),
        _cough_case("just under 5 years 39/min", M59, "cough_or_cold", respiratory_rate=39),
        _cough_case("chest indrawing", M10, "pneumonia", chest_indrawing=YES),
        _cough_case("chest indrawing under 60 days", D59, "severe_pneumonia", chest_indrawing=YES),
        _cough_case("chest indrawing at 60 days", D60, "pneumonia", chest_indrawing=YES),
        _cough_case(
            "danger sign and fast breathing: red wins", M10, "severe_pneumonia", lethargic=YES, respiratory_rate=55
        ),
        _cough_case("cough 13 days", Y2, "cough_or_cold", cough_days=13),
        _cough_case("cough 14 days", Y2, "cough_or_cold", ("chronic_cough",), cough_days=14),
        _cough_case(
            "pneumonia with cough 20 days", M12, "pneumonia", ("chronic_cough",), respiratory_rate=45, cough_days=20
        ),
    ],
}

# --- Fever (IMCI general danger signs + NICE NG143 traffic lights) ---------------------------------

_fever_case = _cases(
    {
        **dict.fromkeys(DANGER_SIGN_KEYS, NO),
        "stiff_neck": NO,
        "non_blanching_rash": NO,
        "temperature": 38.5,
        "respiratory_rate": None,
        "fever_days": 1,
        "fever_every_day": YES,
    }
)

FEVER = {
    "scope": UNDER_5,
    "questions": [
        *DANGER_SIGNS,
        _yes_no(
            "stiff_neck",
            ("颈项强直", "stiff neck"),
            ("是否有颈项强直？", "Does the child have a stiff neck?"),
        ),
        _yes_no(
            "non_blanching_rash",
            ("压之不褪色的皮疹", "non-blanching rash"),
            ("是否有压之不褪色的皮疹？", "Is there a rash that does not fade under pressure?"),
        ),
        _number(
            "temperature",
            ("体温", "temperature"),
            ("测得的体温", "Measured temperature"),
            "celsius",
            34,
            43,
            vital_sign="temperature_c",
        ),
        _number(
            "respiratory_rate",
            ("呼吸频率", "respiratory rate"),
            ("一分钟呼吸次数（已数时）", "Breaths in one minute (if counted)"),
            "per_min",
            5,
            120,
            required=False,
            vital_sign="respiratory_rate",
        ),
        _number(
            "fever_days",
            ("发热天数", "days of fever"),
            ("发热已有几天？", "For how many days has the child had fever?"),
            "days",
            0,
            60,
        ),
        _yes_no(
            "fever_every_day",
            ("每天发热", "fever every day"),
            ("是否每天都发热？", "Has the fever been present every day?"),
        ),
    ],
    "classifications": [
        _classification(
            "very_severe_febrile_disease",
            "red",
            ("非常严重的发热性疾病", "Very severe febrile disease"),
            (
                "- 给予首剂合适的抗生素。\n- 预防低血糖。\n- 高热时给予一剂对乙酰氨基酚。\n- 紧急转诊至新华医院。",
                "- Give the first dose of an appropriate antibiotic.\n- Prevent low blood sugar.\n"
                "- Give one dose of paracetamol for high fever.\n- Refer urgently to Xinhua.",
            ),
        ),
        _classification(
            "high_risk",
            "red",
            ("严重疾病高风险（红色）", "High risk of serious illness (red)"),
            (
                "紧急转诊，由儿科医生当面评估。",
                "Refer urgently for a face-to-face assessment by a paediatric team.",
            ),
        ),
        _classification(
            "prolonged_fever",
            "yellow",
            ("每天发热超过7天", "Fever every day for more than 7 days"),
            ("转诊进一步评估发热原因。", "Refer for assessment of the cause of the fever."),
        ),
        _classification(
            "intermediate_risk",
            "yellow",
            ("严重疾病中度风险（黄色）", "Intermediate risk of serious illness (amber)"),
            (
                "- 当面评估，考虑检查（血常规、尿常规、C反应蛋白）。\n- 如不转诊，给家长明确的安全提示并安排复诊。",
                "- Assess face to face; consider blood and urine tests and CRP.\n"
                "- If not referred, give the parents a clear safety net and arrange follow-up.",
            ),
        ),
        _classification(
            "low_risk",
            "green",
            ("发热：低风险（绿色）", "Fever: low risk (green)"),
            (
                "- 居家护理：多喝水，孩子不适时可用对乙酰氨基酚或布洛芬。\n"
                "- 出现危险体征、发热超过5天或家长担心时立即返回。",
                "- Care at home: fluids; paracetamol or ibuprofen if the child is distressed.\n"
                "- Return at once with any danger sign, fever for 5 days or more, or if the parents are worried.",
            ),
            default=True,
        ),
    ],
    "rules": [
        _rule(
            "very_severe_febrile_disease",
            (
                "任何一般危险体征、颈项强直或压之不褪色的皮疹",
                "Any general danger sign, stiff neck or non-blanching rash",
            ),
            _any_yes([*DANGER_SIGN_KEYS, "stiff_neck", "non_blanching_rash"]),
            min_conditions=1,
        ),
        _rule(
            "high_risk",
            ("3月龄以下体温≥38 °C", "Under 3 months with a temperature of 38 °C or more"),
            [_band({"question": "temperature", "operator": "gte", "threshold": 38}, age_to=3, age_to_unit=MONTHS)],
        ),
        _rule(
            "high_risk",
            ("呼吸频率超过60次/分", "Respiratory rate above 60"),
            [{"question": "respiratory_rate", "operator": "gt", "threshold": 60}],
        ),
        _rule(
            "prolonged_fever",
            ("每天发热超过7天", "Fever every day for more than 7 days"),
            [
                {"question": "fever_days", "operator": "gt", "threshold": 7},
                {"question": "fever_every_day", "operator": "eq", "value": YES},
            ],
        ),
        _rule(
            "intermediate_risk",
            ("3–6月龄体温≥39 °C", "3 to 6 months with a temperature of 39 °C or more"),
            [
                _band(
                    {"question": "temperature", "operator": "gte", "threshold": 39},
                    age_from=3,
                    age_from_unit=MONTHS,
                    age_to=6,
                    age_to_unit=MONTHS,
                )
            ],
        ),
        _rule(
            "intermediate_risk",
            ("发热5天或以上", "Fever for 5 days or more"),
            [{"question": "fever_days", "operator": "gte", "threshold": 5}],
        ),
        _rule(
            "intermediate_risk",
            ("呼吸频率超过50次/分（6–12月龄）", "Respiratory rate above 50 (6 to 12 months)"),
            [
                _band(
                    {"question": "respiratory_rate", "operator": "gt", "threshold": 50},
                    age_from=6,
                    age_from_unit=MONTHS,
                    age_to=12,
                    age_to_unit=MONTHS,
                )
            ],
        ),
        _rule(
            "intermediate_risk",
            ("呼吸频率超过40次/分（12月龄以上）", "Respiratory rate above 40 (over 12 months)"),
            [
                _band(
                    {"question": "respiratory_rate", "operator": "gt", "threshold": 40},
                    age_from=12,
                    age_from_unit=MONTHS,
                )
            ],
        ),
    ],
    "test_cases": [
        _fever_case("no risk features", Y2, "low_risk"),
        *[
            _fever_case(f"danger sign: {key}", Y2, "very_severe_febrile_disease", **{key: YES})
            for key in DANGER_SIGN_KEYS
        ],
        _fever_case("stiff neck", Y2, "very_severe_febrile_disease", stiff_neck=YES),
        _fever_case("non-blanching rash", M10, "very_severe_febrile_disease", non_blanching_rash=YES),
        _fever_case("under 3 months 38.0 °C", M2D29, "high_risk", temperature=38.0),
        _fever_case("under 3 months 37.9 °C", M2D29, "low_risk", temperature=37.9),
        _fever_case("newborn 38.0 °C", NEWBORN, "high_risk", temperature=38.0),
        _fever_case("3 months 38.0 °C: no longer under 3 months", M3, "low_risk", temperature=38.0),
        _fever_case("3 months 39.0 °C", M3, "intermediate_risk", temperature=39.0),
        _fever_case("3 months 38.9 °C", M3, "low_risk", temperature=38.9),
        _fever_case("5 months 29 days 39.0 °C", M5D29, "intermediate_risk", temperature=39.0),
        _fever_case("6 months 39.0 °C: band 3-6 months ended", M6, "low_risk", temperature=39.0),
        _fever_case("fever 4 days", Y2, "low_risk", fever_days=4),
        _fever_case("fever 5 days", Y2, "intermediate_risk", fever_days=5),
        _fever_case("fever every day 7 days", Y2, "intermediate_risk", fever_days=7),
        _fever_case("fever every day 8 days", Y2, "prolonged_fever", fever_days=8),
        _fever_case("fever 8 days, not every day", Y2, "intermediate_risk", fever_days=8, fever_every_day=NO),
        _fever_case("respiratory rate 61", Y2, "high_risk", respiratory_rate=61),
        _fever_case("respiratory rate 60 is not above 60", M5D29, "low_risk", respiratory_rate=60),
        _fever_case("6 months 51/min", M6, "intermediate_risk", respiratory_rate=51),
        _fever_case("6 months 50/min", M6, "low_risk", respiratory_rate=50),
        _fever_case("5 months 29 days 55/min: 6-12 months band not started", M5D29, "low_risk", respiratory_rate=55),
        _fever_case("11 months 29 days 45/min", M11D29, "low_risk", respiratory_rate=45),
        _fever_case("12 months 41/min", M12, "intermediate_risk", respiratory_rate=41),
        _fever_case("12 months 40/min", M12, "low_risk", respiratory_rate=40),
        _fever_case("just under 5 years 60/min", M59, "intermediate_risk", respiratory_rate=60),
        _fever_case(
            "danger sign beats high temperature under 3 months", D30, "very_severe_febrile_disease", lethargic=YES
        ),
    ],
}

# --- Diarrhoea (IMCI dehydration) -------------------------------------------------------------------

_diarrhoea_case = _cases(
    {
        "lethargic": NO,
        "restless": NO,
        "sunken_eyes": NO,
        "drinking": "normally",
        "skin_pinch": "immediately",
        "diarrhoea_days": 2,
        "blood_in_stool": NO,
    }
)

DIARRHOEA = {
    "scope": {"age_from": 60, "age_from_unit": DAYS, **UNDER_5},
    "questions": [
        _yes_no(
            "lethargic",
            ("嗜睡或昏迷", "lethargic or unconscious"),
            ("孩子是否嗜睡或昏迷？", "Is the child lethargic or unconscious?"),
        ),
        _yes_no(
            "restless",
            ("烦躁不安、易激惹", "restless or irritable"),
            ("孩子是否烦躁不安、易激惹？", "Is the child restless or irritable?"),
        ),
        _yes_no("sunken_eyes", ("眼窝凹陷", "sunken eyes"), ("眼窝是否凹陷？", "Are the eyes sunken?")),
        _choice(
            "drinking",
            ("饮水情况", "drinking"),
            ("给孩子水喝时：", "Offer the child fluid:"),
            [
                ("not_able", "不能喝或喝得很差", "not able to drink or drinking poorly"),
                ("eagerly", "急于喝水、口渴", "drinks eagerly, thirsty"),
                ("normally", "喝水正常、不口渴", "drinks normally, not thirsty"),
            ],
        ),
        _choice(
            "skin_pinch",
            ("皮肤弹性", "skin pinch"),
            ("捏起腹部皮肤后：", "Pinch the skin of the abdomen; it goes back:"),
            [
                ("very_slowly", "恢复非常缓慢（超过2秒）", "very slowly (longer than 2 seconds)"),
                ("slowly", "恢复缓慢", "slowly"),
                ("immediately", "立即恢复", "immediately"),
            ],
        ),
        _number(
            "diarrhoea_days",
            ("腹泻天数", "days of diarrhoea"),
            ("腹泻已有几天？", "For how many days has the child had diarrhoea?"),
            "days",
            0,
            365,
        ),
        _yes_no(
            "blood_in_stool", ("便中带血", "blood in the stool"), ("大便中是否有血？", "Is there blood in the stool?")
        ),
    ],
    "classifications": [
        _classification(
            "severe_dehydration",
            "red",
            ("重度脱水", "Severe dehydration"),
            (
                "- 按C方案快速补液。\n- 紧急转诊至新华医院，路上让母亲不断给孩子小口喝口服补液盐，继续母乳喂养。",
                "- Give fluid for severe dehydration (plan C).\n"
                "- Refer urgently to Xinhua, with the mother giving frequent sips of ORS on the way; "
                "keep breastfeeding.",
            ),
        ),
        _classification(
            "some_dehydration",
            "yellow",
            ("轻中度脱水", "Some dehydration"),
            (
                "- 按B方案在诊室给予口服补液盐（4小时）。\n- 补锌。\n"
                "- 告知家长何时必须立即返回。\n- 5天后未好转则复诊。",
                "- Give fluid, zinc and food for some dehydration (plan B: ORS in the clinic over 4 hours).\n"
                "- Tell the parents when to return at once.\n- Follow up in 5 days if not improving.",
            ),
        ),
        _classification(
            "no_dehydration",
            "green",
            ("无脱水", "No dehydration"),
            (
                "- 按A方案居家补液、补锌、继续喂养。\n- 告知家长何时必须立即返回。\n- 5天后未好转则复诊。",
                "- Give fluid, zinc and food at home (plan A).\n- Tell the parents when to return at once.\n"
                "- Follow up in 5 days if not improving.",
            ),
            default=True,
        ),
        _classification(
            "persistent_diarrhoea",
            "yellow",
            ("迁延性腹泻（14天或以上）", "Persistent diarrhoea (14 days or more)"),
            (
                "有脱水时转诊；无脱水时指导喂养、补充维生素和锌，5天后复诊。",
                "Refer if there is dehydration; otherwise advise on feeding, give vitamins and zinc, "
                "follow up in 5 days.",
            ),
            note=True,
        ),
        _classification(
            "dysentery",
            "yellow",
            ("痢疾（便中带血）", "Dysentery (blood in the stool)"),
            (
                "按当地推荐给予抗生素3天，3天后复诊。",
                "Give the locally recommended antibiotic for 3 days; follow up in 3 days.",
            ),
            note=True,
        ),
    ],
    "rules": [
        _rule(
            "severe_dehydration",
            ("以下体征中有两项或以上", "Two or more of these signs"),
            [
                {"question": "lethargic", "operator": "eq", "value": YES},
                {"question": "sunken_eyes", "operator": "eq", "value": YES},
                {"question": "drinking", "operator": "eq", "value": "not_able"},
                {"question": "skin_pinch", "operator": "eq", "value": "very_slowly"},
            ],
            min_conditions=2,
        ),
        _rule(
            "some_dehydration",
            ("以下体征中有两项或以上", "Two or more of these signs"),
            [
                {"question": "restless", "operator": "eq", "value": YES},
                {"question": "sunken_eyes", "operator": "eq", "value": YES},
                {"question": "drinking", "operator": "eq", "value": "eagerly"},
                {"question": "skin_pinch", "operator": "eq", "value": "slowly"},
            ],
            min_conditions=2,
        ),
        _rule(
            "persistent_diarrhoea",
            ("腹泻14天或以上", "Diarrhoea for 14 days or more"),
            [{"question": "diarrhoea_days", "operator": "gte", "threshold": 14}],
        ),
        _rule(
            "dysentery",
            ("便中带血", "Blood in the stool"),
            [{"question": "blood_in_stool", "operator": "eq", "value": YES}],
        ),
    ],
    "test_cases": [
        _diarrhoea_case("no signs", Y2, "no_dehydration"),
        _diarrhoea_case("lethargic + sunken eyes", Y2, "severe_dehydration", lethargic=YES, sunken_eyes=YES),
        _diarrhoea_case("lethargic + not able to drink", Y2, "severe_dehydration", lethargic=YES, drinking="not_able"),
        _diarrhoea_case(
            "lethargic + skin pinch very slow", Y2, "severe_dehydration", lethargic=YES, skin_pinch="very_slowly"
        ),
        _diarrhoea_case(
            "sunken eyes + not able to drink", Y2, "severe_dehydration", sunken_eyes=YES, drinking="not_able"
        ),
        _diarrhoea_case(
            "sunken eyes + skin pinch very slow", M10, "severe_dehydration", sunken_eyes=YES, skin_pinch="very_slowly"
        ),
        _diarrhoea_case(
            "not able to drink + skin pinch very slow",
            M10,
            "severe_dehydration",
            drinking="not_able",
            skin_pinch="very_slowly",
        ),
        _diarrhoea_case("restless + sunken eyes", Y2, "some_dehydration", restless=YES, sunken_eyes=YES),
        _diarrhoea_case("restless + drinks eagerly", Y2, "some_dehydration", restless=YES, drinking="eagerly"),
        _diarrhoea_case("restless + skin pinch slow", Y2, "some_dehydration", restless=YES, skin_pinch="slowly"),
        _diarrhoea_case("sunken eyes + drinks eagerly", M10, "some_dehydration", sunken_eyes=YES, drinking="eagerly"),
        _diarrhoea_case("sunken eyes + skin pinch slow", M10, "some_dehydration", sunken_eyes=YES, skin_pinch="slowly"),
        _diarrhoea_case(
            "drinks eagerly + skin pinch slow", M10, "some_dehydration", drinking="eagerly", skin_pinch="slowly"
        ),
        _diarrhoea_case("only one sign: sunken eyes", Y2, "no_dehydration", sunken_eyes=YES),
        _diarrhoea_case("only one sign: restless", Y2, "no_dehydration", restless=YES),
        _diarrhoea_case("only one sign: lethargic", Y2, "no_dehydration", lethargic=YES),
        _diarrhoea_case(
            "severe signs beat some signs",
            Y2,
            "severe_dehydration",
            sunken_eyes=YES,
            skin_pinch="very_slowly",
            restless=YES,
            drinking="eagerly",
        ),
        _diarrhoea_case("diarrhoea 13 days", Y2, "no_dehydration", diarrhoea_days=13),
        _diarrhoea_case("diarrhoea 14 days", Y2, "no_dehydration", ("persistent_diarrhoea",), diarrhoea_days=14),
        _diarrhoea_case("blood in the stool", Y2, "no_dehydration", ("dysentery",), blood_in_stool=YES),
        _diarrhoea_case(
            "some dehydration, persistent, bloody",
            M12,
            "some_dehydration",
            ("dysentery", "persistent_diarrhoea"),
            restless=YES,
            sunken_eyes=YES,
            diarrhoea_days=15,
            blood_in_stool=YES,
        ),
        _diarrhoea_case("youngest in scope: 60 days", D60, "no_dehydration"),
        _diarrhoea_case("oldest in scope: just under 5 years", M59, "no_dehydration"),
    ],
}


@dataclass(frozen=True)
class DemoPathway:
    slug: str
    topic: str
    name: tuple[str, str]
    specialty: str
    document: dict


S = Department.Specialty
PATHWAYS = [
    DemoPathway(
        "cough",
        "cough-or-difficult-breathing",
        ("咳嗽或呼吸困难分诊", "Cough or difficult breathing triage"),
        S.RESPIRATORY,
        COUGH,
    ),
    DemoPathway("fever", "fever", ("发热分诊", "Fever triage"), S.INFECTIOUS_DISEASES, FEVER),
    DemoPathway(
        "diarrhoea", "diarrhoea", ("腹泻脱水分诊", "Diarrhoea and dehydration triage"), S.GASTROENTEROLOGY, DIARRHOEA
    ),
]

# --- Drugs --------------------------------------------------------------------------------------------

DRUGS = [
    {
        "slug": "paracetamol",
        "name": ("对乙酰氨基酚", "Paracetamol"),
        "notes": (
            "用于缓解发热引起的不适，不是为了退热本身。两次给药至少间隔4小时。",
            "For a child distressed by fever, not to bring the temperature down as such. "
            "At least 4 hours between doses.",
        ),
        "topics": ["fever"],
        "formulations": [
            (("口服混悬液 120 mg/5 ml", "oral suspension 120 mg/5 ml"), "120", "5"),
            (("口服混悬液 160 mg/5 ml", "oral suspension 160 mg/5 ml"), "160", "5"),
        ],
        "rules": [(("发热不适", "fever with distress"), "15", "1000", 4, 2)],
    },
    {
        "slug": "ibuprofen",
        "name": ("布洛芬", "Ibuprofen"),
        "notes": (
            "脱水或不能喝水的孩子不用。两次给药至少间隔6小时。",
            "Not for a child who is dehydrated or not drinking. At least 6 hours between doses.",
        ),
        "topics": ["fever"],
        "formulations": [(("口服混悬液 100 mg/5 ml", "oral suspension 100 mg/5 ml"), "100", "5")],
        "rules": [(("发热不适", "fever with distress"), "10", "400", 3, 3)],
    },
    {
        "slug": "amoxicillin",
        "name": ("阿莫西林", "Amoxicillin"),
        "notes": ("肺炎：每日2次，共5天。", "Pneumonia: twice a day for 5 days."),
        "topics": ["cough-or-difficult-breathing"],
        "formulations": [
            (("口服混悬液 250 mg/5 ml", "oral suspension 250 mg/5 ml"), "250", "5"),
            (("口服混悬液 125 mg/5 ml", "oral suspension 125 mg/5 ml"), "125", "5"),
        ],
        "rules": [(("肺炎", "pneumonia"), "40", "1000", 2, None)],
    },
]


def _second_editor() -> User:
    """`editor2`, made by the handbook's demo; created the same way if this runs alone."""
    user = User.objects.filter(username="editor2").first()
    if user is None:
        hospital = Hospital.objects.get(code="xinhua")
        user = User.objects.create(
            username="editor2",
            last_name="郑",
            first_name="雅琴",
            email="editor2@demo.cloudpeds.example",
            hospital=hospital,
            department=Department.objects.filter(hospital=hospital, specialty=S.GENERAL_PEDIATRICS).first(),
        )
        user.set_password(settings.DEMO_PASSWORD)
        user.save(update_fields=["password"])
    if not user.has_role(Role.HANDBOOK_EDITOR):
        user.set_roles(*user.role_names, Role.HANDBOOK_EDITOR)
    return user


def _publish(demo: DemoPathway, author: User, approver: User) -> bool:
    topic = Topic.objects.filter(slug=demo.topic).first()
    if topic is None:
        return False
    pathway = Pathway.objects.filter(slug=demo.slug).first()
    if pathway is not None and pathway.current_version_id is not None:
        return False
    if pathway is None:
        version = Pathway.create_with_draft(
            author,
            topic=topic,
            slug=demo.slug,
            name_zh=demo.name[0],
            name_en=demo.name[1],
            specialty=demo.specialty,
            document=demo.document,
        )
        Pathway.objects.filter(pk=version.pathway_id).update(is_demo=True)
    else:
        version = pathway.start_draft(author)
        version.replace_content(author, demo.document)
    version.submit(author)
    version.approve(approver)
    return True


def _drug(data: dict) -> Drug:
    drug, _created = Drug.objects.update_or_create(
        slug=data["slug"],
        defaults={
            "name_zh": data["name"][0],
            "name_en": data["name"][1],
            "notes_zh": data["notes"][0],
            "notes_en": data["notes"][1],
            "is_demo": True,
            "position": DRUGS.index(data),
        },
    )
    drug.topics.set(Topic.objects.filter(slug__in=data["topics"]))
    # Keyed by position so that running the seed again updates rows instead of replacing them.
    for index, (name, mg, ml) in enumerate(data["formulations"]):
        Formulation.objects.update_or_create(
            drug=drug,
            position=index,
            defaults={
                "name_zh": name[0],
                "name_en": name[1],
                "strength_mg": Decimal(mg),
                "volume_ml": Decimal(ml),
            },
        )
    drug.formulations.filter(position__gte=len(data["formulations"])).delete()
    for index, (indication, per_kg, maximum, per_day, min_age) in enumerate(data["rules"]):
        DosingRule.objects.update_or_create(
            drug=drug,
            position=index,
            defaults={
                "indication_zh": indication[0],
                "indication_en": indication[1],
                "mg_per_kg": Decimal(per_kg),
                "max_dose_mg": Decimal(maximum),
                "doses_per_day": per_day,
                "min_age_months": min_age,
            },
        )
    drug.dosing_rules.filter(position__gte=len(data["rules"])).delete()
    return drug


def seed(stdout) -> None:
    with transaction.atomic():
        approver = User.objects.get(username="editor")
        author = _second_editor()
        published = [demo.slug for demo in PATHWAYS if _publish(demo, author, approver)]
        for data in DRUGS:
            _drug(data)
    missing = [demo.topic for demo in PATHWAYS if not Topic.objects.filter(slug=demo.topic).exists()]
    stdout.write(
        f"Handbook triage: {len(PATHWAYS)} demo pathways ({len(published)} published now), {len(DRUGS)} demo drugs."
    )
    if missing:
        stdout.write(f"  (no topic {', '.join(missing)}: run the handbook demo first)")
