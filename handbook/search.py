"""Chinese and English search: segmentation and highlighted snippets.

PostgreSQL's parser does not split Chinese (a sentence becomes one token), so text is cut
into words here with rjieba and stored space-separated in a `simple` tsvector; a query is
cut the same way. Documents use the search mode cut (which also emits the parts of long
words: 呼吸困难 gives 呼吸, 困难 and 呼吸困难) so that a query for a part finds the whole.
English text is also indexed with the `english` configuration for stemming (wheezing finds
wheeze). Snippets are highlighted here in Python on the unsegmented text: ts_headline
would show the segmenter's spaces between Chinese words.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import rjieba
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

MAX_QUERY_LENGTH = 200
MAX_QUERY_WORDS = 12

# Function words that would make an AND query fail without adding meaning.
_STOP_WORDS = frozenset(
    [
        "的",
        "了",
        "和",
        "或",
        "与",
        "及",
        "是",
        "在",
        "有",
        "为",
        "对",
        "等",
        "也",
        "就",
        "都",
        "而",
        "把",
        "被",
        "之",
        "吗",
        "呢",
        "怎么",
        "怎么办",
        "如何",
        "什么",
    ]
)
_NOT_WORD = re.compile(r"[^\w.]+")
_ASCII_WORD = re.compile(r"^[a-z0-9.]+$")
_ENGLISH_SUFFIXES = ("ing", "es", "ed", "s")


def _clean(token: str) -> str:
    # Only letters, digits and inner dots survive (37.5 stays one number): nothing that
    # websearch_to_tsquery could read as syntax (quotes, a leading minus, "or" aside).
    return _NOT_WORD.sub("", token).strip(".").lower()


def document_words(text: str) -> str:
    """Text cut into words for the index, separated by spaces."""
    return " ".join(word for word in map(_clean, rjieba.cut_for_search(text)) if word)


def query_words(query: str) -> list[str]:
    """The words of a search box entry: cut, cleaned, function words dropped, no duplicates."""
    words: list[str] = []
    for token in rjieba.cut(query[:MAX_QUERY_LENGTH]):
        word = _clean(token)
        if word and word not in words:
            words.append(word)
    meaningful = [word for word in words if word not in _STOP_WORDS and word != "or"]
    return meaningful[:MAX_QUERY_WORDS]


SYNONYMS_FILE = Path(__file__).resolve().parent / "data" / "synonyms.toml"


@cache
def synonym_groups() -> dict[str, tuple[str, ...]]:
    """Each word of handbook/data/synonyms.toml to its group (in file order, the word first)."""
    with SYNONYMS_FILE.open("rb") as file:
        groups = tomllib.load(file)["groups"]
    lookup: dict[str, tuple[str, ...]] = {}
    for group in groups:
        cleaned = [word for word in (_clean(item) for item in group) if word]
        for word in cleaned:
            lookup.setdefault(word, tuple(dict.fromkeys([word, *cleaned])))
    return lookup


def expanded_words(words: list[str]) -> list[tuple[str, ...]]:
    """Each query word with its synonyms (itself alone when it has none)."""
    groups = synonym_groups()
    return [groups.get(word, (word,)) for word in words]


def _term_pattern(word: str) -> str:
    if _ASCII_WORD.match(word):
        stem = word
        for suffix in _ENGLISH_SUFFIXES:
            if len(word) > len(suffix) + 3 and word.endswith(suffix):
                stem = word[: -len(suffix)]
                break
        # An English word matches at a word start with any ending (wheeze, wheezing).
        return r"\b" + re.escape(stem) + r"\w*"
    return re.escape(word)


def highlight(text: str, words: Iterable[str], width: int = 180) -> SafeString:
    """A window of `text` around the first match, every match in <mark>, the rest escaped."""
    terms = sorted(set(words), key=len, reverse=True)
    if not text:
        return mark_safe("")
    pattern = re.compile("|".join(_term_pattern(word) for word in terms), re.IGNORECASE) if terms else None
    first = pattern.search(text) if pattern else None
    start = max(0, first.start() - width // 3) if first else 0
    end = min(len(text), start + width)
    piece = text[start:end]
    parts = ["…" if start > 0 else ""]
    position = 0
    for match in pattern.finditer(piece) if pattern else ():
        parts.append(str(escape(piece[position : match.start()])))
        parts.append(f"<mark>{escape(match.group())}</mark>")
        position = match.end()
    parts.append(str(escape(piece[position:])))
    parts.append("…" if end < len(text) else "")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text was escaped above


def has_match(text: str, words: Iterable[str]) -> bool:
    terms = list(words)
    if not terms or not text:
        return False
    return re.search("|".join(_term_pattern(word) for word in terms), text, re.IGNORECASE) is not None


def best_snippet(texts: dict[str, str], words: list[str], prefer: str) -> tuple[SafeString, str]:
    """The highlighted snippet in the preferred language, or in the other one if only it
    has the words (a Chinese query on an English page still shows where it matched)."""
    languages = [prefer, *(lang for lang in texts if lang != prefer)]
    lang = next((lang for lang in languages if has_match(texts[lang], words)), prefer)
    return highlight(texts[lang], words), lang
