"""The demo handbook (handbook/demo.py) and the scale data (handbook/scale.py)."""

from __future__ import annotations

import io

import pytest

from handbook import demo as handbook_demo
from handbook import scale
from handbook.models import ClassificationRow, SearchDocument, Section, Topic, TopicVersion

pytestmark = pytest.mark.django_db


def _rows() -> dict:
    return {
        model.__name__: sorted(map(repr, model.objects.values_list()))
        for model in (Topic, TopicVersion, Section, ClassificationRow)
    }


def test_the_demo_has_eight_published_bilingual_topics(demo):
    topics = Topic.objects.published().with_current()

    assert set(topics.values_list("slug", flat=True)) >= {
        "cough-or-difficult-breathing",
        "fever",
        "diarrhoea",
        "vomiting",
        "rash",
        "convulsions",
        "neonatal-jaundice",
        "abdominal-pain",
    }
    for topic in topics:
        version = topic.current_version
        assert topic.is_demo
        assert (version.author.username, version.approved_by.username) == ("editor2", "editor")
        assert version.title_zh and version.title_en
        assert version.sections.exclude(body_zh="").count() == 8
        assert version.sections.exclude(body_en="").count() == 8
        assert set(version.classification_rows.values_list("colour", flat=True)) >= {"red", "yellow"}
        assert "WHO" in version.sections.get(kind="references").body_en


def test_the_cough_topic_has_the_chest_indrawing_change(demo):
    old, new = TopicVersion.objects.filter(topic__slug="cough-or-difficult-breathing").order_by("number")

    assert (old.status, new.status) == ("superseded", "published")
    assert old.classification_rows.get(signs_en__icontains="chest indrawing").colour == "red"
    assert new.classification_rows.get(signs_en__icontains="chest indrawing").colour == "yellow"


def test_the_demo_is_idempotent(demo):
    first = _rows()

    handbook_demo.seed(io.StringIO())

    assert _rows() == first


def test_the_demo_editor2_is_a_handbook_editor(demo):
    from cloudpeds.accounts.models import User

    assert User.objects.get(username="editor2").has_role("handbook_editor")


def test_a_demo_topic_past_its_review_date_is_listed(demo):
    assert "abdominal-pain" in set(Topic.objects.due_for_review().values_list("slug", flat=True))


def test_scale_data_is_bulk_published_searchable_and_idempotent(demo):
    scale.seed_scale(io.StringIO(), factor=0.01)  # 20 topics
    count = Topic.objects.filter(slug__startswith="scale-").count()
    scale.seed_scale(io.StringIO(), factor=0.01)

    assert count == 20
    assert Topic.objects.filter(slug__startswith="scale-").count() == 20
    assert Topic.objects.published().filter(slug__startswith="scale-").count() == 20
    assert SearchDocument.objects.filter(topic__slug__startswith="scale-", vector__isnull=False).count() == 20
    # The demo topics still come first for their own words.
    from handbook.search import query_words

    assert SearchDocument.objects.matching(query_words("发热")).first().topic.slug == "fever"
    assert SearchDocument.objects.matching(query_words("fever")).first().topic.slug == "fever"


def test_the_cough_lecture_is_there_on_any_machine(demo):
    """The clip ships with the code: no ffmpeg needed, and the chapters fall inside it."""
    version = TopicVersion.objects.get(topic__slug="cough-or-difficult-breathing", number=2)

    assert version.video_content_type == "video/mp4"
    with version.video.open("rb") as stored:
        assert stored.read() == handbook_demo.DEMO_VIDEO.read_bytes()
    starts = [s for s in version.sections.values_list("video_start_seconds", flat=True) if s is not None]
    assert starts and max(starts) < 40  # the shipped clip's length
    assert handbook_demo.DEMO_VIDEO.stat().st_size < 500 * 1024


def test_the_demo_says_nothing_about_ffmpeg(db):
    from cloudpeds.accounts import demo as accounts_demo

    accounts_demo.seed(io.StringIO())
    out = io.StringIO()

    handbook_demo.seed(out)

    assert "ffmpeg" not in out.getvalue()
    assert "no video" not in out.getvalue()
