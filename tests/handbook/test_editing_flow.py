"""Handbook editing (issue 12): one button saves and submits, the author sees what awaits
review on the home page, and the Markdown editor previews through the one sanitiser."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cloudpeds.core.worklist import work_for
from handbook.models import TopicVersion, VersionStatus

from .conftest import write_draft
from .test_editing import _edit_data
from .triage_support import write_pathway

pytestmark = pytest.mark.django_db


def test_the_edit_page_has_one_submit_for_review_button(client, editor2):
    write_draft(editor2, "otitis", ("中耳炎", "Ear infection"))
    client.force_login(editor2)
    page = client.get("/handbook/topics/otitis/v/1/edit/").content.decode()
    assert page.count('data-testid="submit-for-review"') == 1
    assert "Submit for review" in page
    assert "Save and go to review" not in page


def test_submit_for_review_saves_and_submits(client, editor2):
    version = write_draft(editor2, "otitis", ("中耳炎", "Ear infection"))
    client.force_login(editor2)
    data = _edit_data(version, title_en="Acute ear infection", change_note="new title", submit="1")

    response = client.post("/handbook/topics/otitis/v/1/edit/", data)

    stored = TopicVersion.objects.get(pk=version.pk)
    assert response.status_code == 302
    assert response["Location"] == stored.get_absolute_url()
    assert (stored.title_en, stored.status) == ("Acute ear infection", VersionStatus.IN_REVIEW)
    assert list(stored.events.values_list("kind", flat=True)) == ["created", "submitted"]


def test_save_the_draft_alone_does_not_submit(client, editor2):
    version = write_draft(editor2, "otitis", ("中耳炎", "Ear infection"))
    client.force_login(editor2)
    client.post("/handbook/topics/otitis/v/1/edit/", _edit_data(version, title_en="Otitis"))
    stored = TopicVersion.objects.get(pk=version.pk)
    assert (stored.title_en, stored.status) == ("Otitis", VersionStatus.DRAFT)


def test_a_double_submit_gives_one_submission(client, editor2):
    version = write_draft(editor2, "otitis", ("中耳炎", "Ear infection"))
    client.force_login(editor2)
    data = _edit_data(version, submit="1")
    client.post("/handbook/topics/otitis/v/1/edit/", data)
    second = client.post("/handbook/topics/otitis/v/1/edit/", data)
    assert second.status_code == 403  # no longer a draft: nothing is saved again
    assert version.events.filter(kind="submitted").count() == 1


def test_the_author_sees_what_awaits_review_on_the_home_page(client, editor, editor2):
    version = write_draft(editor2, "otitis", ("中耳炎", "Ear infection"))
    version.submit(editor2)
    pathway = write_pathway(editor2)
    pathway.submit(editor2)

    labels = {item.label: item.url for item in work_for(editor2)}
    assert labels["Awaiting review: Ear infection v1"] == version.get_absolute_url()
    assert labels["Awaiting review: Cough triage v1"] == pathway.get_absolute_url()
    client.force_login(editor2)
    assert "Awaiting review: Ear infection v1" in client.get("/").content.decode()
    # Not the reviewer's own: another editor sees them as reviews to do.
    assert not any(label.startswith("Awaiting review") for label in {i.label for i in work_for(editor)})


def test_the_preview_renders_markdown_through_the_sanitiser(client, editor2):
    client.force_login(editor2)
    response = client.post(
        reverse("handbook:preview"),
        {
            "field": "sections-0-body_en",
            "sections-0-body_en": "**Refer** now\n\n<script>alert(1)</script><img src=x onerror=alert(1)>",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>Refer</strong>" in html
    assert "<script" not in html and "onerror" not in html and "<img" not in html


def test_the_preview_ignores_other_fields_and_is_for_editors_only(client, editor2, reader):
    client.force_login(editor2)
    html = client.post(reverse("handbook:preview"), {"field": "csrfmiddlewaretoken", "x": "y"}).content.decode()
    assert "Nothing to preview" in html
    client.force_login(reader)
    assert client.post(reverse("handbook:preview"), {"field": "sections-0-body_en"}).status_code == 403


def test_the_edit_page_offers_a_preview_per_text(client, editor2):
    write_draft(editor2, "otitis", ("中耳炎", "Ear infection"))
    client.force_login(editor2)
    page = client.get("/handbook/topics/otitis/v/1/edit/").content.decode()
    assert page.count('data-testid="preview-button"') >= 2
    assert 'hx-post="/handbook/editor/preview/"' in page
