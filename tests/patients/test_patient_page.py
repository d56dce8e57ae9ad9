from __future__ import annotations

from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from cloudpeds.audit.models import AccessEvent
from cloudpeds.patients import timeline
from cloudpeds.patients.models import CareTeamGrant
from cloudpeds.patients.timeline import TimelineEntry

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _url(patient) -> str:
    return f"/patients/{patient.public_id}/"


def test_the_page_shows_the_childs_record(doctor_client, patient) -> None:
    patient.chronic_conditions = "哮喘"
    patient.save()

    response = doctor_client.get(_url(patient))

    content = response.content.decode()
    assert response.status_code == 200
    assert '<h1 class="h3 mb-1" data-testid="patient-name">王小明</h1>' in content
    assert "2020-03-15" in content
    assert f'<span data-testid="age">{patient.age_display()}</span>' in content
    assert "YP0001" in content
    assert "Male" in content
    assert "哮喘" in content
    assert "李红" in content  # the guardian
    assert "13800138000" in content
    assert 'href="tel:13800138000"' in content  # a tap on a phone calls the guardian
    assert "Mother" in content


def test_the_patients_url_is_this_page(doctor_client, patient) -> None:
    """get_absolute_url (the admin's "view on site", redirects, generic links) names this page."""
    assert patient.get_absolute_url() == _url(patient) == reverse("patients:detail", args=[patient.public_id])

    response = doctor_client.get(patient.get_absolute_url())

    assert response.status_code == 200
    assert response.context["patient"] == patient


def test_allergies_are_highlighted(doctor_client, patient) -> None:
    patient.allergies = "青霉素过敏"
    patient.save()

    content = doctor_client.get(_url(patient)).content.decode()

    banner = content[content.rindex("<div", 0, content.index('data-testid="allergies"')) :]
    banner = banner[: banner.index("</div>\n        </div>")]
    assert "alert alert-danger" in banner
    assert 'role="alert"' in banner
    assert "青霉素过敏" in banner


def test_no_allergy_banner_without_allergies(doctor_client, patient) -> None:
    content = doctor_client.get(_url(patient)).content.decode()

    assert 'data-testid="allergies"' not in content


def test_the_consent_state_is_shown(doctor_client, patient) -> None:
    content = doctor_client.get(_url(patient)).content.decode()

    assert "The guardian agreed to share this record" in content
    assert "Withdraw consent" in content


def test_without_consent_the_page_offers_to_record_it(doctor_client, patient) -> None:
    patient.consents.all().delete()

    content = doctor_client.get(_url(patient)).content.decode()

    assert "No consent recorded: the record cannot be shared outside Yangpu District Central Hospital." in content
    assert f'action="/patients/{patient.public_id}/consent/"' in content
    assert 'value="李红"' in content  # prefilled with the first guardian


def test_newborn_birth_details_are_shown(doctor_client, patient) -> None:
    patient.gestational_age_weeks = 35
    patient.birth_weight_g = 2300
    patient.save()

    content = doctor_client.get(_url(patient)).content.decode()

    assert "35 weeks of gestation" in content
    assert "2300 g" in content


def test_measurements_are_listed_newest_first(doctor_client, doctor, patient) -> None:
    patient.measurements.create(measured_on=date(2023, 1, 5), weight_kg="13.10", recorded_by=doctor)
    patient.measurements.create(measured_on=date(2024, 2, 1), weight_kg="15.40", recorded_by=doctor)
    patient.measurements.create(measured_on=date(2023, 7, 9), weight_kg="14.20", recorded_by=doctor)

    content = doctor_client.get(_url(patient)).content.decode()

    positions = [content.index(weight) for weight in ("15.40", "14.20", "13.10")]
    assert positions == sorted(positions)
    assert "3 years 10 months" in content  # age at the 2024-02-01 measurement


