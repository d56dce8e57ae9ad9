"""`manage.py import_handbook`: a content folder imported through the review workflow
(handbook.importing), and the files checked before anything is written (handbook.content)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from handbook.demo import CONTENT
from handbook.models import Drug, Pathway, PathwayVersion, Topic, TopicVersion, TopicVersionEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def folder(tmp_path) -> Path:
    """A content folder with one topic (fever), its pathway and the demo drugs."""
    (tmp_path / "topics").mkdir()
    (tmp_path / "pathways").mkdir()
    # The demo's current fever files, numbered as the first version of a fresh handbook.
    topic = re.sub(r"^change_note = .*\n", "", (CONTENT / "topics" / "fever.md").read_text(), count=1, flags=re.M)
    (tmp_path / "topics" / "fever.md").write_text(re.sub(r"^version = \d+$", "version = 1", topic, count=1, flags=re.M))
    pathway = json.loads((CONTENT / "pathways" / "fever.json").read_text())
    pathway["version"] = 1
    (tmp_path / "pathways" / "fever.json").write_text(json.dumps(pathway, ensure_ascii=False))
    shutil.copy(CONTENT / "drugs.json", tmp_path / "drugs.json")
    (tmp_path / "videos").mkdir()
    shutil.copy(CONTENT / "videos" / "fever.mp4", tmp_path / "videos" / "fever.mp4")
    return tmp_path


def _import(folder: Path, author: str = "editor2", approver: str = "editor") -> str:
    import io

    out = io.StringIO()
    call_command("import_handbook", str(folder), author=author, approver=approver, stdout=out)
    return out.getvalue()


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def _counts() -> tuple[int, ...]:
    return (
        TopicVersion.objects.count(),
        TopicVersionEvent.objects.count(),
        PathwayVersion.objects.count(),
        Drug.objects.count(),
    )


def test_the_files_become_published_versions_written_and_approved_by_two_editors(folder, editor, editor2) -> None:
    out = _import(folder)

    version = Topic.objects.get(slug="fever").current_version
    assert (version.number, version.status, version.author, version.approved_by) == (1, "published", editor2, editor)
    assert list(version.events.values_list("kind", "actor__username")) == [
        ("created", "editor2"),
        ("submitted", "editor2"),
        ("approved", "editor"),
    ]
    assert version.title_en == "Fever"
    assert version.sections.get(kind="danger_signs").body_en.startswith("Any one general danger sign")
    assert version.classification_rows.count() == 3
    assert version.effective_date.isoformat() == "2026-12-07"
    pathway = Pathway.objects.get(slug="fever")
    assert (pathway.current_version.author, pathway.current_version.approved_by) == (editor2, editor)
    assert all(result.passed for result in pathway.current_version.test_results())
    assert set(Drug.objects.values_list("slug", flat=True)) == {"paracetamol", "ibuprofen", "amoxicillin"}
    assert "2 versions added, 0 unchanged, 3 drugs" in out


def test_importing_unchanged_files_again_creates_nothing(folder, editor, editor2) -> None:
    _import(folder)
    before = _counts()

    out = _import(folder)

    assert _counts() == before
    assert "0 versions added, 2 unchanged" in out


def test_a_file_with_a_new_version_number_makes_the_next_version(folder, editor, editor2) -> None:
    _import(folder)
    topic = folder / "topics" / "fever.md"
    _edit(topic, "version = 1", "version = 2")
    _edit(topic, 'title_en = "Fever"', 'title_en = "Fever in children"\nchange_note = "A clearer title."')
    pathway = folder / "pathways" / "fever.json"
    data = json.loads(pathway.read_text())
    data["version"] = 2
    data["document"]["classifications"][0]["name_en"] = "Very severe febrile disease (refer now)"
    pathway.write_text(json.dumps(data, ensure_ascii=False))

    _import(folder)

    old, new = TopicVersion.objects.filter(topic__slug="fever").order_by("number")
    assert (old.status, new.status) == ("superseded", "published")
    assert (new.title_en, new.change_note, new.author.username) == ("Fever in children", "A clearer title.", "editor2")
    versions = PathwayVersion.objects.filter(pathway__slug="fever").order_by("number")
    assert [v.status for v in versions] == ["superseded", "published"]
    assert versions[1].document["classifications"][0]["name_en"] == "Very severe febrile disease (refer now)"


def test_a_new_version_keeps_its_lecture_or_takes_the_new_one(folder, editor, editor2) -> None:
    lecture = folder / "videos" / "lecture.mp4"
    lecture.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"1" * 100)
    topic = folder / "topics" / "fever.md"
    _edit(topic, 'video = "videos/fever.mp4"', 'video = "videos/lecture.mp4"')
    _import(folder)
    _edit(topic, "version = 1", "version = 2")
    _import(folder)
    lecture.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"2" * 200)
    _edit(topic, "version = 2", "version = 3")

    _import(folder)

    videos = dict(TopicVersion.objects.filter(topic__slug="fever").values_list("number", "video"))
    assert videos == {
        1: "handbook/videos/fever/v1.mp4",
        2: "handbook/videos/fever/v1.mp4",  # the same lecture: not stored again
        3: "handbook/videos/fever/v3.mp4",
    }
    assert TopicVersion.objects.get(topic__slug="fever", number=3).video.size == 212


def test_a_file_changed_without_a_new_version_number_is_refused(folder, editor, editor2) -> None:
    _import(folder)
    before = _counts()
    _edit(folder / "topics" / "fever.md", 'title_en = "Fever"', 'title_en = "Fever (edited)"')

    with pytest.raises(CommandError, match="differs from version 1 in the handbook: give it a new version number"):
        _import(folder)

    assert _counts() == before


def test_a_version_being_edited_in_the_portal_is_refused(folder, editor, editor2) -> None:
    _import(folder)
    Topic.objects.get(slug="fever").start_draft(editor)
    _edit(folder / "topics" / "fever.md", "version = 1", "version = 2")

    with pytest.raises(CommandError, match="version 2 is being edited in the handbook"):
        _import(folder)

    assert TopicVersion.objects.get(topic__slug="fever", number=2).status == "draft"


def test_a_new_version_is_refused_while_another_is_being_edited_in_the_portal(folder, editor, editor2) -> None:
    _import(folder)
    Topic.objects.get(slug="fever").start_draft(editor2)
    _edit(folder / "topics" / "fever.md", "version = 1", "version = 3")

    with pytest.raises(CommandError, match="version 2 is being edited in the handbook"):
        _import(folder)

    assert list(TopicVersion.objects.filter(topic__slug="fever").values_list("number", "status")) == [
        (2, "draft"),
        (1, "published"),
    ]


def test_a_missing_version_is_refused(folder, editor, editor2) -> None:
    _edit(folder / "topics" / "fever.md", "version = 1", "version = 3")

    with pytest.raises(CommandError, match="version 3 of a topic the handbook does not have"):
        _import(folder)

    assert _counts() == (0, 0, 0, 0)


def test_the_author_cannot_approve_their_own_versions_and_nothing_is_written(folder, editor2) -> None:
    with pytest.raises(CommandError, match="Another editor must approve"):
        _import(folder, author="editor2", approver="editor2")

    assert _counts() == (0, 0, 0, 0)


def test_unknown_people_are_refused(folder, editor) -> None:
    with pytest.raises(CommandError, match="No such user: nobody"):
        _import(folder, author="nobody", approver="editor")


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ('symptom = "fever"', 'symptom = "fevers"', "“symptom” must be one of"),
        ("version = 1", 'version = "one"', "“version” must be a whole number from 1"),
        ("# management", "# treatment", "unknown section “# treatment”"),
        ('colour = "red"', 'colour = "crimson"', "“colour” must be one of"),
        ("order = 1", "order = = 1", "the front matter is not valid TOML"),
        ("is_demo = true", 'is_demo = true\nauthor = "x"', "unknown setting “author”"),
        ('keywords_zh = "', 'keywords_zh = "' + "发烧 " * 100, "“keywords_zh” has 3"),  # not a database error
    ],
)
def test_every_problem_of_a_topic_file_is_named_and_nothing_is_written(
    folder, editor, editor2, old, new, problem
) -> None:
    _edit(folder / "topics" / "fever.md", old, new)

    with pytest.raises(CommandError) as refused:
        _import(folder)

    assert "fever.md" in str(refused.value)
    assert problem in str(refused.value)
    assert _counts() == (0, 0, 0, 0)


def test_a_pathway_document_with_mistakes_is_named_with_the_editors_messages(folder, editor, editor2) -> None:
    pathway = folder / "pathways" / "fever.json"
    data = json.loads(pathway.read_text())
    data["document"]["rules"][0]["classification"] = "unknown"
    pathway.write_text(json.dumps(data))

    with pytest.raises(CommandError, match=r"fever\.json: document: rule 1: “classification” must be the code"):
        _import(folder)

    assert _counts() == (0, 0, 0, 0)
