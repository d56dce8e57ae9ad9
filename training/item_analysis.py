"""Item analysis: how each question of an exam performs.

For every question, over the submitted attempts that drew it:

- difficulty `p`: the share of those attempts that answered it correctly;
- discrimination `d`: the share correct in the upper group minus the share correct in the
  lower group, the groups being the top and bottom 27% of all submitted attempts of the
  exam ranked by their total score (Kelley's groups). Only group members that drew the
  question count towards its shares;
- the point-biserial correlation `r_pb` between answering the question correctly (1/0) and
  the attempt's total score, over the attempts that drew it:
  r = (M1 − M0) / s · √(p·q), s the population standard deviation of those totals.

A question is flagged for review when most of the strong candidates who drew it got it wrong
(upper-group share below one half: often a wrong key or an ambiguous stem), or when weak
candidates do better on it than strong ones (negative discrimination).

Every attempt counts, first or repeated: each is a sitting with its own random paper.

Pure: no database here. `Exam.item_analysis()` reads the sittings and the questions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from .models import Question

GROUP_SHARE = Decimal("0.27")

FLAG_MISSED_BY_STRONG = "missed_by_strong"
FLAG_NEGATIVE = "negative"
FLAG_LABELS = {
    FLAG_MISSED_BY_STRONG: _("Most strong candidates miss it: check the key and the wording."),
    FLAG_NEGATIVE: _("Weak candidates do better than strong ones."),
}


@dataclass(frozen=True)
class Sitting:
    """One submitted attempt: its total score and which questions it got right."""

    key: int
    score: float
    answers: dict[int, bool]  # question id -> correct


@dataclass
class ItemStats:
    question_id: int
    n: int = 0
    correct: int = 0
    upper_n: int = 0
    upper_correct: int = 0
    lower_n: int = 0
    lower_correct: int = 0
    point_biserial: float | None = None
    flags: list[str] = field(default_factory=list)
    question: Question | None = None

    @property
    def p(self) -> float | None:
        return self.correct / self.n if self.n else None

    @property
    def upper_p(self) -> float | None:
        return self.upper_correct / self.upper_n if self.upper_n else None

    @property
    def lower_p(self) -> float | None:
        return self.lower_correct / self.lower_n if self.lower_n else None

    @property
    def discrimination(self) -> float | None:
        if self.upper_p is None or self.lower_p is None:
            return None
        return self.upper_p - self.lower_p

    @property
    def flag_labels(self) -> list[str]:
        return [str(FLAG_LABELS[flag]) for flag in self.flags]


def group_size(count: int) -> int:
    """27% of the sittings, rounded half up; the two groups never overlap."""
    size = int((GROUP_SHARE * count).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    return min(size, count // 2)


def analyse(sittings: list[Sitting]) -> dict[int, ItemStats]:
    """Statistics per question id. `sittings` in a stable order: ties in total score are
    broken by that order (earlier first), so the groups do not change between page loads."""
    ranked = sorted(sittings, key=lambda s: -s.score)  # sorted() is stable
    size = group_size(len(ranked))
    upper = {s.key for s in ranked[:size]}
    lower = {s.key for s in ranked[len(ranked) - size :]} if size else set()

    stats: dict[int, ItemStats] = {}
    for sitting in sittings:
        for question_id, correct in sitting.answers.items():
            item = stats.setdefault(question_id, ItemStats(question_id=question_id))
            item.n += 1
            item.correct += correct
            if sitting.key in upper:
                item.upper_n += 1
                item.upper_correct += correct
            if sitting.key in lower:
                item.lower_n += 1
                item.lower_correct += correct

    for question_id, item in stats.items():
        scores = [(s.score, s.answers[question_id]) for s in sittings if question_id in s.answers]
        item.point_biserial = _point_biserial(scores)
        if item.upper_p is not None and item.upper_p < 0.5:
            item.flags.append(FLAG_MISSED_BY_STRONG)
        if item.discrimination is not None and item.discrimination < 0:
            item.flags.append(FLAG_NEGATIVE)
    return stats


def _point_biserial(scores: list[tuple[float, bool]]) -> float | None:
    n = len(scores)
    right = [score for score, correct in scores if correct]
    wrong = [score for score, correct in scores if not correct]
    if not right or not wrong:
        return None
    mean = sum(score for score, _c in scores) / n
    sd = math.sqrt(sum((score - mean) ** 2 for score, _c in scores) / n)
    if sd == 0:
        return None
    p = len(right) / n
    return (sum(right) / len(right) - sum(wrong) / len(wrong)) / sd * math.sqrt(p * (1 - p))
