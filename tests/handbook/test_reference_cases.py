"""Reference cases of clinical safety (issue 14, 4): owned by the clinical-safety role, changed
only through a second reviewer's approval, run at every pathway publication; the issue's
scenario (≥ 40 made ≥ 41 with the author's failing cases edited) is refused by them."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from cloudpeds.accounts.roles import Role
from handbook.demo import CONTENT, seed_reference_cases
from handbook.models import (
    HandbookError,
    Pathway,
    PathwayVersion,
    ProposalKind,
    ReferenceCase,
    ReferenceCaseProposal,
    VersionStatus,
)
from handbook.triage import PathwaySpec, TestCase
from tests.factories import UserFactory

from .triage_support import publish_pathway

pytestmark = pytest.mark.django_db

REFERENCE = json.loads((CONTENT / "reference_cases.json").read_text())


@pytest.fixture
def safety(xinhua):
    return UserFactory(username="safety", hospital=xinhua, roles=[Role.CLINICAL_SAFETY], preferred_language="en")


@pytest.fixture
def safety2(xinhua):
    return UserFactory(username="safety2", hospital=xinhua, roles=[Role.CLINICAL_SAFETY], preferred_language="en")


def _answers(**changes):
    case = next(c for c in REFERENCE["pathways"]["cough"] if c["name"].endswith("3 years RR 40"))
    return {**case["answers"], **changes}


def _propose(user, pathway, name="3 years RR 40", **kwargs) -> ReferenceCaseProposal:
    fields = {
        "kind": ProposalKind.ADD,
        "reason": "IMCI: 12 months to 5 years, fast breathing is 40 or more",
        "name": name,
        "born": date(2023, 1, 15),
        "assessed_on": date(2026, 1, 15),
        "answers": _answers(),
        "expected": "pneumonia",
    }
    fields.update(kwargs)
    return ReferenceCaseProposal.propose(user, pathway=pathway, **fields)


def _raised_threshold(version: PathwayVersion) -> dict:
    """The issue's change: ≥ 40 becomes ≥ 41 and the author edits the cases that would fail."""
    document = json.loads(json.dumps(version.document))
    for rule in document["rules"]:
        for condition in rule["conditions"]:
            if condition["question"] == "respiratory_rate" and condition.get("threshold") == 40:
                condition["threshold"] = 41
    failing = {r.name for r in PathwaySpec.from_document(document).run_cases() if not r.passed}
    assert failing  # the author's cases did catch it ...
    for case in document["test_cases"]:
        if case["name"] in failing:
            case["expected"] = "cough_or_cold"  # ... until the author edited them
    assert all(r.passed for r in PathwaySpec.from_document(document).run_cases())
    return document


# --- The two-person rule of clinical safety ---------------------------------------------------


def test_a_proposal_counts_only_after_a_second_reviewer_approves(editor, editor2, safety, safety2) -> None:
    pathway = publish_pathway(editor2, editor).pathway
    proposal = _propose(safety, pathway)
    assert not ReferenceCase.objects.exists()

    with pytest.raises(HandbookError, match="second clinical-safety reviewer"):
        proposal.approve(safety)
    assert not ReferenceCase.objects.exists()

    proposal.approve(safety2, "checked")
    case = ReferenceCase.objects.get()
    assert (case.name, case.expected, case.is_active) == ("3 years RR 40", "pneumonia", True)
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by, proposal.case) == ("approved", safety2, case)


def test_editors_and_authors_cannot_propose_or_approve(editor, editor2, safety) -> None:
    pathway = publish_pathway(editor2, editor).pathway
    with pytest.raises(HandbookError, match="Only clinical-safety reviewers"):
        _propose(editor2, pathway)
    proposal = _propose(safety, pathway)
    with pytest.raises(HandbookError, match="Only clinical-safety reviewers"):
        proposal.approve(editor)
    assert not ReferenceCase.objects.exists()


