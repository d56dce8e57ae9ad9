"""§3's story for the outcomes demo: twelve months of handbook triage runs at the district
hospitals, run through the real triage engine (`PathwayVersion.run`) on the answers of the
demo pathways' reference cases (handbook/demo/content/reference_cases.json), for the
outcomes demo's own children.

- More cough in winter, more diarrhoea in summer; Yangpu's doctors triage more after their
  training (the course teaches the handbook).
- About a third of the runs end in one of the outcomes demo's consultations of the same
  month (the run's child is the consultation's child, run half an hour before it was sent).
  The case's answers are chosen so that most answers agree with the colour (red ↔ refer),
  except amber fever, which the specialists often refer: the disagreement the handbook's
  editors should see.
- The referrals demo's up-referrals for a chest illness that came from neither a
  consultation nor a triage get the red cough run that started them, so that runs ending in
  a referral show too.

Idempotent: the runs carry fixed ids and the draws do not depend on what exists; a
referral that has its run is left alone.
"""

from __future__ import annotations

import json
import random
import uuid
from collections import defaultdict
from datetime import date, timedelta

from django.utils import timezone

from consultations.models import REFERRAL_RECOMMENDATIONS, Consultation
from handbook.demo import REFERENCE_CASES
from handbook.models import HandbookError, Pathway, TriageRun
from handbook.triage import ChildAge
from referrals.models import Direction, Referral

NAMESPACE = uuid.UUID("5f0c7a51-3a0e-4c36-8f5c-2b7e6e9d4a10")
PATHWAYS = ("cough", "fever", "diarrhoea")
WEIGHTS = {True: (0.55, 0.30, 0.15), False: (0.30, 0.35, 0.35)}  # winter, else
LINK_SHARE = 0.35
AGREE = {"cough": 0.9, "fever": 0.5, "diarrhoea": 0.9}
CHEST_DIAGNOSES = ("J18", "J21", "J45", "J46")
RED = "red"


def run_id(code: str, month: date, serial: int) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{code}-{month:%Y-%m}-{serial}")


def _cases(versions) -> dict[str, list[dict]]:
    """Each pathway's reference-case answers, parsed as the triage form parses them."""
    data = json.loads(REFERENCE_CASES.read_text())["pathways"]
    parsed = {}
    for slug, version in versions.items():
        spec = version.spec
        keys = {question.key for question in spec.questions}
        parsed[slug] = [
            spec.parse_answers({k: v for k, v in case["answers"].items() if k in keys and v is not None})[0]
            for case in data.get(slug, [])
        ]
    return parsed


def _in_scope(version, born: date, on: date) -> bool:
    return born < on and not version.spec.scope_error(ChildAge.between(born, on))


def _colour(version, answers: dict, born: date, on: date) -> str:
    return version.spec.evaluate(answers, ChildAge.between(born, on)).classification.colour


def _pathway_of(question: str) -> str:
    if "腹泻" in question:
        return "diarrhoea"
    if "咳" in question or "喘" in question:
        return "cough"
    return "fever"


def seed(hospitals: dict, month_start, months: int, trained_months_ago: int) -> int:
    """Runs for each hospital of `hospitals` ({code: (doctor, children, consultation ids, volume)});
    `month_start(months_ago)` is the outcomes demo's first moment of a month."""
    versions = {
        pathway.slug: pathway.current_version
        for pathway in Pathway.objects.select_related("current_version").filter(slug__in=PATHWAYS)
        if pathway.current_version_id
    }
    if set(versions) != set(PATHWAYS):
        return 0
    cases = _cases(versions)
    made = 0
    for code, (doctor, children, consultation_ids, volume) in hospitals.items():
        made += _seed_hospital(
            code, doctor, children, consultation_ids, volume, versions, cases, month_start, months, trained_months_ago
        )
    return made + _link_referrals(versions, cases)


