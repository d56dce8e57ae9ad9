"""Pathway versions: test cases gate publication, the two-person rule, and the editors' pages."""

from __future__ import annotations

import copy
import json
import re

import pytest

from handbook.models import HandbookError, Pathway, PathwayVersion, PathwayVersionEvent, VersionStatus
from handbook.triage import PathwaySpec

from .triage_support import document, publish_pathway, write_pathway

pytestmark = pytest.mark.django_db


def _broken(slug: str = "cough") -> dict:
    """The demo table with one case expecting the wrong thing: 10 months at 52/min is pneumonia."""
    table = document(slug)
    case = next(case for case in table["test_cases"] if case["name"].startswith("10 months 52/min"))
    case["expected"] = "cough_or_cold"
    return table


def _stored(version: PathwayVersion) -> PathwayVersion:
    return PathwayVersion.objects.get(pk=version.pk)


def _submitted(author) -> PathwayVersion:
    version = write_pathway(author)
    version.submit(author)
    return version


def _case(version: PathwayVersion, prefix: str) -> dict:
    return next(case for case in _stored(version).document["test_cases"] if case["name"].startswith(prefix))


# --- The model -------------------------------------------------------------------------------------


def test_a_new_pathway_starts_as_a_draft_with_its_table(editor2) -> None:
    version = write_pathway(editor2)

    stored = _stored(version)
    assert version.status == VersionStatus.DRAFT
    assert version.number == 1
    assert len(stored.document["questions"]) == 10
    assert len(stored.document["rules"]) == 8
    assert len(stored.document["test_cases"]) == len(document("cough")["test_cases"])
    assert version.pathway.current_version is None


def test_the_stored_document_gives_back_the_same_table(editor2) -> None:
    version = write_pathway(editor2)

    stored = _stored(version).document

    assert PathwaySpec.from_document(stored) == PathwaySpec.from_document(document("cough"))
    assert json.loads(json.dumps(stored)) == stored
    # Stored as the spec writes it, every field explicit: what the editors then edit.
    assert PathwaySpec.from_document(stored).as_document() == stored


def test_submission_is_refused_while_a_case_fails_and_the_case_is_named(editor2) -> None:
    version = write_pathway(editor2, table=_broken())

    with pytest.raises(HandbookError) as refused:
        version.submit(editor2)

    assert "1 of 31 test cases fail" in str(refused.value)
    assert "10 months 52/min (10 months)" in str(refused.value)
    assert _stored(version).status == VersionStatus.DRAFT
    assert not PathwayVersionEvent.objects.filter(kind="submitted").exists()


def test_submission_is_refused_without_test_cases(editor2) -> None:
    table = document("cough")
    table["test_cases"] = []
    version = write_pathway(editor2, table=table)

    with pytest.raises(HandbookError, match="Add test cases"):
        version.submit(editor2)


def test_approval_reruns_the_cases(editor, editor2) -> None:
    version = _submitted(editor2)
    # A case changed after the submission (through the database: the pages refuse it).
    table = _stored(version).document
    next(case for case in table["test_cases"] if case["name"].startswith("10 months 52/min"))["expected"] = (
        "cough_or_cold"
    )
    PathwayVersion.objects.filter(pk=version.pk).update(document=table)

    with pytest.raises(HandbookError, match="10 months 52/min"):
        version.approve(editor)

    assert _stored(version).status == VersionStatus.IN_REVIEW
    assert Pathway.objects.get().current_version is None


def test_the_author_cannot_approve_their_own_version(editor2) -> None:
    version = _submitted(editor2)

    with pytest.raises(HandbookError, match="Another editor must approve"):
        version.approve(editor2)

    assert _stored(version).status == VersionStatus.IN_REVIEW


def test_only_handbook_editors_approve(editor2, reader) -> None:
    version = _submitted(editor2)

    with pytest.raises(HandbookError, match="Only handbook editors"):
        version.approve(reader)


def test_another_editor_approves_and_publishes(editor, editor2) -> None:
    version = publish_pathway(editor2, editor)

    stored = _stored(version)
    assert stored.status == VersionStatus.PUBLISHED
    assert stored.approved_by == editor
    assert Pathway.objects.get().current_version == stored
    assert list(stored.events.values_list("kind", "actor__username")) == [
        ("created", "editor2"),
        ("submitted", "editor2"),
        ("approved", "editor"),
    ]


def test_a_new_version_supersedes_the_published_one(editor, editor2) -> None:
    first = publish_pathway(editor2, editor)
    draft = first.pathway.start_draft(editor2)
    assert draft.number == 2
    assert draft.document == first.document

    draft.submit(editor2)
    draft.approve(editor, impact_seen=0)  # the same table: nobody changes colour

    assert _stored(first).status == VersionStatus.SUPERSEDED
    assert _stored(draft).status == VersionStatus.PUBLISHED
    assert Pathway.objects.get().current_version_id == draft.pk


def test_one_draft_at_a_time(editor, editor2) -> None:
    first = publish_pathway(editor2, editor)

    assert first.pathway.start_draft(editor2) == first.pathway.start_draft(editor)


