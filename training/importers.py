"""Question import from a CSV file (the template is `TEMPLATE_ROWS`, downloadable).

All or nothing: every line is checked first and the errors are listed by line number (as
a spreadsheet numbers them: the header is line 1); only a file with no error at all is
imported, in one transaction. A row whose `ref` matches a question of the course updates
that question; otherwise it adds one. A category code that the course does not have yet is
created from the row's category names.

Chinese Excel saves CSV in GB18030 (GBK) unless told otherwise, other tools in UTF-8 with
or without a byte-order mark: all three are read.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Course, Question, QuestionCategory, QuestionKind

MAX_OPTIONS = 6
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000

COLUMNS = [
    "ref",
    "category_code",
    "category_zh",
    "category_en",
    "kind",
    "question_zh",
    "question_en",
    *[f"option{n}_{lang}" for n in range(1, MAX_OPTIONS + 1) for lang in ("zh", "en")],
    "correct",
    "explanation_zh",
    "explanation_en",
]
REQUIRED = ["category_code", "kind", "question_zh", "question_en", "correct", "explanation_zh", "explanation_en"]

TRUE_FALSE_OPTIONS = [("正确", "True"), ("错误", "False")]
_TRUE = {"true", "t", "yes", "正确", "对", "是", "1"}
_FALSE = {"false", "f", "no", "错误", "错", "否", "0"}
_CODE = re.compile(r"^[-a-zA-Z0-9_]{1,40}$")
_KINDS = {
    "single": QuestionKind.SINGLE,
    "单选": QuestionKind.SINGLE,
    "multiple": QuestionKind.MULTIPLE,
    "多选": QuestionKind.MULTIPLE,
    "true_false": QuestionKind.TRUE_FALSE,
    "判断": QuestionKind.TRUE_FALSE,
}

TEMPLATE_ROWS = [
    {
        "ref": "fever-001",
        "category_code": "fever-basics",
        "category_zh": "发热基础",
        "category_en": "Fever basics",
        "kind": "single",
        "question_zh": "按IMCI，腋温多少即为发热？",
        "question_en": "In IMCI, what axillary temperature counts as fever?",
        "option1_zh": "37.5 °C 或以上",
        "option1_en": "37.5 °C or above",
        "option2_zh": "38.5 °C 或以上",
        "option2_en": "38.5 °C or above",
        "option3_zh": "39 °C 或以上",
        "option3_en": "39 °C or above",
        "correct": "1",
        "explanation_zh": "IMCI以腋温37.5 °C或以上（或病史、摸起来发热）为发热。",
        "explanation_en": "IMCI counts fever by history, feeling hot, or an axillary temperature of 37.5 °C or above.",
    },
    {
        "ref": "fever-002",
        "category_code": "fever-basics",
        "kind": "multiple",
        "question_zh": "以下哪些是一般危险体征？",
        "question_en": "Which of these are general danger signs?",
        "option1_zh": "不能喝水或吃奶",
        "option1_en": "Not able to drink or breastfeed",
        "option2_zh": "吐出所有东西",
        "option2_en": "Vomits everything",
        "option3_zh": "流清涕",
        "option3_en": "Runny nose",
        "correct": "1,2",
        "explanation_zh": "不能喝水或吃奶、吐出所有东西都是一般危险体征；流涕不是。",
        "explanation_en": "Not able to drink and vomiting everything are general danger signs; a runny nose is not.",
    },
    {
        "ref": "fever-003",
        "category_code": "fever-basics",
        "kind": "true_false",
        "question_zh": "3月龄以下婴儿体温38 °C或以上属于NICE红色（高危）征象。",
        "question_en": "A temperature of 38 °C or above in an infant under 3 months is a NICE red (high-risk) feature.",
        "correct": "true",
        "explanation_zh": "NICE NG143将3月龄以下、体温≥38 °C列为红色征象。",
        "explanation_en": "NICE NG143 lists age under 3 months with a temperature of 38 °C or above as a red feature.",
    },
]


@dataclass
class ParsedRow:
    line: int
    ref: str
    category_code: str
    category_zh: str
    category_en: str
    kind: str
    text_zh: str
    text_en: str
    explanation_zh: str
    explanation_en: str
    options: list[tuple[str, str, bool]] = field(default_factory=list)


@dataclass
class ImportResult:
    errors: list[tuple[int, str]] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    categories_created: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def template_csv() -> bytes:
    """The downloadable template, with a byte-order mark so that Excel reads it as UTF-8."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in TEMPLATE_ROWS:
        writer.writerow(row)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _decode(data: bytes) -> str | None:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def import_questions(course: Course, data: bytes) -> ImportResult:
    result = ImportResult()
    if len(data) > MAX_BYTES:
        result.errors.append((0, _("The file is larger than 2 MB.")))
        return result
    text = _decode(data)
    if text is None:
        result.errors.append((0, _("The file is not a CSV file in UTF-8 or GB18030 (GBK).")))
        return result
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        result.errors.append((1, _("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)}))
        return result
    reader.fieldnames = header

    categories = {category.code: category for category in QuestionCategory.objects.filter(course=course)}
    questions = {question.ref: question for question in Question.objects.filter(course=course).exclude(ref="")}
    rows: list[ParsedRow] = []
    seen_refs: dict[str, int] = {}
    new_categories: dict[str, tuple[str, str]] = {}
    for number, raw in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            result.errors.append((number, _("A file holds at most %(count)d questions.") % {"count": MAX_ROWS}))
            break
        values = {key: (value or "").strip() for key, value in raw.items() if key}
        if not any(values.values()):
            continue  # blank lines at the end of a spreadsheet
        row, errors = _parse_row(number, values)
        if row is not None:
            errors += _check_against_bank(row, categories, new_categories, questions, seen_refs)
        result.errors.extend((number, error) for error in errors)
        if row is not None and not errors:
            rows.append(row)
    if not rows and not result.errors:
        result.errors.append((0, _("The file has no questions.")))
    if result.errors:
        return result

    with transaction.atomic():
        for code, (name_zh, name_en) in new_categories.items():
            categories[code] = QuestionCategory.objects.create(
                course=course, code=code, name_zh=name_zh, name_en=name_en, position=len(categories)
            )
            result.categories_created += 1
        for row in rows:
            question = questions.get(row.ref) if row.ref else None
            if question is None:
                question = Question(course=course, ref=row.ref)
                result.created += 1
            else:
                result.updated += 1
            question.category = categories[row.category_code]
            question.kind = row.kind
            question.text_zh, question.text_en = row.text_zh, row.text_en
            question.explanation_zh, question.explanation_en = row.explanation_zh, row.explanation_en
            question.updated_at = timezone.now()
            question.save()
            question.set_options(row.options)
    return result


def _parse_row(number: int, values: dict[str, str]) -> tuple[ParsedRow | None, list[str]]:
    errors: list[str] = []
    for name in REQUIRED:
        if not values.get(name):
            errors.append(_("“%(column)s” is empty.") % {"column": name})
    kind = _KINDS.get(values.get("kind", "").lower())
    if values.get("kind") and kind is None:
        errors.append(_("Unknown kind “%(kind)s”: use single, multiple or true_false.") % {"kind": values["kind"]})
    code = values.get("category_code", "")
    if code and not _CODE.match(code):
        errors.append(_("A category code is letters, digits, - and _ (at most 40)."))
    if len(values.get("ref", "")) > 40:
        errors.append(_("A ref has at most 40 characters."))
    if errors or kind is None:
        return None, errors

    options: list[tuple[str, str, bool]] = []
    correct = values["correct"]
    if kind == QuestionKind.TRUE_FALSE:
        answer = correct.lower()
        if answer not in _TRUE | _FALSE:
            errors.append(_("For a true-or-false question, “correct” is true or false."))
        else:
            is_true = answer in _TRUE
            options = [(zh, en, ok) for (zh, en), ok in zip(TRUE_FALSE_OPTIONS, (is_true, not is_true), strict=True)]
    else:
        texts = []
        for n in range(1, MAX_OPTIONS + 1):
            zh, en = values.get(f"option{n}_zh", ""), values.get(f"option{n}_en", "")
            if zh or en:
                texts.append((n, zh, en))
        numbers = [n for n, _zh, _en in texts]
        if numbers != list(range(1, len(numbers) + 1)):
            errors.append(_("Options are numbered from 1 with no gap."))
        try:
            keys = {int(part) for part in re.split(r"[,，;；\s]+", correct) if part}
        except ValueError:
            keys = set()
            errors.append(_("“correct” lists option numbers, e.g. 2 or 1,3."))
        unknown = sorted(keys - set(numbers))
        if unknown:
            errors.append(_("“correct” names options that do not exist: %(numbers)s.") % {"numbers": unknown})
        options = [(zh, en, n in keys) for n, zh, en in texts]
    if not errors:
        errors.extend(Question.option_errors(kind, options))
    row = ParsedRow(
        line=number,
        ref=values.get("ref", ""),
        category_code=values["category_code"],
        category_zh=values.get("category_zh", ""),
        category_en=values.get("category_en", ""),
        kind=kind,
        text_zh=values["question_zh"],
        text_en=values["question_en"],
        explanation_zh=values["explanation_zh"],
        explanation_en=values["explanation_en"],
        options=options,
    )
    return row, errors


def _check_against_bank(
    row: ParsedRow,
    categories: dict[str, QuestionCategory],
    new_categories: dict[str, tuple[str, str]],
    questions: dict[str, Question],
    seen_refs: dict[str, int],
) -> list[str]:
    errors: list[str] = []
    if row.category_code not in categories and row.category_code not in new_categories:
        if not (row.category_zh and row.category_en):
            errors.append(
                _("The category “%(code)s” is new: give its Chinese and English names.") % {"code": row.category_code}
            )
        else:
            new_categories[row.category_code] = (row.category_zh, row.category_en)
    if row.ref:
        if row.ref in seen_refs:
            errors.append(
                _("The ref “%(ref)s” is also on line %(line)d.") % {"ref": row.ref, "line": seen_refs[row.ref]}
            )
        else:
            seen_refs[row.ref] = row.line
        existing = questions.get(row.ref)
        changes_key = existing is not None and (existing.kind != row.kind or existing._options_changed(row.options))
        if changes_key and existing.is_used():
            errors.append(
                _("Question “%(ref)s” has been used in exams: its kind and answer key cannot change.")
                % {"ref": row.ref}
            )
    return errors
