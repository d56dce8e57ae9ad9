"""The whole demo content folder (handbook/demo/content), imported through `manage.py
import_handbook`: the same versioning and two-person approval as the editors' pages. The
handbook the district doctor opens every day: at least 30 bilingual topics, each with its
video chapters, found by the words parents and doctors type."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from handbook.demo import CONTENT
from handbook.models import SearchDocument, SectionKind, Topic, VersionStatus
from handbook.search import query_words

pytestmark = pytest.mark.django_db

# The fixed chapter convention every topic's video follows (seconds from the start).
CHAPTERS = {
    "assess": 0,
    "danger_signs": 6,
    "classification": 12,
    "management": 18,
    "referral": 24,
    "follow_up": 30,
    "parent_advice": 36,
    "references": 42,
}

# The second half of the new topics (issue 14, section 5), slug → symptom.
NEW_TOPICS = {
    "possible-serious-bacterial-infection": "young_infant",
    "young-infant-feeding": "young_infant",
    "umbilical-and-skin-infection": "young_infant",
    "urinary-tract-infection": "urinary",
    "head-injury": "injury",
    "burns-and-scalds": "injury",
    "poisoning": "poisoning",
    "choking-and-foreign-body": "injury",
    "immunisation-schedule": "immunisation",
    "dysentery-and-persistent-diarrhoea": "diarrhoea",
    "atopic-eczema": "rash",
    "sore-throat": "sore_throat",
    "hand-foot-and-mouth-disease": "rash",
    "malnutrition": "feeding",
    "anaemia": "anaemia",
    "wheeze-and-asthma": "wheeze",
    "croup": "cough",
    "measles": "fever",
    "dengue-and-fever-with-rash": "fever",
    "acute-otitis-media": "ear_problem",
}


@pytest.fixture
def imported(editor, editor2) -> Path:
    out = io.StringIO()
    call_command("import_handbook", str(CONTENT), author="editor2", approver="editor", stdout=out)
    return CONTENT


def _published():
    return Topic.objects.published().with_current()


# Issue 14 asks for at least 30 topics.
TOPICS_SO_FAR = 30


def test_the_whole_folder_imports_as_published_topics_approved_by_two_editors(imported):
    files = {path.stem for path in (imported / "topics").glob("*.md")}
    topics = _published()

    assert len(files) >= TOPICS_SO_FAR
    assert set(topics.values_list("slug", flat=True)) == files
    for topic in topics:
        version = topic.current_version
        assert version.status == VersionStatus.PUBLISHED
        assert (version.author.username, version.approved_by.username) == ("editor2", "editor")
        assert topic.is_demo, topic.slug


def test_the_new_topics_have_their_symptom_both_languages_and_a_demonstration_notice(imported):
    topics = {topic.slug: topic for topic in _published().filter(slug__in=NEW_TOPICS)}

    assert set(topics) == set(NEW_TOPICS)
    for slug, topic in topics.items():
        assert topic.symptom == NEW_TOPICS[slug]
        version = topic.current_version
        assert version.title_zh and version.title_en and version.summary_zh and version.summary_en
        references = version.sections.get(kind="references")
        assert "演示内容" in references.body_zh, slug
        assert "Demonstration content" in references.body_en, slug
    # Every table but the immunisation schedule's (a schedule, not a classification) has a red row.
    for slug, topic in topics.items():
        colours = set(topic.current_version.classification_rows.values_list("colour", flat=True))
        assert ("red" in colours) == (slug != "immunisation-schedule"), slug


def test_every_topic_has_a_video_with_a_chapter_per_section_and_text_in_both_languages(imported):
    for topic in _published():
        version = topic.current_version
        assert version.video, topic.slug
        sections = {section.kind: section for section in version.sections.all()}
        assert set(sections) == set(SectionKind.values), topic.slug
        for kind, section in sections.items():
            assert section.body_zh.strip() and section.body_en.strip(), (topic.slug, kind)
            if topic.slug != "cough-or-difficult-breathing":  # a real lecture, with its own times
                assert section.video_start_seconds == CHAPTERS[kind], (topic.slug, kind)
            elif kind == "assess":
                assert section.video_start_seconds == 0, (topic.slug, kind)


@pytest.mark.parametrize(
    ("query", "first", "also"),
    [
        # Lay words and brand names reach the topics through the keywords and the synonyms.
        ("高烧", "fever", {"possible-serious-bacterial-infection", "urinary-tract-infection"}),
        ("抽筋", "convulsions", {"possible-serious-bacterial-infection", "head-injury"}),
        ("布洛芬", None, {"fever", "poisoning", "urinary-tract-infection", "burns-and-scalds", "sore-throat"}),
        ("美林", None, {"fever", "poisoning", "hand-foot-and-mouth-disease"}),
        ("ibuprofen", None, {"fever", "poisoning", "sore-throat", "hand-foot-and-mouth-disease"}),
        ("泰诺林", None, {"fever", "poisoning"}),
        ("paracetamol", None, {"fever", "poisoning"}),
        ("打预防针", "immunisation-schedule", set()),
        ("肚脐流脓", "umbilical-and-skin-infection", set()),
        ("海姆立克", "choking-and-foreign-body", set()),
        ("烫伤", "burns-and-scalds", set()),
        ("大便带血", "dysentery-and-persistent-diarrhoea", set()),
        ("湿疹", "atopic-eczema", set()),
        ("磕到头", "head-injury", set()),
        ("尿频", "urinary-tract-infection", set()),
        ("嗓子疼", "sore-throat", set()),
        ("扁桃体发炎", "sore-throat", set()),
        ("sore throat", "sore-throat", set()),
        ("手足口", "hand-foot-and-mouth-disease", set()),
        ("手脚起疱", "hand-foot-and-mouth-disease", set()),
        ("hand foot and mouth", "hand-foot-and-mouth-disease", {"rash"}),
        ("不长肉", "malnutrition", set()),
        ("干瘦", "malnutrition", set()),
        ("营养不良", "malnutrition", set()),
        ("脸色白", "anaemia", set()),
        ("缺铁", "anaemia", set()),
        ("anemia", "anaemia", set()),
        ("拉风箱", "wheeze-and-asthma", set()),
        ("哮喘", "wheeze-and-asthma", set()),
        ("空空声", "croup", set()),
        ("犬吠样咳嗽", "croup", set()),
        ("痧子", "measles", set()),
        ("麻疹", "measles", {"rash"}),
        ("出疹子", "measles", set()),
        ("皮疹", "rash", {"measles", "dengue-and-fever-with-rash"}),
        ("登革热", "dengue-and-fever-with-rash", set()),
        ("耳朵流脓", "acute-otitis-media", set()),
        ("耳朵疼", "acute-otitis-media", set()),
        ("ear infection", "acute-otitis-media", set()),
    ],
)
def test_searches_find_the_right_topics(imported, query, first, also):
    slugs = [document.topic.slug for document in SearchDocument.objects.matching(query_words(query))]

    assert slugs, f"{query!r} found nothing"
    if first:
        assert slugs[0] == first, slugs
    assert also <= set(slugs), slugs


@pytest.mark.parametrize("query", ["布洛芬", "美林", "ibuprofen", "泰诺林", "paracetamol"])
def test_a_medicine_finds_the_fever_topic_whose_dose_calculator_has_it_by_its_search_words(imported, query):
    # The fever topic names its calculator's medicines (generic and brand) in its search words:
    # a title-weight match, ranked with the poisoning topic's (overdose) above every body match.
    documents = list(SearchDocument.objects.matching(query_words(query)))
    title_matches = [document.topic.slug for document in documents if document.title_rank > 0]

    assert "fever" in title_matches, [document.topic.slug for document in documents]
    assert [document.title_rank > 0 for document in documents] == sorted(
        (document.title_rank > 0 for document in documents), reverse=True
    )
