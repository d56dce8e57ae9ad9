"""Search on the demo handbook: handbook:search, SearchDocument.objects.matching, the search
log. The demo is seeded once for this module (see test_search_index.py for the rest)."""

from __future__ import annotations

import pytest

from handbook.models import SearchDocument, SearchLog
from handbook.search import query_words

pytestmark = pytest.mark.django_db

URL = "/handbook/search/"


@pytest.mark.parametrize(
    ("query", "slug"),
    [
        ("发热", "fever"),
        ("咳嗽", "cough-or-difficult-breathing"),
        ("腹泻", "diarrhoea"),
        ("惊厥", "convulsions"),
        ("fever", "fever"),
        ("wheeze", "wheeze-and-asthma"),
        ("Wheezing", "wheeze-and-asthma"),
        ("新生儿 黄疸", "neonatal-jaundice"),
        ("孩子拉肚子怎么办", "diarrhoea"),
    ],
)
def test_each_query_finds_the_right_topic_first(client, demo, reader, query, slug):
    client.force_login(reader)

    response = client.get(URL, {"q": query})

    assert response.status_code == 200
    hits = response.context["hits"]
    assert hits, f"{query!r} found nothing"
    assert hits[0][0].topic.slug == slug


def test_results_are_ranked_title_matches_first(demo):
    # 发热 appears in the bodies of several topics; the topic titled 发热 ranks first.
    slugs = [document.topic.slug for document in SearchDocument.objects.matching(query_words("发热"))]

    assert slugs[0] == "fever"
    assert len(slugs) > 1


def test_results_show_highlighted_snippets_in_the_reading_language(client, demo, reader):
    client.force_login(reader)

    response = client.get(URL, {"q": "wheeze"})

    content = response.content.decode()
    assert "<mark>wheeze</mark>" in content.lower()
    assert response.context["hits"][0][2] == "en"


@pytest.mark.parametrize(
    "query", ["'&|!:*()", "", "   ", "<script>alert(1)</script>", "a:* & !b", '"unclosed', "-", "or"]
)
def test_empty_or_garbage_queries_do_not_fail(client, demo, reader, query):
    client.force_login(reader)

    response = client.get(URL, {"q": query})

    assert response.status_code == 200
    assert b"<script>alert(1)</script>" not in response.content


def test_a_search_that_finds_nothing_is_logged_for_editors(client, demo, reader):
    client.force_login(reader)

    client.get(URL, {"q": "川崎病"})

    log = SearchLog.objects.get()
    assert (log.query, log.user, log.result_count) == ("川崎病", reader, 0)
    assert list(SearchLog.objects.gaps().values_list("query", "times")) == [("川崎病", 1)]


def test_searches_with_results_are_logged_with_their_count(client, demo, reader):
    client.force_login(reader)

    client.get(URL, {"q": "fever"})

    log = SearchLog.objects.get()
    assert log.result_count > 0
    assert not SearchLog.objects.without_results().exists()


def test_further_pages_are_not_logged_again(client, demo, reader):
    client.force_login(reader)

    client.get(URL, {"q": "转诊", "page": "2"})

    assert not SearchLog.objects.exists()


def test_no_topic_with_every_word_falls_back_to_any_word(client, demo, reader):
    client.force_login(reader)

    response = client.get(URL, {"q": "黄疸 川崎病"})

    assert response.context["broadened"] is True
    assert response.context["hits"][0][0].topic.slug == "neonatal-jaundice"


@pytest.mark.parametrize(
    ("query", "slug"),
    [("高烧", "fever"), ("抽筋", "convulsions"), ("high fever", "fever"), ("seizure", "convulsions")],
)
def test_lay_and_regional_words_find_the_topic_through_synonyms(client, demo, reader, query, slug):
    from handbook.search import query_words

    slugs = [document.topic.slug for document in SearchDocument.objects.matching(query_words(query))]
    assert slugs, query
    assert slugs[0] == slug


def test_a_synonym_group_lists_both_languages_and_brand_names():
    from handbook.search import expanded_words

    (ibuprofen,) = expanded_words(["布洛芬"])
    assert {"ibuprofen", "美林"} <= set(ibuprofen)
    assert expanded_words(["川崎病"]) == [("川崎病",)]


def test_english_fever_ranks_the_fever_topic_above_convulsions(demo):
    slugs = [document.topic.slug for document in SearchDocument.objects.matching(["fever"])]
    assert "convulsions" in slugs
    assert slugs.index("fever") < slugs.index("convulsions")


@pytest.mark.parametrize("query", ["布洛芬", "ibuprofen", "美林"])
def test_a_drug_name_leads_to_its_dose_calculator(client, demo, reader, query):
    client.force_login(reader)

    content = client.get(URL, {"q": query}).content.decode()

    assert 'data-testid="drug-dosing"' in content
    assert "/handbook/topics/fever/dosing/" in content
