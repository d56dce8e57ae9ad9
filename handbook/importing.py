"""Import a content folder (handbook.content) through the handbook's own workflow.

For each topic and pathway file, version N of its subject:

- the handbook has version N already: it must say what the file says (else the file was
  changed without a new version number, and the import is refused); nothing is written;
- the handbook's latest version is N - 1 (or there is no such topic or pathway and N is 1):
  `author` writes version N as a draft with the same model methods the editors' pages
  call, sends it for review, and `approver` approves it (the two-person rule);
- anything else (a gap, or a version being edited in the portal) is refused.

Drugs are not versioned (the admin edits them): they are created or updated by slug.
One transaction: a refused file leaves the handbook as it was. Running the import again
on unchanged files creates nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from cloudpeds.accounts.models import User

from .content import Content, ContentError, DrugFile, PathwayFile, TopicFile, read_folder
from .models import OPEN_STATUSES, DosingRule, Drug, Formulation, Pathway, PathwayVersion, Topic, TopicVersion

# Back-dated versions (the demo's history) are approved at this time on their effective date.
APPROVED_AT = time(10, 0)


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    drugs: int = 0

    def lines(self) -> list[str]:
        summary = f"{len(self.created)} versions added, {len(self.unchanged)} unchanged, {self.drugs} drugs"
        return [f"Handbook content: {summary}.", *(f"  + {name}" for name in self.created)]


def import_folder(folder: Path, *, author: User, approver: User, backdate: bool = False) -> ImportReport:
    """Import every file of `folder`; ContentError (nothing written) if any is refused.

    With `backdate`, a topic version with an effective date is dated as if written two weeks
    before it, sent for review a week before, and approved on the day.
    """
    content = read_folder(folder)
    report = ImportReport()
    with transaction.atomic():
        _import(content, author, approver, backdate, report)
    return report


def _import(content: Content, author: User, approver: User, backdate: bool, report: ImportReport) -> None:
    problems: list[str] = []
    for item in content.topics:
        try:
            _topic(item, author, approver, backdate, report)
        except ContentError as exc:
            problems += exc.problems
    for item in content.pathways:
        try:
            _pathway(item, author, approver, report)
        except ContentError as exc:
            problems += exc.problems
    for position, item in enumerate(content.drugs):
        _drug(item, position)
        report.drugs += 1
    if problems:
        raise ContentError(problems)


def _existing(item: TopicFile | PathwayFile, versions, latest: int) -> bool:
    """True if the file's version is already there; ContentError if it cannot be imported."""
    if item.version <= latest:
        stored = versions.get(number=item.version)
        if stored.status in OPEN_STATUSES:
            raise ContentError([f"{item.path}: version {item.version} is being edited in the handbook"])
        return True
    if item.version != latest + 1:
        raise ContentError([f"{item.path}: version {item.version} follows version {latest}: a version is missing"])
    editing = versions.filter(status__in=OPEN_STATUSES).first()
    if editing is not None:
        raise ContentError([f"{item.path}: version {editing.number} is being edited in the handbook"])
    return False


# --- Topics --------------------------------------------------------------------------------------


def _topic(item: TopicFile, author: User, approver: User, backdate: bool, report: ImportReport) -> None:
    name = f"topic {item.slug} v{item.version}"
    topic = Topic.objects.filter(slug=item.slug).first()
    if topic is None and item.version != 1:
        raise ContentError([f"{item.path}: version {item.version} of a topic the handbook does not have"])
    if topic is not None:
        latest = topic.latest_version()
        if _existing(item, topic.versions.all(), latest.number if latest else 0):
            stored = topic.versions.prefetch_related("sections", "classification_rows").get(number=item.version)
            if stored.content() != item.content:
                raise ContentError(
                    [f"{item.path}: differs from version {item.version} in the handbook: give it a new version number"]
                )
            _settings(topic, item)
            report.unchanged.append(name)
            return
        _settings(topic, item)
        draft = topic.start_draft(author)
    else:
        draft = Topic.create_with_draft(
            author,
            slug=item.slug,
            symptom=item.symptom,
            age_bands=list(item.age_bands),
            order=item.order,
            title_zh=item.content.title_zh,
            title_en=item.content.title_en,
        )
        _settings(draft.topic, item)
    if item.video is not None and not _same_video(draft, item.video):
        with item.video.open("rb") as handle:
            draft.replace_content(author, item.content, File(handle, name=item.video.name))
    else:
        draft.replace_content(author, item.content)
    approved_at = None
    if backdate and item.effective is not None:
        approved_at = timezone.make_aware(datetime.combine(item.effective, APPROVED_AT))
        written_at = approved_at - timedelta(days=14)
        TopicVersion.objects.filter(pk=draft.pk).update(created_at=written_at)
        draft.events.update(at=written_at)
    draft.submit(author, now=approved_at - timedelta(days=7) if approved_at else None)
    draft.approve(approver, effective_date=item.effective, now=approved_at)
    report.created.append(name)


