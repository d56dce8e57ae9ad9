"""What search indexes and how a query is read: only published versions, the query's
words, highlighted snippets; and who may search."""

from __future__ import annotations

import pytest

from handbook.models import SearchDocument
from handbook.search import highlight, query_words

from .conftest import publish_topic, write_draft

URL = "/handbook/search/"


@pytest.mark.django_db
def test_only_published_versions_are_searched(editor, editor2):
    write_draft(editor2, "kawasaki", ("川崎病", "Kawasaki disease"))  # a draft: not searchable
    old = publish_topic(editor2, editor, "measles", ("麻疹旧版", "Measles old"))
    new = publish_topic(editor2, editor, "measles", ("麻疹", "Measles"))

    assert not SearchDocument.objects.matching(["川崎病"]).exists()
    assert [d.version for d in SearchDocument.objects.matching(["麻疹"])] == [new]
    assert old.search_document  # kept, but not found: the version is superseded
    assert not SearchDocument.objects.matching(["旧版"]).exists()


def test_query_words_are_cleaned_of_search_syntax():
    assert query_words("'&|!:*()") == []
    assert query_words("发热 & 咳嗽!") == ["发热", "咳嗽"]
    assert query_words("腋温37.5") == ["腋温", "37.5"]


def test_highlight_escapes_everything_but_the_marks():
    snippet = highlight("<b>fever</b> & 发热", ["fever", "发热"])

    assert str(snippet) == "&lt;b&gt;<mark>fever</mark>&lt;/b&gt; &amp; <mark>发热</mark>"


def test_search_needs_sign_in(client):
    response = client.get(URL, {"q": "fever"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_search_refuses_post(client, reader):
    client.force_login(reader)

    assert client.post(URL, {"q": "fever"}).status_code == 405
