"""One child, one timeline.

Every installed app may have a `timeline` module with a function
`timeline_entries(patient, user) -> Iterable[TimelineEntry]`; the patient page merges
them all, newest first. The platform never imports a feature app by name.

The page shows the newest `TIMELINE_LIMIT` entries of all apps together (each consultation
and referral page keeps its own full history), so a provider reads at most `PROVIDER_ROWS`
of its newest events: one more than the page shows, so that the page can tell that there
are older ones, whatever one app's share of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cloudpeds.core.discovery import app_modules

TIMELINE_LIMIT = 100
PROVIDER_ROWS = TIMELINE_LIMIT + 1
# What an entry shows of the person who did it (User.display_name), for `.only()`.
ACTOR_COLUMNS = ("username", "first_name", "last_name")


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # a stable key, e.g. "patient.registered", "attachment.uploaded"
    title: str  # already translated for the current language
    detail: str = ""
    url: str = ""
    actor: str = ""
    icon: str = "bi-circle"


def entries_for(patient, user, *, limit: int | None = None) -> list[TimelineEntry]:
    """All apps' events for this child that `user` may see, newest first (the newest `limit`
    of them when given).

    Callers have already checked that `user` may see the patient.
    """
    entries: list[TimelineEntry] = []
    for module in app_modules("timeline"):
        provider = getattr(module, "timeline_entries", None)
        if provider is not None:
            entries.extend(_as_list(provider(patient, user)))
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries if limit is None else entries[:limit]


def _as_list(items: Iterable[TimelineEntry]) -> list[TimelineEntry]:
    return list(items)


def timeline_entries(patient, user) -> list[TimelineEntry]:
    """The patients app's own events: registration, consent, growth measurements, shares.

    Read with the rest of the record (`Patient.load_record`): the patient page shows the
    same consents, measurements and grants elsewhere, and reads them once for both.
    """
    patient.load_record()
    entries = [
        TimelineEntry(
            at=patient.created_at,
            kind="patient.registered",
            title=_("Registered at %(hospital)s") % {"hospital": patient.hospital.name},
            actor=patient.registered_by.display_name,
            icon="bi-person-plus",
        )
    ]
    for consent in patient.consents.all():
        guardian = f"{consent.given_by} ({consent.get_relation_display()})"
        entries.append(
            TimelineEntry(
                at=consent.recorded_at,
                kind="patient.consent_recorded",
                title=_("Guardian's consent to share the record recorded"),
                detail=guardian,
                actor=consent.recorded_by.display_name,
                icon="bi-shield-check",
            )
        )
        if consent.withdrawn_at:
            entries.append(
                TimelineEntry(
                    at=consent.withdrawn_at,
                    kind="patient.consent_withdrawn",
                    title=_("Guardian's consent to share the record withdrawn"),
                    detail=guardian,
                    actor=consent.withdrawn_by.display_name if consent.withdrawn_by else "",
                    icon="bi-shield-x",
                )
            )
    for measurement in patient.measurements.all():
        entries.append(
            TimelineEntry(
                at=measurement.recorded_at,
                kind="patient.measurement_added",
                title=_("Growth measurement added"),
                detail=_measurement_summary(measurement),
                actor=measurement.recorded_by.display_name,
                icon="bi-rulers",
            )
        )
    for grant in patient.grants.all():
        entries.append(
            TimelineEntry(
                at=grant.granted_at,
                kind="patient.shared",
                title=_("Record shared with %(grantee)s") % {"grantee": grant.grantee_display},
                detail=grant.reason_display,
                actor=grant.granted_by.display_name if grant.granted_by else "",
                icon="bi-share",
            )
        )
        if grant.revoked_at:
            entries.append(
                TimelineEntry(
                    at=grant.revoked_at,
                    kind="patient.share_ended",
                    title=_("Access ended for %(grantee)s") % {"grantee": grant.grantee_display},
                    actor=grant.revoked_by.display_name if grant.revoked_by else "",
                    icon="bi-slash-circle",
                )
            )
    return entries


def _measurement_summary(measurement) -> str:
    parts = [date_format(measurement.measured_on, "SHORT_DATE_FORMAT")]
    if measurement.weight_kg is not None:
        parts.append(_("weight %(value)s kg") % {"value": measurement.weight_kg})
    if measurement.height_cm is not None:
        parts.append(_("height %(value)s cm") % {"value": measurement.height_cm})
    if measurement.head_circumference_cm is not None:
        parts.append(_("head %(value)s cm") % {"value": measurement.head_circumference_cm})
    return " · ".join(parts)