def _seed_hospital(
    code, doctor, children, consultation_ids, volume, versions, cases, month_start, months, trained_months_ago
) -> int:
    rng = random.Random(f"outcomes-triage-{code}")  # noqa: S311 (demo data, not secrets)
    tz = timezone.get_default_timezone()
    now = timezone.now()
    pool: dict[date, list[Consultation]] = defaultdict(list)
    for consultation in (
        Consultation.objects.filter(public_id__in=consultation_ids).select_related("patient").order_by("public_id")
    ):
        pool[timezone.localtime(consultation.submitted_at, tz).date().replace(day=1)].append(consultation)
    existing = set(TriageRun.objects.filter(user=doctor).values_list("public_id", flat=True))
    made = 0
    for months_ago in range(months - 1, 0, -1):
        begin = month_start(months_ago)
        month = begin.date()
        winter = month.month in (11, 12, 1, 2)
        boost = 1.0
        if code == "yangpu" and months_ago < trained_months_ago:
            boost += 0.6 * (trained_months_ago - months_ago) / trained_months_ago
        waiting = pool.get(month, [])
        rng.shuffle(waiting)
        for serial in range(round(volume * 0.8 * (1.3 if winter else 1.0) * boost)):
            consultation = waiting.pop() if waiting and rng.random() < LINK_SHARE else None
            if consultation is not None:
                slug = _pathway_of(consultation.question)
                child, at = consultation.patient, consultation.submitted_at - timedelta(minutes=30)
                on = timezone.localtime(at, tz).date()
                version = versions[slug]
                if not _in_scope(version, child.date_of_birth, on):
                    consultation = None
            if consultation is None:
                slug = rng.choices(PATHWAYS, WEIGHTS[winter])[0]
                version = versions[slug]
                at = begin + timedelta(days=rng.uniform(0, 27), hours=rng.uniform(0, 9))
                on = timezone.localtime(at, tz).date()
                in_scope = [c for c in children if _in_scope(version, c.date_of_birth, on)]
                if not in_scope or at >= now:
                    continue
                child = rng.choice(in_scope)
                answers = rng.choice(cases[slug])
            else:
                # Most answers agree with the colour: a referral answer after a red run, a
                # local one after yellow or green; amber fever is the editors' signal.
                refer = consultation.recommendation in REFERRAL_RECOMMENDATIONS
                agree = rng.random() < AGREE[slug] or (slug == "fever" and not refer)
                want_red = refer == agree
                matching = [a for a in cases[slug] if (_colour(version, a, child.date_of_birth, on) == RED) == want_red]
                answers = rng.choice(matching or cases[slug])
            if run_id(code, month, serial) in existing:
                continue  # made by an earlier seed_demo (every draw above is made all the same)
            try:
                run = version.run(doctor, answers, born=child.date_of_birth, on=on, patient=child)
            except HandbookError:
                continue
            TriageRun.objects.filter(pk=run.pk).update(
                public_id=run_id(code, month, serial), created_at=at, consultation=consultation
            )
            made += 1
    return made


def _link_referrals(versions, cases) -> int:
    """The red cough run before each chest up-referral that came from no consultation or run."""
    version = versions["cough"]
    tz = timezone.get_default_timezone()
    linked = 0
    referrals = (
        Referral.objects.filter(
            direction=Direction.UP,
            consultation__isnull=True,
            triage__isnull=True,
            submitted_at__isnull=False,
            diagnosis__code__regex=r"^(" + "|".join(CHEST_DIAGNOSES) + ")",
        )
        .select_related("patient", "requested_by")
        .order_by("submitted_at")
    )
    for referral in referrals:
        at = referral.submitted_at - timedelta(hours=1)
        on = timezone.localtime(at, tz).date()
        child = referral.patient
        if not _in_scope(version, child.date_of_birth, on):
            continue
        red = [a for a in cases["cough"] if _colour(version, a, child.date_of_birth, on) == RED]
        if not red:
            continue
        run = version.run(referral.requested_by, red[0], born=child.date_of_birth, on=on, patient=child)
        TriageRun.objects.filter(pk=run.pk).update(created_at=at)
        Referral.objects.filter(pk=referral.pk).update(triage=run)
        linked += 1
    return linked
