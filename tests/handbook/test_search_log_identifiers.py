"""The search log keeps no identifiers: what editors see on handbook:usage is a query with the
child's name, record number and phone number taken out (cloudpeds.core.identifiers)."""

from __future__ import annotations

import pytest

from handbook.models import SearchLog

pytestmark = pytest.mark.django_db


def test_a_query_is_stored_and_shown_to_editors_without_identifiers(client, demo, reader, editor):
    client.force_login(reader)

    client.get("/handbook/search/", {"q": "王小明 13800138000 MRN0012345 川崎病"})

    log = SearchLog.objects.get()
    assert "王小明" not in log.query
    assert "13800138000" not in log.query
    assert "MRN0012345" not in log.query
    assert "川崎病" in log.query
    client.force_login(editor)
    content = client.get("/handbook/editor/usage/").content.decode()
    assert "13800138000" not in content
    assert "王小明" not in content


def test_the_migration_redacts_searches_logged_before(reader):
    from importlib import import_module

    from django.apps import apps

    SearchLog.objects.create(query="李小红 MRN0099887 发热", user=reader, result_count=3)
    SearchLog.objects.create(query="咳嗽", user=reader, result_count=5)

    import_module("handbook.migrations.0005_redact_search_log").redact(apps, None)

    assert sorted(SearchLog.objects.values_list("query", flat=True)) == sorted(["[…] 发热", "咳嗽"])
