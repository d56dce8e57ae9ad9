"""People and content for the handbook tests.

Topics are written, submitted and approved through the real workflow (`publish_topic`), so
every test runs on versions made the way editors make them. Users see English (the
assertions use the English msgids). The demo (`demo`) is seeded once per test module that
asks for it and rolled back after the module: only modules whose tests just read it use it.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings
from django.utils import timezone, translation

from cloudpeds.accounts.roles import Role
from cloudpeds.patients.models import Patient
from handbook.models import ClassificationRow, PathwayVersion, Topic, TopicVersion
from handbook.triage import add_months
from tests.factories import PatientFactory, UserFactory

from .triage_support import publish_pathway


@pytest.fixture
def editor(xinhua):
    return UserFactory(username="editor", hospital=xinhua, roles=[Role.HANDBOOK_EDITOR], preferred_language="en")


@pytest.fixture
def editor2(xinhua):
    return UserFactory(username="editor2", hospital=xinhua, roles=[Role.HANDBOOK_EDITOR], preferred_language="en")


@pytest.fixture
def reader(yangpu):
    """A grassroots doctor: reads the handbook, edits nothing."""
    return UserFactory(username="reader", hospital=yangpu, roles=[Role.GRASSROOTS_DOCTOR], preferred_language="en")


@pytest.fixture
def doctor(doctor):
    """The grassroots doctor at Yangpu, reading in English."""
    doctor.preferred_language = "en"
    doctor.save(update_fields=["preferred_language"])
    return doctor


@pytest.fixture
def trainer(xinhua):
    return UserFactory(username="trainer", hospital=xinhua, roles=[Role.TRAINING_MANAGER], preferred_language="en")


def write_draft(
    author,
    slug: str,
    title: tuple[str, str],
    *,
    symptom: str = "fever",
    age_bands: list[str] | None = None,
    sections: dict[str, tuple[str, str]] | None = None,
    rows: list[tuple[str, str, str, str, str, str, str]] | None = None,
    summary: tuple[str, str] = ("", ""),
) -> TopicVersion:
    """A new topic's first draft (or the next draft of an existing topic), with content."""
    topic = Topic.objects.filter(slug=slug).first()
    if topic is None:
        version = Topic.create_with_draft(
            author,
            slug=slug,
            symptom=symptom,
            age_bands=age_bands or ["child"],
            order=0,
            title_zh=title[0],
            title_en=title[1],
        )
    else:
        version = topic.start_draft(author)
    version.title_zh, version.title_en = title
    version.summary_zh, version.summary_en = summary
    version.save()
    for section in version.sections.all():
        if sections and section.kind in sections:
            section.body_zh, section.body_en = sections[section.kind]
            section.save()
    if rows is not None:
        version.classification_rows.all().delete()
        for index, (colour, signs_zh, signs_en, cls_zh, cls_en, action_zh, action_en) in enumerate(rows):
            ClassificationRow.objects.create(
                version=version,
                position=index,
                colour=colour,
                signs_zh=signs_zh,
                signs_en=signs_en,
                classification_zh=cls_zh,
                classification_en=cls_en,
                action_zh=action_zh,
                action_en=action_en,
            )
    return version


def publish(version: TopicVersion, approver, effective: date | None = None) -> TopicVersion:
    version.submit(version.author)
    version.approve(approver, effective_date=effective)
    version.refresh_from_db()
    return version


def publish_topic(author, approver, slug: str, title: tuple[str, str], **content) -> TopicVersion:
    return publish(write_draft(author, slug, title, **content), approver)


@pytest.fixture
def fever(editor, editor2) -> TopicVersion:
    """A published fever topic, written by editor2 and approved by editor."""
    return publish_topic(
        editor2,
        editor,
        "fever",
        ("发热", "Fever"),
        sections={
            "danger_signs": ("颈项强直 不能喝水", "A stiff neck; not able to drink."),
            "management": ("少量多次喂水。", "Offer fluids often."),
        },
        rows=[
            (
                "red",
                "颈项强直",
                "Stiff neck",
                "极重症发热性疾病",
                "Very severe febrile disease",
                "紧急转诊。",
                "Refer urgently.",
            )
        ],
    )


@pytest.fixture
def cough(editor, editor2) -> PathwayVersion:
    """The demo cough pathway, published: written by editor2 and approved by editor."""
    return publish_pathway(editor2, editor, "cough")


@pytest.fixture
def child(doctor, yangpu) -> Patient:
    """A Yangpu child of exactly 10 months today."""
    return PatientFactory(
        hospital=yangpu, registered_by=doctor, name="王小明", date_of_birth=add_months(timezone.localdate(), -10)
    )


@pytest.fixture(scope="module")
def _demo_once(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Path]:
    """The demo group, accounts and handbook (the real seeds), once for the module, inside a
    transaction rolled back after its last test; each test runs in a savepoint inside it.
    The function-scoped settings of tests/conftest.py are not active yet: storage, password
    hashing, the language and tasks are set here. Yields the storage folder it wrote to."""
    from cloudpeds.accounts import demo as accounts_demo
    from cloudpeds.celery import app
    from handbook import demo as handbook_demo

    media = tmp_path_factory.mktemp("demo-media")
    storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(media), "base_url": None},
    }
    eager = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    try:
        with (
            django_db_blocker.unblock(),
            override_settings(
                MEDIA_ROOT=str(media),
                STORAGES={**settings.STORAGES, "default": storage},
                PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            ),
            translation.override("en"),
            transaction.atomic(),
        ):
            accounts_demo.seed(io.StringIO())
            handbook_demo.seed(io.StringIO())
            yield media
            transaction.set_rollback(True)
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = eager


@pytest.fixture
def demo(_demo_once, db, settings) -> Path:
    """The demo, read by this test, with the module's storage folder (where the demo's video
    lecture is) as the test's; returns that folder."""
    settings.MEDIA_ROOT = str(_demo_once)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(_demo_once), "base_url": None},
        },
    }
    return _demo_once
