"""Helpers for the triage, handover and dosing tests.

Pathways are written, sent for review and approved through the real workflow, with the demo
tables (handbook/demo/content/pathways/*.json) unless a test gives its own.
"""

from __future__ import annotations

import copy
from typing import Any

from handbook.content import read_pathway
from handbook.demo import CONTENT
from handbook.models import Pathway, PathwayVersion
from tests.factories import DepartmentFactory, TopicFactory

DOCUMENTS = {
    slug: read_pathway(CONTENT / "pathways" / f"{slug}.json").document for slug in ("cough", "fever", "diarrhoea")
}
TOPICS = {"cough": "cough-or-difficult-breathing", "fever": "fever", "diarrhoea": "diarrhoea"}
SPECIALTIES = {"cough": "respiratory", "fever": "infectious_diseases", "diarrhoea": "gastroenterology"}

# A calm two-year-old with a cold: every yes/no "no", ordinary numbers.
NORMAL_ANSWERS: dict[str, dict[str, Any]] = {
    "cough": {
        "unable_to_drink": "no",
        "vomits_everything": "no",
        "convulsions_history": "no",
        "lethargic": "no",
        "convulsing_now": "no",
        "stridor": "no",
        "chest_indrawing": "no",
        "respiratory_rate": "30",
        "spo2": "",
        "cough_days": "3",
    },
    "fever": {
        "unable_to_drink": "no",
        "vomits_everything": "no",
        "convulsions_history": "no",
        "lethargic": "no",
        "convulsing_now": "no",
        "stiff_neck": "no",
        "non_blanching_rash": "no",
        "fever_history": "yes",
        "temperature": "38.5",
        # NICE NG143's red and amber signs, each asked before any green (issue 14).
        "abnormal_skin_colour": "no",
        "no_social_response": "no",
        "appears_ill": "no",
        "not_waking": "no",
        "abnormal_cry": "no",
        "grunting": "no",
        "chest_indrawing": "no",
        "reduced_skin_turgor": "no",
        "bulging_fontanelle": "no",
        "status_epilepticus": "no",
        "focal_neurological_signs": "no",
        "respiratory_rate": "",
        "spo2": "",
        "capillary_refill": "",
        "fever_days": "1",
        "fever_every_day": "yes",
    },
}


def document(slug: str) -> dict[str, Any]:
    return copy.deepcopy(DOCUMENTS[slug])


def write_pathway(author, slug: str = "cough", *, table: dict | None = None, topic=None) -> PathwayVersion:
    """Version 1 of a new pathway, a draft by `author`, for a topic of its own."""
    topic = topic or TopicFactory(slug=TOPICS.get(slug, f"{slug}-topic"), created_by=author)
    return Pathway.create_with_draft(
        author,
        topic=topic,
        slug=slug,
        name_zh=f"{slug}分诊",
        name_en=f"{slug.title()} triage",
        specialty=SPECIALTIES.get(slug, "general_pediatrics"),
        document=table if table is not None else document(slug),
    )


def publish_pathway(author, approver, slug: str = "cough", **kwargs: Any) -> PathwayVersion:
    version = write_pathway(author, slug, **kwargs)
    version.submit(author)
    version.approve(approver)
    return version


def xinhua_departments(xinhua) -> dict[str, Any]:
    """Xinhua's departments that handovers go to."""
    return {
        specialty: DepartmentFactory(hospital=xinhua, specialty=specialty, name_zh=specialty, name_en=specialty)
        for specialty in ("general_pediatrics", "respiratory", "infectious_diseases", "gastroenterology")
    }


def form_data(slug: str = "cough", **answers: Any) -> dict[str, str]:
    """The triage form's POST data: normal answers, with `answers` changed (None leaves one out)."""
    values = {**NORMAL_ANSWERS[slug], **answers}
    return {f"q_{key}": str(value) for key, value in values.items() if value is not None}