def test_only_the_author_changes_a_draft(editor, editor2) -> None:
    version = write_pathway(editor2)

    with pytest.raises(HandbookError, match="Only the author"):
        version.replace_content(editor, _broken())


def test_a_returned_version_needs_a_note(editor, editor2) -> None:
    version = _submitted(editor2)

    with pytest.raises(HandbookError, match="Say what should change"):
        version.return_to_draft(editor, "")
    version.return_to_draft(editor, "Add a case at 59 days.")

    assert _stored(version).status == VersionStatus.DRAFT


# --- The pages ---------------------------------------------------------------------------------------


def _url(version: PathwayVersion, action: str = "") -> str:
    base = f"/handbook/pathways/{version.pathway.slug}/v/{version.number}/"
    return base + (f"{action}/" if action else "")


def test_the_version_page_lists_each_case_with_pass_or_fail_and_the_actual_result(client, editor2) -> None:
    version = write_pathway(editor2, table=_broken())
    client.force_login(editor2)

    response = client.get(_url(version))

    assert response.status_code == 200
    html = response.content.decode()
    assert "1 fails" in html
    failing = [result for result in response.context["results"] if not result.passed]
    assert [(r.name, r.expected_name, r.actual_name) for r in failing] == [
        ("10 months 52/min (10 months)", "Cough or cold", "Pneumonia")
    ]
    assert html.count('data-passed="false"') == 1
    assert html.count('data-passed="true"') == 30


def test_sending_a_failing_version_for_review_names_the_failing_case(client, editor2) -> None:
    version = write_pathway(editor2, table=_broken())
    client.force_login(editor2)

    response = client.post(_url(version, "submit"), follow=True)

    assert response.redirect_chain[-1][0] == _url(version) + "#tests"
    assert "10 months 52/min (10 months)" in response.content.decode()
    assert _stored(version).status == VersionStatus.DRAFT


def test_the_author_sends_for_review_and_another_editor_approves(client, editor, editor2) -> None:
    version = write_pathway(editor2)
    client.force_login(editor2)
    assert client.post(_url(version, "submit"), {"note": "IMCI 2014"}).status_code == 302
    assert _stored(version).status == VersionStatus.IN_REVIEW

    client.post(_url(version, "approve"))
    assert _stored(version).status == VersionStatus.IN_REVIEW  # the author: refused

    client.force_login(editor)
    response = client.post(_url(version, "approve"))

    assert response.status_code == 302
    assert _stored(version).status == VersionStatus.PUBLISHED
    assert _stored(version).approved_by == editor


def test_a_reviewer_returns_a_version(client, editor, editor2) -> None:
    version = _submitted(editor2)
    client.force_login(editor)

    client.post(_url(version, "return"), {"note": "Cite the 2019 booklet."})

    assert _stored(version).status == VersionStatus.DRAFT
    assert version.events.filter(kind="returned", note="Cite the 2019 booklet.").exists()


def test_the_author_edits_the_table_as_a_document(client, editor2) -> None:
    version = write_pathway(editor2)
    client.force_login(editor2)
    assert client.get(_url(version, "table")).status_code == 200

    response = client.post(_url(version, "table"), {"document": json.dumps(_broken())})

    assert response.status_code == 302
    assert _case(version, "10 months 52/min")["expected"] == "cough_or_cold"


def test_a_document_with_mistakes_is_refused_and_nothing_changes(client, editor2) -> None:
    version = write_pathway(editor2)
    client.force_login(editor2)
    table = document("cough")
    table["rules"][0]["classification"] = "unknown"

    response = client.post(_url(version, "table"), {"document": json.dumps(table)})

    assert response.status_code == 200
    assert "must be the code of a classification above" in response.content.decode()
    assert _stored(version).document["rules"][0]["classification"] == "severe_pneumonia"
    assert client.post(_url(version, "table"), {"document": "{not json"}).status_code == 200


def test_another_editor_cannot_edit_the_authors_draft(client, editor, editor2) -> None:
    version = write_pathway(editor2)
    client.force_login(editor)

    assert client.get(_url(version, "table")).status_code == 403


