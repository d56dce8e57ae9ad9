"""One source of truth: a topic's classification table and its pathway must say the same.

A reader uses the topic's table, a doctor at the bedside the pathway; when they disagree
(the table says "fast breathing", the pathway "above 50"), one of them misleads at the
boundary. The check, run when either is sent for review or approved and when content is
imported:

- the same colours: every colour a pathway can conclude has a row in the table, and every
  row's colour is one the pathway can conclude;
- every threshold of a rule that leads to a colour is written in a row of that colour, with
  the same number and the same kind of boundary, in both languages: `> 50` as "above 50"
  and "＞50 / 超过50", `≥ 50` as "50 or more" and "≥50", so that RR 50 reads the same in both.

Nothing here touches the database: rows are (colour, signs_zh, signs_en).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext

from .triage import Operator, PathwaySpec, number_text

# Between the number and the words: an optional unit ("38 °C or above", "3 seconds or more").
_UNIT = r"\s*(?:°C|%|/min|breaths per minute|seconds?|days?|per minute)?\s*"
_EN = {
    Operator.GT: (r"(?:above|more than|over)\s+{n}\b", None),
    Operator.GTE: (r"\b{n}" + _UNIT + r"or (?:more|above)", r"(?:≥|>=)\s*{n}\b"),
    Operator.LT: (r"(?:below|under|less than)\s+{n}\b", r"<\s*{n}\b"),
    Operator.LTE: (r"\b{n}" + _UNIT + r"or (?:less|below)", r"(?:≤|<=)\s*{n}\b"),
}
_ZH = {
    Operator.GT: r"(?:>|＞|超过|高于|大于)\s*{n}(?![0-9.])",
    Operator.GTE: r"(?:≥|>=)\s*{n}(?![0-9.])|{n}\s*\S{{0,4}}(?:或以上|及以上)",
    Operator.LT: r"(?:<|＜|低于|小于|不足)\s*{n}(?![0-9.])",
    Operator.LTE: r"(?:≤|<=)\s*{n}(?![0-9.])|{n}\s*\S{{0,4}}(?:或以下|及以下)",
}


@dataclass(frozen=True)
class Row:
    colour: str
    signs_zh: str
    signs_en: str


def table_rows(topic_version: Any) -> list[Row]:
    """The rows of a topic version's classification table (a handbook.models.TopicVersion)."""
    return [Row(row.colour, row.signs_zh, row.signs_en) for row in topic_version.classification_rows.all()]


def _says(text: str, pattern: str | None, number: str) -> bool:
    if pattern is None:
        return False
    return re.search(pattern.format(n=re.escape(number)), text, flags=re.IGNORECASE) is not None


def disagreements(rows: Iterable[Row], spec: PathwaySpec) -> list[str]:
    """What the table and the pathway say differently; empty when they agree."""
    rows = list(rows)
    problems: list[str] = []
    concluded = {c.colour for c in spec.classifications if not c.is_note}
    table_colours = {row.colour for row in rows}
    for colour in sorted(concluded - table_colours):
        message = gettext("the pathway concludes %(colour)s but the table has no %(colour)s row")
        problems.append(message % {"colour": colour})
    for colour in sorted(table_colours - concluded):
        problems.append(gettext("the table has a %(colour)s row the pathway never concludes") % {"colour": colour})
    for rule in spec.rules:
        if rule.classification.is_note:
            continue
        colour = rule.classification.colour
        same_colour = [row for row in rows if row.colour == colour]
        for condition in rule.conditions:
            if condition.operator == Operator.EQ or condition.threshold is None:
                continue
            number = number_text(condition.threshold)
            english, symbol = _EN[condition.operator]
            in_en = any(
                _says(row.signs_en, english, number) or _says(row.signs_en, symbol, number) for row in same_colour
            )
            in_zh = any(_says(row.signs_zh, _ZH[condition.operator], number) for row in same_colour)
            if not (in_en and in_zh):
                problems.append(
                    gettext(
                        "the pathway's rule “%(rule)s” (%(condition)s) is not written in the table's %(colour)s row "
                        "with the same boundary (%(missing)s)"
                    )
                    % {
                        "rule": rule.label or rule.describe(),
                        "condition": condition.describe(),
                        "colour": colour,
                        "missing": ", ".join(lang for lang, ok in (("English", in_en), ("中文", in_zh)) if not ok),
                    }
                )
    return problems
