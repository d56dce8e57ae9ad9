"""What changed between two versions of a topic, section by section, in both languages.

Texts are compared word by word: rjieba cuts Chinese into words (and keeps every space,
newline and punctuation mark as a token of its own), so one changed word shows as one
change instead of a rewritten sentence, and joining the tokens gives back the text.

Both sides are normalised first (line endings, trailing spaces: normalise_text), so a section
carried over unchanged is unchanged even if one version was stored from a browser's CRLF.
A change is shown two ways: rendered, paragraph by paragraph as a reader sees it
(`TextChange.blocks`), and as the word diff of the Markdown source (`TextChange.chunks`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

import rjieba
from django.utils import translation
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from cloudpeds.core.text import render_markdown

from .models import SectionKind, TopicVersion, normalise_text

LANGUAGES = ("zh", "en")


@dataclass(frozen=True)
class Chunk:
    op: str  # "equal", "insert" or "delete"
    text: str


@dataclass(frozen=True)
class Block:
    """A paragraph (or list, or table) of the text, rendered as the reader sees it."""

    op: str  # "equal", "insert" or "delete"
    html: SafeString


@dataclass
class TextChange:
    lang: str
    chunks: list[Chunk]
    blocks: list[Block] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(chunk.op != "equal" for chunk in self.chunks)


@dataclass
class PartChange:
    label: str
    anchor: str
    texts: list[TextChange] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(text.changed for text in self.texts)


def tokens(text: str) -> list[str]:
    return list(rjieba.cut(text)) if text else []


def _is_glue(tokens_: list[str]) -> bool:
    # A space or a colon between two changed words: showing it as unchanged chops a rewritten
    # phrase ("Red: urgent referral" → "Yellow: specific treatment") into word salad.
    text = "".join(tokens_)
    return len(text) <= 2 and not any(char.isalnum() for char in text)


def diff_text(old: str, new: str) -> list[Chunk]:
    a, b = tokens(old), tokens(new)
    opcodes = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    # Merge changes separated only by glue into one replaced phrase.
    merged: list[list] = []
    for index, (op, a1, a2, b1, b2) in enumerate(opcodes):
        between_changes = 0 < index < len(opcodes) - 1 and merged and merged[-1][0] != "equal"
        if op == "equal" and between_changes and _is_glue(a[a1:a2]):
            op = "replace"
        if op != "equal" and merged and merged[-1][0] != "equal":
            merged[-1][2], merged[-1][4] = a2, b2
        else:
            merged.append([op, a1, a2, b1, b2])
    chunks: list[Chunk] = []
    for op, a1, a2, b1, b2 in merged:
        if op == "equal":
            chunks.append(Chunk("equal", "".join(a[a1:a2])))
            continue
        if a2 > a1:
            chunks.append(Chunk("delete", "".join(a[a1:a2])))
        if b2 > b1:
            chunks.append(Chunk("insert", "".join(b[b1:b2])))
    return chunks


_BLANK_LINES = re.compile(r"\n[ \t]*\n+")


def _blocks(text: str) -> list[str]:
    return [block for block in _BLANK_LINES.split(text) if block.strip()]


def diff_rendered(old: str, new: str) -> list[Block]:
    """The new text's paragraphs rendered, with the removed ones of the old text in place."""
    a, b = _blocks(old), _blocks(new)
    result: list[Block] = []
    for op, a1, a2, b1, b2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            result.extend(Block("equal", render_markdown(block)) for block in b[b1:b2])
            continue
        result.extend(Block("delete", render_markdown(block)) for block in a[a1:a2])
        result.extend(Block("insert", render_markdown(block)) for block in b[b1:b2])
    return result


def _text_change(lang: str, old: str, new: str) -> TextChange:
    old, new = normalise_text(old), normalise_text(new)
    change = TextChange(lang, diff_text(old, new))
    if change.changed:
        change.blocks = diff_rendered(old, new)
    return change


def _part(label: str, anchor: str, old: dict[str, str], new: dict[str, str]) -> PartChange:
    return PartChange(
        label=label,
        anchor=anchor,
        texts=[_text_change(lang, old.get(lang, ""), new.get(lang, "")) for lang in LANGUAGES],
    )


def _sections(version: TopicVersion) -> dict[str, dict[str, str]]:
    return {
        section.kind: {lang: section.localized("body", lang) for lang in LANGUAGES}
        for section in version.sections.all()
    }


def _table(version: TopicVersion) -> dict[str, str]:
    rows = list(version.classification_rows.all())
    table = {}
    for lang in LANGUAGES:
        # The colour's label in the column's language, whatever the reader's.
        with translation.override("zh-hans" if lang == "zh" else "en"):
            table[lang] = "\n".join(row.as_text(lang) for row in rows)
    return table


def compare(old: TopicVersion, new: TopicVersion) -> list[PartChange]:
    """Every part of the topic, old against new; unchanged parts are included (marked so)."""
    parts = [
        _part(
            str(_("Title")),
            "title",
            {lang: old.localized("title", lang) for lang in LANGUAGES},
            {lang: new.localized("title", lang) for lang in LANGUAGES},
        ),
        _part(
            str(_("Summary")),
            "summary",
            {lang: old.localized("summary", lang) for lang in LANGUAGES},
            {lang: new.localized("summary", lang) for lang in LANGUAGES},
        ),
    ]
    old_sections, new_sections = _sections(old), _sections(new)
    for kind in SectionKind:
        parts.append(
            _part(str(kind.label), f"section-{kind.value}", old_sections.get(kind, {}), new_sections.get(kind, {}))
        )
        if kind == SectionKind.CLASSIFICATION:
            parts.append(_part(str(_("Classification table")), "classification-table", _table(old), _table(new)))
    return parts