def test_an_editor_starts_a_pathway_for_a_topic(client, editor) -> None:
    from tests.factories import TopicFactory

    topic = TopicFactory(slug="sore-throat", created_by=editor)
    client.force_login(editor)
    assert client.get("/handbook/pathways/new/").status_code == 200

    response = client.post(
        "/handbook/pathways/new/",
        {
            "topic": topic.pk,
            "slug": "sore-throat",
            "name_zh": "咽痛",
            "name_en": "Sore throat",
            "specialty": "general_pediatrics",
        },
    )

    assert response.status_code == 302
    pathway = Pathway.objects.get(slug="sore-throat")
    assert pathway.versions.get().author == editor


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/handbook/pathways/"),
        ("get", "/handbook/pathways/new/"),
        ("get", "/handbook/pathways/cough/v/1/"),
        ("get", "/handbook/pathways/cough/v/1/table/"),
        ("post", "/handbook/pathways/cough/v/1/submit/"),
        ("post", "/handbook/pathways/cough/v/1/approve/"),
        ("post", "/handbook/pathways/cough/v/1/return/"),
        ("post", "/handbook/pathways/cough/drafts/"),
    ],
)
def test_editor_pages_are_refused_to_other_roles(client, editor2, reader, method, path) -> None:
    version = _submitted(editor2)
    client.force_login(reader)

    response = getattr(client, method)(path)

    assert response.status_code == 403
    assert _stored(version).status == VersionStatus.IN_REVIEW
    assert Pathway.objects.get().versions.count() == 1


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/handbook/pathways/cough/v/1/submit/"),
        ("get", "/handbook/pathways/cough/v/1/approve/"),
        ("get", "/handbook/pathways/cough/drafts/"),
        ("post", "/handbook/pathways/cough/v/1/"),
        ("post", "/handbook/pathways/"),
    ],
)
def test_wrong_methods(client, editor2, method, path) -> None:
    write_pathway(editor2)
    client.force_login(editor2)

    assert getattr(client, method)(path).status_code == 405
    assert PathwayVersion.objects.get().status == VersionStatus.DRAFT


def test_the_list_shows_versions_waiting_for_my_review(client, editor, editor2) -> None:
    _submitted(editor2)
    client.force_login(editor)

    response = client.get("/handbook/pathways/")

    assert response.status_code == 200
    assert [str(v) for v in response.context["to_review"]] == ["cough v1"]


def _raise_cough_threshold(document: dict) -> dict:
    """≥ 40 becomes ≥ 41 and the author edits the expectations that would have failed."""
    from handbook.triage import PathwaySpec

    for rule in document["rules"]:
        for condition in rule["conditions"]:
            if condition.get("question") == "respiratory_rate" and condition.get("threshold") == 40:
                condition["threshold"] = 41
    failing = {r.name for r in PathwaySpec.from_document(document).run_cases() if not r.passed}
    for case in document["test_cases"]:
        if case["name"] in failing:
            case["expected"] = PathwaySpec.from_document(document).default.code
    return document


def test_approval_needs_the_impact_analysis_seen_and_records_it(editor, editor2) -> None:
    first = publish_pathway(editor2, editor)
    draft = first.pathway.start_draft(editor2)
    changed = _raise_cough_threshold(copy.deepcopy(draft.document))
    draft.replace_content(editor2, changed)
    draft.submit(editor2)
    result = draft.impact_against_published()
    assert result.changes  # the children at RR 40 from 12 months turn green

    with pytest.raises(HandbookError, match="Review the impact analysis first"):
        draft.approve(editor)
    with pytest.raises(HandbookError, match="Review the impact analysis first"):
        draft.approve(editor, impact_seen=len(result.changes) - 1)
    assert _stored(draft).status == VersionStatus.IN_REVIEW

    draft.approve(editor, impact_seen=len(result.changes))

    stored = _stored(draft)
    assert stored.status == VersionStatus.PUBLISHED
    assert stored.impact_seen == {"checked": result.checked, "changes": len(result.changes)}


def test_the_review_page_shows_the_rule_diff_and_the_children_who_change(client, editor, editor2) -> None:
    first = publish_pathway(editor2, editor)
    draft = first.pathway.start_draft(editor2)
    draft.replace_content(editor2, _raise_cough_threshold(copy.deepcopy(draft.document)))
    draft.submit(editor2)
    client.force_login(editor)

    html = client.get(draft.get_absolute_url()).content.decode()

    assert 'data-testid="rule-diff"' in html and "41" in html
    assert 'data-testid="impact"' in html
    assert 'name="impact_seen"' in html


@pytest.mark.parametrize(
    ("language", "kind", "colour", "foreign"),
    [("zh-hans", "已修改", "黄色", ("changed", "(yellow)")), ("en", "changed", "(yellow)", ("已修改", "黄色"))],
)
def test_the_rule_diff_speaks_the_readers_language(client, editor, editor2, language, kind, colour, foreign) -> None:
    first = publish_pathway(editor2, editor)
    draft = first.pathway.start_draft(editor2)
    draft.replace_content(editor2, _raise_cough_threshold(copy.deepcopy(draft.document)))
    editor2.preferred_language = language
    editor2.save(update_fields=["preferred_language"])
    client.force_login(editor2)

    html = client.get(draft.get_absolute_url()).content.decode()

    start = html.index('data-testid="rule-diff"')
    diff = re.sub(r"<[^>]+>", " ", html[start : html.index("</ul>", start)])  # the words, not the markup
    assert kind in diff and colour in diff
    assert not any(word in diff for word in foreign), diff


def test_the_author_sees_the_impact_analysis_while_drafting(client, editor, editor2) -> None:
    first = publish_pathway(editor2, editor)
    draft = first.pathway.start_draft(editor2)
    draft.replace_content(editor2, _raise_cough_threshold(copy.deepcopy(draft.document)))
    client.force_login(editor2)

    html = client.get(draft.get_absolute_url()).content.decode()

    assert 'data-testid="impact"' in html and "respiratory rate 40 /min" in html
    assert 'name="impact_seen"' not in html  # only the approver confirms it