def test_viewing_writes_one_access_event(doctor_client, doctor, patient) -> None:
    doctor_client.get(_url(patient))

    event = AccessEvent.objects.get()
    assert event.user == doctor
    assert event.patient == patient
    assert event.action == AccessEvent.Action.VIEW
    assert event.object_type == "patients.patient"
    assert event.object_id == str(patient.public_id)
    assert event.path == _url(patient)


def test_a_grant_viewer_is_logged_too(client, specialist, patient) -> None:
    patient.grant(user=specialist, reason="consultation")
    client.force_login(specialist)

    client.get(_url(patient))

    assert AccessEvent.objects.get().user == specialist


def test_the_timeline_shows_this_apps_events(doctor_client, doctor, patient, specialist) -> None:
    patient.measurements.create(measured_on=date(2024, 2, 1), weight_kg="15.40", recorded_by=doctor)
    patient.grant(user=specialist, reason="Consultation about a cough", granted_by=doctor)

    content = doctor_client.get(_url(patient)).content.decode()

    assert "Registered at Yangpu District Central Hospital" in content
    assert "Guardian&#x27;s consent to share the record recorded" in content
    assert "Growth measurement added" in content
    assert "weight 15.40 kg" in content
    assert f"Record shared with {specialist.display_name} (Xinhua Hospital)" in content
    assert "Consultation about a cough" in content


def test_the_timeline_merges_every_apps_entries_newest_first(doctor_client, doctor, patient, monkeypatch) -> None:
    patient.created_at = datetime(2024, 1, 1, 9, 0, tzinfo=SHANGHAI)
    patient.save()
    patient.consents.update(recorded_at=datetime(2024, 1, 1, 9, 5, tzinfo=SHANGHAI))

    def other_app(patient, user):
        assert user == doctor
        return [
            TimelineEntry(at=datetime(2024, 3, 1, 10, 0, tzinfo=SHANGHAI), kind="x.late", title="Later event"),
            TimelineEntry(at=datetime(2023, 12, 1, 10, 0, tzinfo=SHANGHAI), kind="x.early", title="Earlier event"),
        ]

    modules = [timeline, SimpleNamespace(timeline_entries=other_app)]
    monkeypatch.setattr(timeline, "app_modules", lambda name: iter(modules))

    content = doctor_client.get(_url(patient)).content.decode()

    order = ["Later event", "consent to share the record recorded", "Registered at", "Earlier event"]
    positions = [content.index(text) for text in order]
    assert positions == sorted(positions)
    assert "2024-03-01 10:00" in content  # shown in Shanghai time


def test_the_files_panel_is_loaded_from_the_attachments_app(doctor_client, patient) -> None:
    content = doctor_client.get(_url(patient)).content.decode()

    assert f'hx-get="{reverse("attachments:patient_files", args=[patient.public_id])}"' in content
    assert 'hx-trigger="load"' in content


def test_the_doctor_sees_edit_controls(doctor_client, patient) -> None:
    content = doctor_client.get(_url(patient)).content.decode()

    assert f'href="/patients/{patient.public_id}/edit/"' in content
    assert "Add a measurement" in content


def test_shares_are_listed(doctor_client, patient, specialist, baoshan) -> None:
    patient.grant(user=specialist, reason="consultation", until=timezone.now() + timedelta(days=10))
    patient.grant(hospital=baoshan, reason="transfer")

    content = doctor_client.get(_url(patient)).content.decode()

    assert "Baoshan District Central Hospital" in content
    assert f"{specialist.display_name} (Xinhua Hospital)" in content
    assert "until " in content


def test_also_seen_by_lists_live_shares_only_while_the_timeline_keeps_ended_ones(
    doctor_client, doctor, patient, specialist, baoshan, xinhua
) -> None:
    now = timezone.now()
    patient.grant(hospital=baoshan, reason="transfer")
    expired = now - timedelta(hours=1)
    CareTeamGrant.objects.create(patient=patient, hospital=xinhua, reason="expired", expires_at=expired)
    CareTeamGrant.objects.create(patient=patient, user=specialist, reason="ended", revoked_at=now, revoked_by=doctor)

    response = doctor_client.get(_url(patient))

    assert [grant.reason for grant in response.context["grants"]] == ["transfer"]
    assert "Access ended for" in response.content.decode()
    assert len([entry for entry in response.context["timeline"] if entry.kind == "patient.shared"]) == 3


