"""Attached files on the child's timeline."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from cloudpeds.attachments.timeline import timeline_entries
from tests.factories import AttachmentFactory


def test_one_entry_per_file_in_one_query(doctor, patient):
    for description in ("第1天", "第2天", "第3天"):
        AttachmentFactory(patient=patient, uploaded_by=doctor, description=description)
    AttachmentFactory()  # another child's file

    with CaptureQueriesContext(connection) as queries, translation.override("en"):
        entries = list(timeline_entries(patient, doctor))

    assert len(queries) == 1
    assert [entry.detail for entry in entries] == ["第3天", "第2天", "第1天"]
    entry = entries[0]
    assert entry.kind == "attachment.uploaded"
    assert entry.title == "File attached: Clinical photo"
    assert entry.actor == doctor.display_name
    assert entry.icon == "bi-paperclip"
    assert entry.url.endswith("/download/")


def test_nothing_for_a_user_who_cannot_see_the_child(outsider, doctor, patient):
    AttachmentFactory(patient=patient, uploaded_by=doctor)

    assert list(timeline_entries(patient, outsider)) == []
