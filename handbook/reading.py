"""A version laid out for reading in one language or both side by side.

The page, the print view and the PDFs all show the same thing, built here once: section
bodies rendered from Markdown (sanitised), the classification table, the video chapters.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from cloudpeds.core.text import render_markdown

from .models import Colour, SectionKind, TopicVersion, VersionStatus

LANGUAGE_CHOICES = ("zh", "en", "both")
HTML_LANG = {"zh": "zh-CN", "en": "en"}


def ui_language() -> str:
    return "en" if (get_language() or settings.LANGUAGE_CODE).startswith("en") else "zh"


def reading_languages(choice: str | None) -> tuple[str, ...]:
    """The languages to show: ?lang=zh, en or both; by default the interface language."""
    if choice == "both":
        return ("zh", "en")
    if choice in ("zh", "en"):
        return (choice,)
    return (ui_language(),)


def language_choice(langs: tuple[str, ...]) -> str:
    return "both" if len(langs) > 1 else langs[0]


@dataclass(frozen=True)
class Localized:
    lang: str
    text: str | SafeString

    @property
    def html_lang(self) -> str:
        return HTML_LANG[self.lang]


@dataclass(frozen=True)
class RowColumn:
    lang: str
    signs: SafeString
    classification: str
    action: SafeString

    @property
    def html_lang(self) -> str:
        return HTML_LANG[self.lang]


@dataclass(frozen=True)
class RowView:
    colour: str
    colour_label: str
    columns: list[RowColumn]


@dataclass(frozen=True)
class Chapter:
    label: str
    anchor: str
    seconds: int

    @property
    def timestamp(self) -> str:
        minutes, seconds = divmod(self.seconds, 60)
        return f"{minutes}:{seconds:02d}"


@dataclass(frozen=True)
class SectionView:
    kind: str
    label: str
    anchor: str
    columns: list[Localized]
    video_start: int | None
    is_classification: bool

    @property
    def is_empty(self) -> bool:
        return not any(column.text for column in self.columns)


@dataclass
class TopicPage:
    version: TopicVersion
    langs: tuple[str, ...]
    titles: list[Localized]
    summaries: list[Localized]
    sections: list[SectionView] = field(default_factory=list)
    rows: list[RowView] = field(default_factory=list)
    chapters: list[Chapter] = field(default_factory=list)

    @property
    def choice(self) -> str:
        return language_choice(self.langs)

    @property
    def side_by_side(self) -> bool:
        return len(self.langs) > 1


# Bump when what build_page makes changes (the Markdown renderer, the sanitiser's rules, the
# layout objects): pages cached by the code before are then never read again.
PAGE_CACHE_GENERATION = 1
PAGE_CACHE_SECONDS = 7 * 24 * 3600
_FROZEN = (VersionStatus.PUBLISHED, VersionStatus.SUPERSEDED)
_CACHED_PARTS = ("titles", "summaries", "sections", "rows", "chapters")


def _page_key(version: TopicVersion, langs: tuple[str, ...]) -> str | None:
    """The cache key of a version's page, or None when its content may still change.

    Only approved versions are cached: their sections and rows are never edited again (an
    edit is a new version), so the key needs no invalidation. The approval time is part of
    it so that a database re-seeded under the same cache cannot read another version 1's
    page; the interface language is, for the section and colour labels.
    """
    if version.status not in _FROZEN or version.approved_at is None:
        return None
    approved = version.approved_at.timestamp()
    return f"handbook:page:{PAGE_CACHE_GENERATION}:{version.pk}:{approved}:{'-'.join(langs)}:{ui_language()}"


def cached_page(version: TopicVersion, langs: tuple[str, ...]) -> TopicPage:
    """build_page(version, langs), kept in the cache for published and superseded versions:
    rendering and sanitising the Markdown of every section and row was most of the topic
    page's own work (issue 17). Sections and rows are read only when it is not cached."""
    key = _page_key(version, langs)
    parts = cache.get(key) if key else None
    if parts is None:
        page = build_page(version, langs)
        if key:
            cache.set(key, {name: getattr(page, name) for name in _CACHED_PARTS}, PAGE_CACHE_SECONDS)
        return page
    return TopicPage(version=version, langs=langs, **parts)


def build_page(version: TopicVersion, langs: tuple[str, ...]) -> TopicPage:
    """`version` with its sections and classification rows (prefetch them for lists)."""
    page = TopicPage(
        version=version,
        langs=langs,
        titles=[Localized(lang, version.localized("title", lang)) for lang in langs],
        summaries=[
            Localized(lang, render_markdown(version.localized("summary", lang)))
            for lang in langs
            if version.localized("summary", lang)
        ],
    )
    for section in version.sections.all():
        label = str(SectionKind(section.kind).label)
        page.sections.append(
            SectionView(
                kind=section.kind,
                label=label,
                anchor=section.anchor,
                columns=[Localized(lang, render_markdown(section.localized("body", lang))) for lang in langs],
                video_start=section.video_start_seconds,
                is_classification=section.kind == SectionKind.CLASSIFICATION,
            )
        )
        if section.video_start_seconds is not None:
            page.chapters.append(Chapter(label, section.anchor, section.video_start_seconds))
    page.chapters.sort(key=lambda chapter: chapter.seconds)
    for row in version.classification_rows.all():
        page.rows.append(
            RowView(
                colour=row.colour,
                colour_label=str(Colour(row.colour).label),
                columns=[
                    RowColumn(
                        lang=lang,
                        signs=render_markdown(row.localized("signs", lang)),
                        classification=row.localized("classification", lang),
                        action=render_markdown(row.localized("action", lang)),
                    )
                    for lang in langs
                ],
            )
        )
    return page