def test_a_grant_is_live_exactly_when_the_live_queryset_says_so(patient, specialist, baoshan, xinhua) -> None:
    now = timezone.now()
    for grant in [
        {"hospital": baoshan},
        {"user": specialist, "expires_at": now + timedelta(days=1)},
        {"hospital": xinhua, "expires_at": now - timedelta(seconds=1)},
        {"user": specialist, "revoked_at": now},
        {"hospital": baoshan, "expires_at": now + timedelta(days=1), "revoked_at": now},
    ]:
        CareTeamGrant.objects.create(patient=patient, reason="test", **grant)

    live = set(CareTeamGrant.objects.live().values_list("pk", flat=True))

    assert {grant.pk for grant in CareTeamGrant.objects.all() if grant.is_live} == live
    assert len(live) == 2
    assert {grant.pk for grant in patient.loaded_live_grants()} == live


def test_the_active_consent_from_the_loaded_record_is_the_newest_not_withdrawn(doctor, patient) -> None:
    patient.withdraw_consent(withdrawn_by=doctor)
    renewed = patient.record_consent(given_by="李红", relation="mother", recorded_by=doctor)

    fresh = type(patient).objects.get(pk=patient.pk)
    assert fresh.loaded_active_consent() == renewed == fresh.active_consent()

    fresh.consents.update(withdrawn_at=timezone.now())
    assert type(patient).objects.get(pk=patient.pk).loaded_active_consent() is None


def test_the_page_shows_the_newest_events_and_says_when_there_are_older_ones(
    doctor_client, patient, monkeypatch
) -> None:
    start = datetime(2024, 1, 1, 9, 0, tzinfo=SHANGHAI)

    def busy_app(patient, user):
        return [
            TimelineEntry(at=start + timedelta(days=n), kind="x.event", title=f"Event number {n:03d}")
            for n in range(timeline.TIMELINE_LIMIT + 5)
        ]

    monkeypatch.setattr(timeline, "app_modules", lambda name: iter([SimpleNamespace(timeline_entries=busy_app)]))

    response = doctor_client.get(_url(patient))

    content = response.content.decode()
    shown = response.context["timeline"]
    assert len(shown) == timeline.TIMELINE_LIMIT
    assert shown[0].title == f"Event number {timeline.TIMELINE_LIMIT + 4:03d}"
    assert "Event number 004" not in content
    assert "Event number 005" in content
    assert 'data-testid="timeline-truncated"' in content
    assert f"The newest {timeline.TIMELINE_LIMIT} events are shown." in content


def test_a_short_timeline_says_nothing_about_older_events(doctor_client, patient) -> None:
    content = doctor_client.get(_url(patient)).content.decode()

    assert 'data-testid="timeline-truncated"' not in content


def test_the_query_count_does_not_grow_with_the_record(doctor_client, doctor, patient, specialist, baoshan) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.conftest import app_queries

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert doctor_client.get(_url(patient)).status_code == 200
        return len(app_queries(captured))

    patient.grant(user=specialist, reason="consultation", granted_by=doctor)
    small = count()
    for day in range(1, 6):
        patient.measurements.create(measured_on=date(2024, 2, day), weight_kg="15.40", recorded_by=doctor)
        patient.grant(hospital=baoshan, reason="transfer", granted_by=doctor).delete()
        patient.grant(hospital=baoshan, reason="transfer", granted_by=doctor)
    patient.withdraw_consent(withdrawn_by=doctor)
    patient.record_consent(given_by="李红", relation="mother", recorded_by=doctor)

    assert count() == small


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_wrong_method(doctor_client, patient, method) -> None:
    assert getattr(doctor_client, method)(_url(patient)).status_code == 405
    assert not AccessEvent.objects.exists()