def test_a_change_and_a_retirement_are_proposals_too_and_history_is_kept(editor, editor2, safety, safety2) -> None:
    pathway = publish_pathway(editor2, editor).pathway
    _propose(safety, pathway).approve(safety2)
    case = ReferenceCase.objects.get()

    change = _propose(safety2, pathway, kind=ProposalKind.CHANGE, case=case, expected="cough_or_cold")
    case.refresh_from_db()
    assert case.expected == "pneumonia"  # not yet
    with pytest.raises(HandbookError, match="already has a proposal"):
        _propose(safety, pathway, kind=ProposalKind.RETIRE, case=case)
    change.reject(safety, "IMCI says 40 or more")
    case.refresh_from_db()
    assert case.expected == "pneumonia"

    ReferenceCaseProposal.propose(safety, pathway=pathway, kind=ProposalKind.RETIRE, case=case, reason="dup")
    ReferenceCaseProposal.objects.get(status="pending").approve(safety2)
    case.refresh_from_db()
    assert not case.is_active
    assert list(ReferenceCaseProposal.objects.order_by("pk").values_list("kind", "status")) == [
        ("add", "approved"),
        ("change", "rejected"),
        ("retire", "approved"),
    ]
    assert case.pgh_event_model.objects.filter(pgh_obj_id=case.pk).count() >= 2  # pghistory


# --- The publication gate ---------------------------------------------------------------------


def test_the_issues_scenario_is_refused_by_the_reference_cases(editor, editor2, safety, safety2) -> None:
    published = publish_pathway(editor2, editor)
    _propose(safety, published.pathway).approve(safety2)
    draft = published.pathway.start_draft(editor2)
    draft.replace_content(editor2, _raised_threshold(draft))

    with pytest.raises(HandbookError) as refused:
        draft.submit(editor2)

    assert "1 of 1 reference cases of clinical safety fail: 3 years RR 40" in str(refused.value)
    assert PathwayVersion.objects.get(pk=draft.pk).status == VersionStatus.DRAFT


def test_approval_reruns_the_reference_cases(editor, editor2, safety, safety2) -> None:
    published = publish_pathway(editor2, editor)
    draft = published.pathway.start_draft(editor2)
    draft.replace_content(editor2, _raised_threshold(draft))
    draft.submit(editor2)  # no reference case yet: it passes the gate
    _propose(safety, published.pathway).approve(safety2)  # clinical safety adds one during the review

    with pytest.raises(HandbookError, match="reference cases of clinical safety fail"):
        draft.approve(editor, impact_seen=len(draft.impact_against_published().changes))

    assert Pathway.objects.get().current_version_id == published.pk


def test_the_impact_analysis_lists_the_reference_case_child(editor, editor2, safety, safety2) -> None:
    published = publish_pathway(editor2, editor)
    _propose(safety, published.pathway).approve(safety2)
    draft = published.pathway.start_draft(editor2)
    draft.replace_content(editor2, _raised_threshold(draft))
    with translation.override("en"):
        result = draft.impact_against_published()
    names = {c.child.name for c in result.changes}
    assert "Reference case: 3 years RR 40" in names
    assert all((c.before_colour, c.after_colour) == ("yellow", "green") for c in result.changes)


