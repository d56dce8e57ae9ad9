"""The de-identification check of a teaching case: the text is scanned, not trusted.

`find_identifiers(text, consultation)` lists what in the text could identify the child or
the family: the child's name and record number and national ID (from the consultation it
came from), any ID-card or 15-digit number, mobile and landline phone numbers, e-mail
addresses, Chinese personal names (as the platform's redaction finds them),
exact dates (2025-03-10, 2025年3月10日, 3月10日, 10/03/2025), and record,
admission or outpatient numbers ("病历号 ZOC12345", "MRN 884213"). `check` raises a
ValidationError that lists every finding, so the manager sees what to rewrite; ages and
durations ("10 months", "3 days") and "day 3" are allowed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import rjieba
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cloudpeds.core.identifiers import _is_personal_name


@dataclass(frozen=True)
class Finding:
    kind: str
    text: str


_PATTERNS = [
    (
        gettext_lazy("ID card number"),
        re.compile(r"(?<![0-9])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9])"),
    ),
    (
        gettext_lazy("mobile phone number"),
        re.compile(r"(?:\+?86[\s-]?)?(?<![0-9])1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?![0-9])"),
    ),
    (
        gettext_lazy("telephone number"),
        re.compile(r"(?<![0-9])0\d{2,3}[\s-]\d{7,8}(?![0-9])|(?<![0-9])0\d{2,3}\d{8}(?![0-9])"),
    ),
    (gettext_lazy("e-mail address"), re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    (
        gettext_lazy("exact date"),
        re.compile(
            r"(?<![0-9])(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?"
            r"|(?<![0-9])\d{1,2}\s*月\s*\d{1,2}\s*[日号]"
            r"|(?<![0-9])\d{1,2}[/.]\d{1,2}[/.](?:19|20)\d{2}(?![0-9])"
        ),
    ),
    (
        gettext_lazy("record number"),
        re.compile(
            r"(?:病历号|病案号|住院号|门诊号|就诊卡号|医保卡号|MRN|record\s+(?:number|no\.?))\s*[:：#]?\s*[A-Za-z0-9-]{4,}",
            re.IGNORECASE,
        ),
    ),
    (gettext_lazy("long number"), re.compile(r"(?<![0-9A-Za-z])[A-Za-z]{0,4}\d{6,}(?![0-9])")),
]


def find_identifiers(text: str, consultation=None) -> list[Finding]:
    """Everything in `text` that could identify a child, in the order found, each once."""
    # Full-width digits and letters (１３８…, ＭＲＮ) become ASCII, so that the patterns see them.
    text = unicodedata.normalize("NFKC", text)
    findings: list[Finding] = []
    seen: set[str] = set()

    def add(kind, found: str) -> None:
        found = found.strip()
        if found and found not in seen and not any(found in s for s in seen):
            seen.add(found)
            findings.append(Finding(str(kind), found))

    if consultation is not None:
        patient = consultation.patient
        for kind, value in (
            (_("the child's name"), patient.name),
            (_("the child's record number"), patient.record_number),
            (_("the child's ID number"), getattr(patient, "national_id", "")),
        ):
            if value and value in text:
                add(kind, value)
        # The given name alone (a Chinese name without its surname) identifies too.
        given = patient.name[1:] if patient.name and len(patient.name) >= 3 else ""
        if given and given in text.replace(patient.name, ""):
            seen.add(given)
            findings.append(Finding(_("the child's name"), given))
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            add(kind, match.group(0))
    for word, tag in rjieba.tag(text):
        if _is_personal_name(word, tag):
            add(_("a personal name"), word)
    return findings


def check(text: str, consultation=None) -> None:
    """Raise a ValidationError listing every identifier found in `text`."""
    findings = find_identifiers(text, consultation)
    if findings:
        listed = "; ".join(f"{finding.kind}: “{finding.text}”" for finding in findings)
        raise ValidationError(
            _("The case is not de-identified. Remove or rewrite: %(found)s.") % {"found": listed},
            code="identifiers",
        )
