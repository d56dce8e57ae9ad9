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


def test_the_data_migration_redacts_the_rows_stored_before(demo, reader):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("handbook.migrations.0005_redact_identifiers_in_search_log")
    old = SearchLog.objects.create(query="张伟 13912345678 发热", user=reader, result_count=3)
    clean = SearchLog.objects.create(query="咳嗽 喘息", user=reader, result_count=2)

    migration.redact_old_queries(apps, None)

    old.refresh_from_db()
    clean.refresh_from_db()
    assert "13912345678" not in old.query
    assert "张伟" not in old.query
    assert "发热" in old.query
    assert clean.query == "咳嗽 喘息"
