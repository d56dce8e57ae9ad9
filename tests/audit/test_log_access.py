from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.utils import timezone

from cloudpeds.audit.models import AccessEvent, client_ip, log_access

pytestmark = pytest.mark.django_db


def _request(user=None, path: str = "/patients/record/", **meta):
    request = RequestFactory().get(path, **meta)
    request.user = user
    return request


def test_log_access_records_who_what_which_object_when_and_where(doctor, child):
    before = timezone.now()
    request = _request(doctor, "/patients/record/?tab=growth", REMOTE_ADDR="192.0.2.15")

    event = log_access(request, child, AccessEvent.Action.VIEW)

    event = AccessEvent.objects.get(pk=event.pk)
    assert event.user == doctor
    assert event.patient == child
    assert event.action == "view"
    assert event.object_type == "patients.patient"
    assert event.object_id == str(child.public_id)
    assert event.path == "/patients/record/?tab=growth"
    assert event.ip_address == "192.0.2.15"
    assert before <= event.at <= timezone.now()


def test_the_object_read_is_recorded_by_its_public_id_or_else_its_pk(doctor, child):
    measurement = child.measurements.create(measured_on=timezone.localdate(), weight_kg=12, recorded_by=doctor)
    guardian = child.guardians.get()

    downloaded = log_access(_request(doctor), child, AccessEvent.Action.DOWNLOAD, measurement)
    printed = log_access(_request(doctor), child, AccessEvent.Action.PRINT, guardian)

    assert (downloaded.object_type, downloaded.object_id) == ("patients.growthmeasurement", str(measurement.public_id))
    assert (printed.object_type, printed.object_id) == ("patients.guardian", str(guardian.pk))
    assert AccessEvent.objects.for_patient(child).count() == 2


def test_a_long_address_is_cut_to_the_column(doctor, child):
    event = log_access(_request(doctor, "/patients/" + "x" * 400), child, AccessEvent.Action.VIEW)

    event.refresh_from_db()
    assert len(event.path) == 300


def test_x_forwarded_for_is_ignored_by_default_even_in_debug(settings, doctor, child):
    settings.DEBUG = True
    del settings.AUDIT_TRUST_X_FORWARDED_FOR  # unset: the default must be "do not trust"
    request = _request(doctor, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")

    event = log_access(request, child, AccessEvent.Action.VIEW)

    event.refresh_from_db()
    assert event.ip_address == "10.0.0.2"


def test_x_forwarded_for_is_ignored_when_not_trusted_in_production(settings, doctor, child):
    settings.DEBUG = False
    settings.AUDIT_TRUST_X_FORWARDED_FOR = False
    request = _request(doctor, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert client_ip(request) == "10.0.0.2"


def test_trusted_x_forwarded_for_gives_the_address_our_proxy_appended(settings, doctor, child):
    settings.AUDIT_TRUST_X_FORWARDED_FOR = True
    # The client sent its own header ("1.2.3.4"); our proxy appended the address it saw.
    request = _request(doctor, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")

    event = log_access(request, child, AccessEvent.Action.VIEW)

    event.refresh_from_db()
    assert event.ip_address == "203.0.113.9"


def test_a_number_of_trusted_proxies_counts_hops_from_the_right(settings):
    settings.AUDIT_TRUST_X_FORWARDED_FOR = 2
    request = _request(REMOTE_ADDR="10.0.0.3", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9, 10.0.0.2")

    assert client_ip(request) == "203.0.113.9"


@pytest.mark.parametrize(
    ("forwarded", "remote", "expected"),
    [
        ("unknown", "10.0.0.2", "10.0.0.2"),  # unparseable header: fall back to the socket
        ("", "10.0.0.2", "10.0.0.2"),  # trusted but absent (a request that bypassed the proxy)
        ("2001:db8::1", "10.0.0.2", "2001:db8::1"),
        ("garbage", "", None),  # a unix-socket server has no REMOTE_ADDR
    ],
)
def test_addresses_that_do_not_parse_are_not_stored(settings, doctor, child, forwarded, remote, expected):
    settings.AUDIT_TRUST_X_FORWARDED_FOR = True
    request = _request(doctor, REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)

    event = log_access(request, child, AccessEvent.Action.VIEW)

    event.refresh_from_db()
    assert event.ip_address == expected


# --- No fsync of its own per page (issue 17) ---------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_row_commits_without_waiting_for_the_disk(doctor, child):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        event = log_access(_request(doctor), child, AccessEvent.Action.VIEW)

    statements = [query["sql"] for query in captured.captured_queries]
    # One transaction of its own: the setting, the row, the commit.
    assert statements[0] == "BEGIN"
    assert statements[1] == "SET LOCAL synchronous_commit TO OFF"
    assert statements[2].startswith('INSERT INTO "audit_accessevent"')
    assert statements[3] == "COMMIT"
    # Committed (a new connection sees it) and the setting was for that transaction only.
    assert AccessEvent.objects.filter(pk=event.pk).exists()
    assert not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"


def test_inside_a_transaction_the_row_commits_with_it_and_leaves_its_setting_alone(doctor, child):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        log_access(_request(doctor), child, AccessEvent.Action.VIEW)

    assert [q["sql"] for q in captured.captured_queries if "synchronous_commit" in q["sql"]] == []
    assert AccessEvent.objects.filter(patient=child, user=doctor).count() == 1


def test_every_page_view_of_a_child_still_writes_its_event(client, doctor, child):
    client.force_login(doctor)

    for _ in range(3):
        assert client.get(child.get_absolute_url()).status_code == 200

    assert AccessEvent.objects.filter(patient=child, user=doctor, action="view").count() >= 3