def test_the_demo_reference_cases_pass_the_demo_pathways_and_cover_the_boundaries() -> None:
    names = []
    for slug, cases in REFERENCE["pathways"].items():
        spec = PathwaySpec.from_document(json.loads((CONTENT / "pathways" / f"{slug}.json").read_text())["document"])
        for c in cases:
            case = TestCase(
                c["name"],
                date.fromisoformat(c["born"]),
                date.fromisoformat(c["assessed_on"]),
                c["answers"],
                c["expected"],
                tuple(c["expected_notes"]),
            )
            result = spec.run_case(case)
            assert result.passed, (slug, c["name"], result.actual, result.error)
            names.append(c["name"])
    for boundary in [
        "59 days RR 60",
        "60 days RR 49",
        "60 days RR 50",
        "11 months RR 50",
        "12 months RR 39",
        "3 years RR 40",
        "2 months 38.0 °C",
        "3 months 38.0 °C",
        "3 months 39.0 °C",
        "6 months 39.0 °C",
        "2 years 37.4 °C, no fever history",
        "8 months RR 50",
        "8 months RR 51",
        "2 years RR 41",
        "2 years RR 61",
        "2 years SpO2 95 %",
        "2 years capillary refill 3 s",
    ]:
        assert any(name.endswith(boundary) for name in names), boundary


def test_the_demo_seed_goes_through_two_reviewers(editor, editor2, safety, safety2) -> None:
    publish_pathway(editor2, editor)
    seed_reference_cases(io.StringIO())
    seed_reference_cases(io.StringIO())  # idempotent
    count = len(REFERENCE["pathways"]["cough"])
    assert ReferenceCase.objects.count() == count
    assert set(ReferenceCaseProposal.objects.values_list("proposed_by__username", "decided_by__username")) == {
        ("safety", "safety2")
    }


# --- The pages ---------------------------------------------------------------------------------


def _urls(pathway, proposal, case) -> list[tuple[str, str]]:
    return [
        ("get", reverse("handbook:reference_index")),
        ("get", reverse("handbook:reference_cases", args=[pathway.slug])),
        ("get", reverse("handbook:reference_propose", args=[pathway.slug])),
        ("post", reverse("handbook:reference_propose", args=[pathway.slug])),
        ("post", reverse("handbook:reference_retire", args=[pathway.slug, case.pk])),
        ("post", reverse("handbook:reference_approve", args=[proposal.pk])),
        ("post", reverse("handbook:reference_reject", args=[proposal.pk])),
    ]


def test_editors_and_doctors_are_refused_every_page(client, editor, editor2, safety, safety2, doctor) -> None:
    pathway = publish_pathway(editor2, editor).pathway
    _propose(safety, pathway).approve(safety2)
    case = ReferenceCase.objects.get()
    proposal = _propose(safety, pathway, kind=ProposalKind.CHANGE, case=case, expected="cough_or_cold")
    for user in (editor, editor2, doctor):
        client.force_login(user)
        for method, url in _urls(pathway, proposal, case):
            response = getattr(client, method)(url, {"note": "x", "reason": "x"} if method == "post" else None)
            assert response.status_code == 403, (user.username, url)
    proposal.refresh_from_db()
    assert proposal.status == "pending"
    assert ReferenceCase.objects.get().expected == "pneumonia"


def test_an_unknown_pathway_or_proposal_is_404(client, safety) -> None:
    client.force_login(safety)
    assert client.get(reverse("handbook:reference_cases", args=["nope"])).status_code == 404
    assert client.post(reverse("handbook:reference_approve", args=[999])).status_code == 404


