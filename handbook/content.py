"""The handbook's content as files: read and checked here, imported by handbook.importing.

A content folder holds text a clinician reviews in a git diff:

    topics/<slug>.md           a topic version: TOML front matter between `+++` lines, then
                               its sections in Markdown, each under `# <section>` with its
                               Chinese text under `## zh` and its English text under `## en`
    topics/**/<slug>.v<N>.md   earlier versions of a topic (any file under topics/ counts;
                               the slug is the file name up to its first dot)
    pathways/**/<slug>.v<N>.json  earlier versions of a pathway (the slug is the name up to its first dot)
    pathways/<slug>.json       a triage pathway version: its settings, and its table as the
                               document the editors' page edits (handbook.triage)
    drugs.json                 the dosing calculator's drugs, formulations and dosing rules
    videos/                    video lectures that topic files name

Every topic and pathway file says which version it is (`version`). Changing content means
raising that number (and writing the change note): the importer then makes the new
version through the review workflow. Nothing here touches the database.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from cloudpeds.accounts.models import Department

from .models import (
    VIDEO_TYPES,
    AgeBand,
    Colour,
    RowContent,
    SectionContent,
    SectionKind,
    Symptom,
    TopicContent,
    TopicVersion,
)
from .triage import DocumentError, PathwaySpec

FRONT_MATTER = "+++"
LANGUAGES = ("zh", "en")
_TOPIC_KEYS = {
    "version",
    "effective",
    "symptom",
    "age_bands",
    "order",
    "is_demo",
    "title_zh",
    "title_en",
    "summary_zh",
    "summary_en",
    "keywords_zh",
    "keywords_en",
    "change_note",
    "video",
    "chapters",
    "rows",
}
_ROW_KEYS = [f.name for f in RowContent.__dataclass_fields__.values()]
_PATHWAY_KEYS = {"version", "topic", "name_zh", "name_en", "specialty", "is_demo", "change_note", "document"}
_DRUG_KEYS = {"slug", "name_zh", "name_en", "notes_zh", "notes_en", "topics", "is_demo", "formulations", "dosing_rules"}
_FORMULATION_KEYS = {"name_zh", "name_en", "strength_mg", "volume_ml"}
_DOSING_RULE_KEYS = {
    "indication_zh",
    "indication_en",
    "mg_per_kg",
    "max_dose_mg",
    "doses_per_day",
    "min_age_months",
}


class ContentError(ValueError):
    """Content files that cannot be imported; `problems` names each file and what is wrong."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class TopicFile:
    path: Path
    slug: str
    version: int
    symptom: str
    age_bands: tuple[str, ...]
    order: int
    is_demo: bool
    effective: date | None
    content: TopicContent
    video: Path | None = None


@dataclass(frozen=True)
class PathwayFile:
    path: Path
    slug: str
    version: int
    topic: str
    name_zh: str
    name_en: str
    specialty: str
    is_demo: bool
    change_note: str
    document: dict[str, Any]

    @property
    def table(self) -> dict[str, Any]:
        """The document as the version stores it (every field explicit), to compare with one."""
        return PathwaySpec.from_document(self.document).as_document()


@dataclass(frozen=True)
class DrugFile:
    slug: str
    name_zh: str
    name_en: str
    notes_zh: str
    notes_en: str
    topics: tuple[str, ...]
    is_demo: bool
    formulations: tuple[dict[str, Any], ...]
    dosing_rules: tuple[dict[str, Any], ...]


@dataclass
class Content:
    """A content folder, read and checked."""

    topics: list[TopicFile] = field(default_factory=list)
    pathways: list[PathwayFile] = field(default_factory=list)
    drugs: list[DrugFile] = field(default_factory=list)