def _same_video(draft: TopicVersion, video: Path) -> bool:
    """Whether the draft already has this lecture (copied from the version before it)."""
    return (
        bool(draft.video) and draft.video.storage.exists(draft.video.name) and draft.video.size == video.stat().st_size
    )


def _settings(topic: Topic, item: TopicFile) -> None:
    """The topic's own settings (not versioned: the editors' settings page changes them in place)."""
    wanted = {"symptom": item.symptom, "age_bands": list(item.age_bands), "order": item.order, "is_demo": item.is_demo}
    changed = [name for name, value in wanted.items() if getattr(topic, name) != value]
    for name in changed:
        setattr(topic, name, wanted[name])
    if changed:
        topic.save(update_fields=changed)


# --- Pathways ------------------------------------------------------------------------------------


def _pathway(item: PathwayFile, author: User, approver: User, report: ImportReport) -> None:
    name = f"pathway {item.slug} v{item.version}"
    pathway = Pathway.objects.filter(slug=item.slug).first()
    if pathway is None:
        if item.version != 1:
            raise ContentError([f"{item.path}: version {item.version} of a pathway the handbook does not have"])
        topic = Topic.objects.filter(slug=item.topic).first()
        if topic is None:
            raise ContentError([f"{item.path}: no topic “{item.topic}” for this pathway"])
        draft = Pathway.create_with_draft(
            author,
            topic=topic,
            slug=item.slug,
            name_zh=item.name_zh,
            name_en=item.name_en,
            specialty=item.specialty,
        )
        pathway = draft.pathway
        draft.replace_content(author, item.document, item.change_note)
    else:
        latest = pathway.versions.order_by("-number").first()
        if _existing(item, pathway.versions.all(), latest.number if latest else 0):
            stored: PathwayVersion = pathway.versions.get(number=item.version)
            if stored.document != item.table:
                raise ContentError(
                    [f"{item.path}: differs from version {item.version} in the handbook: give it a new version number"]
                )
            _pathway_settings(pathway, item)
            report.unchanged.append(name)
            return
        draft = pathway.start_draft(author)
        draft.replace_content(author, item.document, item.change_note)
    _pathway_settings(pathway, item)
    draft.submit(author)
    # The files were reviewed in git; the approver of the import takes the impact as computed.
    result = draft.impact_against_published()
    draft.approve(approver, impact_seen=len(result.changes) if result is not None else None)
    report.created.append(name)


def _pathway_settings(pathway: Pathway, item: PathwayFile) -> None:
    wanted = {"name_zh": item.name_zh, "name_en": item.name_en, "specialty": item.specialty, "is_demo": item.is_demo}
    changed = [name for name, value in wanted.items() if getattr(pathway, name) != value]
    for name in changed:
        setattr(pathway, name, wanted[name])
    if changed:
        pathway.save(update_fields=changed)


# --- Drugs ---------------------------------------------------------------------------------------


def _drug(item: DrugFile, position: int) -> Drug:
    drug, _created = Drug.objects.update_or_create(
        slug=item.slug,
        defaults={
            "name_zh": item.name_zh,
            "name_en": item.name_en,
            "notes_zh": item.notes_zh,
            "notes_en": item.notes_en,
            "is_demo": item.is_demo,
            "position": position,
        },
    )
    drug.topics.set(Topic.objects.filter(slug__in=item.topics))
    # Keyed by position so that importing again updates rows instead of replacing them.
    for index, formulation in enumerate(item.formulations):
        Formulation.objects.update_or_create(drug=drug, position=index, defaults=formulation)
    drug.formulations.filter(position__gte=len(item.formulations)).delete()
    for index, rule in enumerate(item.dosing_rules):
        DosingRule.objects.update_or_create(drug=drug, position=index, defaults=rule)
    drug.dosing_rules.filter(position__gte=len(item.dosing_rules)).delete()
    return drug