def test_propose_and_approve_through_the_pages(client, editor, editor2, safety, safety2) -> None:
    pathway = publish_pathway(editor2, editor).pathway
    client.force_login(safety)
    data = {
        "name": "3 years RR 40",
        "born": "2023-01-15",
        "assessed_on": "2026-01-15",
        "answers": json.dumps(_answers()),
        "expected": "pneumonia",
        "reason": "IMCI",
    }
    assert client.post(reverse("handbook:reference_propose", args=[pathway.slug]), data).status_code == 302
    proposal = ReferenceCaseProposal.objects.get()
    page = client.get(reverse("handbook:reference_cases", args=[pathway.slug])).content.decode()
    assert "Awaiting a second clinical-safety reviewer" in page
    # The proposer's own approval is refused.
    client.post(reverse("handbook:reference_approve", args=[proposal.pk]))
    assert not ReferenceCase.objects.exists()

    client.force_login(safety2)
    client.post(reverse("handbook:reference_approve", args=[proposal.pk]), {"note": "ok"})
    client.post(reverse("handbook:reference_approve", args=[proposal.pk]), {"note": "ok"})  # double submit
    assert ReferenceCase.objects.count() == 1
    page = client.get(reverse("handbook:reference_cases", args=[pathway.slug])).content.decode()
    assert "passes" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("answers", "{not json", "This is not valid JSON."),
        ("answers", json.dumps({"heart_rate": 100}), "There is no question"),
        ("assessed_on", "2020-01-01", "The assessment date is before the date of birth."),
        ("reason", "", "This field is required."),
    ],
)
def test_bad_input_is_shown_and_nothing_is_proposed(client, editor, editor2, safety, field, value, message) -> None:
    pathway = publish_pathway(editor2, editor).pathway
    client.force_login(safety)
    data = {
        "name": "x",
        "born": "2023-01-15",
        "assessed_on": "2026-01-15",
        "answers": json.dumps(_answers()),
        "expected": "pneumonia",
        "reason": "IMCI",
        field: value,
    }
    response = client.post(reverse("handbook:reference_propose", args=[pathway.slug]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ReferenceCaseProposal.objects.exists()


def test_the_case_list_query_count_is_constant(client, editor, editor2, safety, safety2) -> None:
    pathway = publish_pathway(editor2, editor).pathway
    client.force_login(safety)
    url = reverse("handbook:reference_cases", args=[pathway.slug])
    _propose(safety, pathway, name="a").approve(safety2)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(8):
        _propose(safety, pathway, name=f"case {n}").approve(safety2)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_the_review_page_refuses_the_issues_scenario_and_shows_the_failing_reference_case(
    client, editor, editor2, safety, safety2
) -> None:
    published = publish_pathway(editor2, editor)
    _propose(safety, published.pathway).approve(safety2)
    draft = published.pathway.start_draft(editor2)
    draft.replace_content(editor2, _raised_threshold(draft))
    client.force_login(editor2)

    page = client.get(draft.get_absolute_url()).content.decode()
    assert 'data-testid="reference-summary">1 fails' in page
    assert "3 years RR 40" in page
    response = client.post(reverse("handbook:pathway_submit", args=["cough", draft.number]), follow=True)
    assert "reference cases of clinical safety fail: 3 years RR 40" in response.content.decode()
    assert PathwayVersion.objects.get(pk=draft.pk).status == VersionStatus.DRAFT


def test_the_approval_on_the_page_needs_the_impact_list_confirmed_and_records_it(
    client, editor, editor2, safety, safety2
) -> None:
    published = publish_pathway(editor2, editor)
    _propose(
        safety, published.pathway, name="2 years RR 39", expected="cough_or_cold", answers=_answers(respiratory_rate=39)
    ).approve(safety2)
    draft = published.pathway.start_draft(editor2)
    draft.replace_content(editor2, _raised_threshold(draft))
    draft.submit(editor2)  # the reference case (RR 39, green) still passes
    client.force_login(editor)
    page = client.get(draft.get_absolute_url()).content.decode()
    assert 'data-testid="rule-diff"' in page and 'data-testid="impact"' in page
    changes = len(draft.impact_against_published().changes)
    url = reverse("handbook:pathway_approve", args=["cough", draft.number])

    refused = client.post(url, follow=True).content.decode()
    assert "Review the impact analysis first" in refused
    assert PathwayVersion.objects.get(pk=draft.pk).status == VersionStatus.IN_REVIEW

    client.post(url, {"impact_seen": str(changes)})
    stored = PathwayVersion.objects.get(pk=draft.pk)
    assert stored.status == VersionStatus.PUBLISHED
    assert stored.impact_seen["changes"] == changes > 0
    page = client.get(stored.get_absolute_url()).content.decode()
    assert 'data-testid="impact-seen"' in page