def read_folder(folder: Path) -> Content:
    """Every file of a content folder, or ContentError listing every problem found."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ContentError([f"{folder}: not a folder"])
    problems: list[str] = []
    content = Content()
    for path in sorted((folder / "topics").rglob("*.md")):
        try:
            content.topics.append(read_topic(path, folder))
        except ContentError as exc:
            problems += exc.problems
    for path in sorted((folder / "pathways").rglob("*.json")):
        try:
            content.pathways.append(read_pathway(path))
        except ContentError as exc:
            problems += exc.problems
    drugs = folder / "drugs.json"
    if drugs.exists():
        try:
            content.drugs = read_drugs(drugs)
        except ContentError as exc:
            problems += exc.problems
    seen: dict[tuple[str, int], Path] = {}
    for item in [*content.topics, *content.pathways]:
        key = (type(item).__name__ + ":" + item.slug, item.version)
        if key in seen:
            problems.append(f"{item.path}: version {item.version} of {item.slug} is also in {seen[key]}")
        seen[key] = item.path
    if problems:
        raise ContentError(problems)
    content.topics.sort(key=lambda item: (item.slug, item.version))
    content.pathways.sort(key=lambda item: (item.slug, item.version))
    return content


# --- Topics --------------------------------------------------------------------------------------


def read_topic(path: Path, folder: Path) -> TopicFile:
    """One topic file: front matter (TOML) and sections (Markdown)."""
    problems: list[str] = []

    def problem(message: str) -> None:
        problems.append(f"{path}: {message}")

    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    try:
        end = lines.index(FRONT_MATTER, 1) if lines and lines[0] == FRONT_MATTER else -1
    except ValueError:
        end = -1
    if end < 0:
        raise ContentError([f"{path}: the file must start with front matter between two {FRONT_MATTER} lines"])
    try:
        meta = tomllib.loads("\n".join(lines[1:end]))
    except tomllib.TOMLDecodeError as exc:
        raise ContentError([f"{path}: the front matter is not valid TOML ({exc})"]) from exc
    for key in sorted(set(meta) - _TOPIC_KEYS):
        problem(f"unknown setting “{key}”")

    version = meta.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        problem("“version” must be a whole number from 1")
        version = 0
    effective = meta.get("effective")
    if effective is not None and not isinstance(effective, date):
        problem("“effective” must be a date (2025-06-01)")
        effective = None
    symptom = meta.get("symptom")
    if symptom not in Symptom.values:
        problem(f"“symptom” must be one of {', '.join(Symptom.values)}")
    age_bands = meta.get("age_bands", [])
    if not isinstance(age_bands, list) or not age_bands or not set(age_bands) <= set(AgeBand.values):
        problem(f"“age_bands” must list some of {', '.join(AgeBand.values)}")
        age_bands = []
    order = meta.get("order", 0)
    if isinstance(order, bool) or not isinstance(order, int) or order < 0:
        problem("“order” must be a whole number")
        order = 0
    texts = {}
    for name in ("title", "summary", "keywords"):
        for lang in LANGUAGES:
            value = meta.get(f"{name}_{lang}", "")
            if not isinstance(value, str) or (name == "title" and not value.strip()):
                problem(f"“{name}_{lang}” must be {'a title' if name == 'title' else 'text'}")
                value = ""
            limit = TopicVersion._meta.get_field(f"{name}_{lang}").max_length
            if limit is not None and len(value.strip()) > limit:
                problem(f"“{name}_{lang}” has {len(value.strip())} characters; at most {limit} fit")
            texts[f"{name}_{lang}"] = value.strip()
    change_note = meta.get("change_note", "")
    if not isinstance(change_note, str):
        problem("“change_note” must be text")
        change_note = ""

    video = None
    if meta.get("video"):
        video = folder / str(meta["video"])
        if video.suffix.lstrip(".").lower() not in VIDEO_TYPES:
            problem("“video” must be an MP4 or WebM file")
        elif not video.is_file():
            problem(f"no video file {video}")
    chapters = meta.get("chapters", {})
    if not isinstance(chapters, dict) or not set(chapters) <= set(SectionKind.values):
        problem(f"“chapters” may name only the sections {', '.join(SectionKind.values)}")
        chapters = {}
    for kind, seconds in chapters.items():
        if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 0:
            problem(f"the chapter of “{kind}” must be a whole number of seconds")
    if chapters and video is None:
        problem("“chapters” need a “video”")

    rows = []
    for number, row in enumerate(meta.get("rows", []), 1):
        if not isinstance(row, dict) or set(row) != set(_ROW_KEYS) or not all(isinstance(v, str) for v in row.values()):
            problem(f"row {number} must have exactly {', '.join(_ROW_KEYS)}, as text")
            continue
        if row["colour"] not in Colour.values:
            problem(f"row {number}: “colour” must be one of {', '.join(Colour.values)}")
        rows.append(RowContent(**{key: row[key].strip() for key in _ROW_KEYS}))

    bodies = _sections(lines[end + 1 :], problem)
    if problems:
        raise ContentError(problems)
    sections = {
        kind: SectionContent(
            body_zh=bodies.get((kind, "zh"), ""),
            body_en=bodies.get((kind, "en"), ""),
            video_start_seconds=chapters.get(kind),
        )
        for kind in SectionKind.values
    }
    return TopicFile(
        path=path,
        slug=path.name.split(".", 1)[0],
        version=version,
        symptom=symptom,
        age_bands=tuple(age_bands),
        order=order,
        is_demo=bool(meta.get("is_demo", False)),
        effective=effective,
        content=TopicContent(
            **texts, change_note=change_note.strip(), sections=sections, rows=tuple(rows), has_video=video is not None
        ),
        video=video,
    )


def _sections(lines: list[str], problem) -> dict[tuple[str, str], str]:
    """`# <section>` then `## zh` / `## en` headings; the text under each, trimmed."""
    bodies: dict[tuple[str, str], list[str]] = {}
    kind, lang = "", ""
    for number, line in enumerate(lines, 1):
        if line.startswith("# "):
            kind, lang = line[2:].strip(), ""
            if kind not in SectionKind.values:
                problem(f"unknown section “# {kind}” (the sections are {', '.join(SectionKind.values)})")
        elif line.strip() in ("## zh", "## en"):
            if not kind:
                problem(f"line {number}: “{line.strip()}” before any “# <section>”")
            lang = line.strip()[3:]
            if (kind, lang) in bodies:
                problem(f"“# {kind}” has two “## {lang}” parts")
            bodies[(kind, lang)] = []
        elif lang:
            bodies[(kind, lang)].append(line)
        elif line.strip():
            problem(f"line {number}: text outside a “## zh” or “## en” part")
    return {key: "\n".join(text).strip() for key, text in bodies.items()}


# --- Pathways ------------------------------------------------------------------------------------


def read_pathway(path: Path) -> PathwayFile:
    problems: list[str] = []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ContentError([f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})"]) from exc
    if not isinstance(data, dict):
        raise ContentError([f"{path}: must be a JSON object"])
    for key in sorted(set(data) - _PATHWAY_KEYS):
        problems.append(f"{path}: unknown setting “{key}”")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        problems.append(f"{path}: “version” must be a whole number from 1")
    for key in ("topic", "name_zh", "name_en"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            problems.append(f"{path}: “{key}” is required")
    specialty = data.get("specialty", Department.Specialty.GENERAL_PEDIATRICS)
    if specialty not in Department.Specialty.values:
        problems.append(f"{path}: “specialty” must be one of {', '.join(Department.Specialty.values)}")
    try:
        PathwaySpec.from_document(data.get("document"))
    except DocumentError as exc:
        problems += [f"{path}: document: {problem}" for problem in exc.problems]
    if problems:
        raise ContentError(problems)
    return PathwayFile(
        path=path,
        slug=path.name.split(".", 1)[0],
        version=version,
        topic=data["topic"],
        name_zh=data["name_zh"].strip(),
        name_en=data["name_en"].strip(),
        specialty=specialty,
        is_demo=bool(data.get("is_demo", False)),
        change_note=str(data.get("change_note", "")).strip(),
        document=data["document"],
    )


# --- Drugs ---------------------------------------------------------------------------------------


def read_drugs(path: Path) -> list[DrugFile]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ContentError([f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})"]) from exc
    if not isinstance(data, list):
        raise ContentError([f"{path}: must be a list of drugs"])
    problems: list[str] = []
    drugs = []
    for number, item in enumerate(data, 1):
        where = f"{path}: drug {number}"
        if not isinstance(item, dict) or set(item) - _DRUG_KEYS or not item.get("slug"):
            problems.append(f"{where}: a drug has a “slug” and only {', '.join(sorted(_DRUG_KEYS))}")
            continue
        formulations = [
            _numbers(f, _FORMULATION_KEYS, ("strength_mg", "volume_ml"), where, problems)
            for f in item.get("formulations", [])
        ]
        rules = [
            _numbers(r, _DOSING_RULE_KEYS, ("mg_per_kg", "max_dose_mg"), where, problems)
            for r in item.get("dosing_rules", [])
        ]
        drugs.append(
            DrugFile(
                slug=item["slug"],
                name_zh=item.get("name_zh", ""),
                name_en=item.get("name_en", ""),
                notes_zh=item.get("notes_zh", ""),
                notes_en=item.get("notes_en", ""),
                topics=tuple(item.get("topics", [])),
                is_demo=bool(item.get("is_demo", False)),
                formulations=tuple(formulations),
                dosing_rules=tuple(rules),
            )
        )
    if problems:
        raise ContentError(problems)
    return drugs


def _numbers(item: Any, keys: set[str], decimals: tuple[str, ...], where: str, problems: list[str]) -> dict[str, Any]:
    """A formulation or dosing rule with its amounts as exact decimals."""
    if not isinstance(item, dict) or set(item) - keys:
        problems.append(f"{where}: only {', '.join(sorted(keys))} are allowed")
        return {}
    values = dict(item)
    for key in decimals:
        try:
            values[key] = Decimal(str(item[key]))
        except (KeyError, InvalidOperation):
            problems.append(f"{where}: “{key}” must be a number")
    return values
