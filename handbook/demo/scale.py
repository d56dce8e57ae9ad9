"""Handbook volume for `manage.py seed_scale`: 2,000 published topics (times the factor) of generated
bilingual text, so that the index, search and topic pages can be measured at size.

Bulk inserts, idempotent (topics are keyed by their slug, `scale-00001`…; existing ones are
skipped). The text is random clinical vocabulary, marked as demonstration content; titles
avoid the words of the demo topics so that searching 发热 or "fever" still finds the demo
topic first. Versions are written by one editor and approved by another, like real ones.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cloudpeds.accounts.models import Hospital, User
from cloudpeds.accounts.roles import Role

from ..models import (
    AgeBand,
    ClassificationRow,
    Colour,
    SearchDocument,
    Section,
    Symptom,
    Topic,
    TopicVersion,
    VersionStatus,
)
from ..models.topics import SECTION_ORDER, review_date_after

TOPICS = 2000
BATCH = 200

# (Chinese, English) pairs for generated text.
VOCABULARY = [
    ("咳嗽", "cough"),
    ("发热", "fever"),
    ("腹泻", "diarrhoea"),
    ("呕吐", "vomiting"),
    ("皮疹", "rash"),
    ("呼吸增快", "fast breathing"),
    ("胸凹陷", "chest indrawing"),
    ("脱水", "dehydration"),
    ("口服补液盐", "oral rehydration salts"),
    ("阿莫西林", "amoxicillin"),
    ("转诊", "referral"),
    ("复诊", "follow-up visit"),
    ("体温", "temperature"),
    ("血氧饱和度", "oxygen saturation"),
    ("母乳喂养", "breastfeeding"),
    ("嗜睡", "lethargy"),
    ("颈项强直", "stiff neck"),
    ("黄疸", "jaundice"),
    ("腹痛", "abdominal pain"),
    ("营养不良", "malnutrition"),
    ("贫血", "anaemia"),
    ("耳痛", "ear pain"),
    ("咽痛", "sore throat"),
    ("疫苗接种", "vaccination"),
    ("体重", "weight"),
    ("家长", "parents"),
    ("观察", "observation"),
    ("评估", "assessment"),
]
# Title words: none of the six demo search words, so the demo topics keep their place.
TITLE_WORDS = [
    ("病例讨论", "case discussion"),
    ("临床要点", "clinical points"),
    ("随访管理", "follow-up care"),
    ("基层处理", "primary care management"),
    ("护理指导", "nursing guidance"),
    ("用药注意", "medication notes"),
    ("检查解读", "test interpretation"),
    ("健康教育", "health education"),
]


def _sentence(rnd: random.Random, words: int = 8) -> tuple[str, str]:
    picked = [rnd.choice(VOCABULARY) for _ in range(words)]
    return "\uff0c".join(zh for zh, _ in picked) + "\u3002", ", ".join(en for _, en in picked).capitalize() + "."


def _editors() -> tuple[User, User]:
    """The demo editors when the demo is loaded, else two scale editors."""
    editors = list(User.objects.filter(username__in=["editor2", "editor"]).order_by("username"))
    if len(editors) == 2:
        return editors[1], editors[0]  # editor2 writes, editor approves
    hospital = Hospital.objects.order_by("pk").first()
    made = []
    for username in ("scale.editor.a", "scale.editor.b"):
        user, created = User.objects.get_or_create(username=username, defaults={"hospital": hospital})
        if created:
            user.set_password(settings.DEMO_PASSWORD)
            user.save(update_fields=["password"])
        user.set_roles(Role.HANDBOOK_EDITOR)
        made.append(user)
    return made[0], made[1]


def seed_scale(stdout, factor: float = 1.0) -> None:
    total = max(1, int(TOPICS * factor))
    author, approver = _editors()
    slugs = [f"scale-{index:05d}" for index in range(1, total + 1)]
    existing = set(Topic.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    missing = [slug for slug in slugs if slug not in existing]
    for start in range(0, len(missing), BATCH):
        _create_batch(missing[start : start + BATCH], author, approver)
    stdout.write(f"Handbook: {total} scale topics ({len(missing)} added).")


@transaction.atomic
def _create_batch(slugs: list[str], author: User, approver: User) -> None:
    now = timezone.now()
    symptoms = Symptom.values
    bands = AgeBand.values
    topics = []
    for slug in slugs:
        rnd = random.Random(slug)
        topics.append(
            Topic(
                slug=slug,
                symptom=rnd.choice(symptoms),
                age_bands=sorted(rnd.sample(bands, rnd.randint(1, 2))),
                order=int(slug.rsplit("-", 1)[1]) % 100,
                is_demo=True,
                created_by=author,
                created_at=now,
            )
        )
    Topic.objects.bulk_create(topics)

    versions, sections, rows = [], {}, {}
    for topic in topics:
        rnd = random.Random(topic.slug)
        number = topic.slug.rsplit("-", 1)[1]
        title_zh, title_en = rnd.choice(TITLE_WORDS)
        effective = date(2024, 1, 1) + timedelta(days=rnd.randrange(700))
        summary = _sentence(rnd, 10)
        version = TopicVersion(
            topic=topic,
            number=1,
            status=VersionStatus.PUBLISHED,
            title_zh=f"规模测试 {number} {title_zh}",
            title_en=f"Scale test {number}: {title_en}",
            summary_zh=summary[0],
            summary_en=summary[1],
            author=author,
            approved_by=approver,
            approved_at=now,
            submitted_at=now,
            created_at=now,
            effective_date=effective,
            next_review_date=review_date_after(effective),
        )
        versions.append(version)
        sections[topic.slug] = [
            Section(
                version=version,
                kind=kind,
                position=index,
                body_zh="\n".join(f"- {_sentence(rnd)[0]}" for _ in range(3)),
                body_en="\n".join(f"- {_sentence(rnd)[1]}" for _ in range(3)),
            )
            for index, kind in enumerate(SECTION_ORDER)
        ]
        rows[topic.slug] = [
            ClassificationRow(
                version=version,
                position=index,
                colour=colour,
                signs_zh=_sentence(rnd, 4)[0],
                signs_en=_sentence(rnd, 4)[1],
                classification_zh=rnd.choice(VOCABULARY)[0],
                classification_en=rnd.choice(VOCABULARY)[1],
                action_zh=_sentence(rnd, 5)[0],
                action_en=_sentence(rnd, 5)[1],
            )
            for index, colour in enumerate(Colour.values)
        ]
    TopicVersion.objects.bulk_create(versions)
    for version in versions:  # bulk_create set the pks; the children point at them now
        for child in sections[version.topic.slug] + rows[version.topic.slug]:
            child.version = version
    Section.objects.bulk_create([s for v in versions for s in sections[v.topic.slug]])
    ClassificationRow.objects.bulk_create([r for v in versions for r in rows[v.topic.slug]])
    for topic, version in zip(topics, versions, strict=True):
        topic.current_version = version
    Topic.objects.bulk_update(topics, ["current_version"])
    SearchDocument.objects.build([(v, sections[v.topic.slug], rows[v.topic.slug]) for v in versions])
