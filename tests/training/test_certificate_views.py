"""The certificate pages behind sign-in (training/views/certificates.py): the learner's list
and yearly credits, a certificate with its PDF panel ("being prepared" until ready) and the
download, and the managers' list, revoke and reissue. Someone else's certificate is a 404."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import CertificateFactory
from training.models import Certificate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def certificate(doctor):
    return CertificateFactory(holder=doctor, credit_hours=Decimal("4.0"))


def flash(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


# --- My certificates and credits ------------------------------------------------------------------------


def test_the_panel_lists_my_certificates_and_the_years_credits(client, doctor, outsider, settings):
    settings.CME_ANNUAL_CREDITS = 10
    mine = CertificateFactory(holder=doctor, credit_hours=Decimal("4.0"), course_title_en="Fever under 5")
    CertificateFactory(holder=doctor, credit_hours=Decimal("2.5"))
    CertificateFactory(holder=outsider, credit_hours=Decimal("9.0"), course_title_en="Not mine")
    client.force_login(doctor)

    response = client.get(reverse("training:my_certificates_panel"), **HTMX)

    assert response.status_code == 200
    content = response.content.decode()
    assert f"{timezone.localdate().year}: 6.5 of 10 credit hours" in content
    assert 'value="65"' in content  # the progress bar
    assert "Fever under 5" in content and "Not mine" not in content
    assert reverse("training:certificate", args=[mine.public_id]) in content


def test_the_requirement_defaults_to_25_credits(client, doctor):
    # settings.CME_ANNUAL_CREDITS, from the environment; 25 when it is not set.
    CertificateFactory(holder=doctor, credit_hours=Decimal("30.0"))
    client.force_login(doctor)

    content = client.get(reverse("training:my_certificates")).content.decode()

    assert "30 of 25 credit hours" in content
    assert "Annual requirement met" in content


def test_credits_of_another_year(client, doctor):
    year = timezone.localdate().year - 1
    CertificateFactory(holder=doctor, credit_hours=Decimal("3.0"), issued_at=datetime(year, 6, 1, tzinfo=UTC))
    client.force_login(doctor)

    content = client.get(reverse("training:my_certificates_panel"), {"year": year}).content.decode()

    assert f"{year}: 3 of 25 credit hours" in content


def test_the_panel_needs_sign_in_and_get(client, doctor):
    assert client.get(reverse("training:my_certificates_panel")).status_code == 302
    client.force_login(doctor)
    assert client.post(reverse("training:my_certificates_panel")).status_code == 405


# --- A certificate and its PDF --------------------------------------------------------------------------


def test_the_holder_sees_the_certificate_being_prepared_then_ready(client, doctor, certificate):
    client.force_login(doctor)
    url = reverse("training:certificate_pdf_panel", args=[certificate.public_id])

    page = client.get(certificate.get_absolute_url()).content.decode()
    assert 'data-state="pending"' in page
    assert f'hx-get="{url}"' in page  # polls

    certificate.generate_pdf()
    panel = client.get(url, **HTMX).content.decode()
    assert 'data-state="ready"' in panel
    assert reverse("training:certificate_download", args=[certificate.public_id]) in panel
    assert "hx-trigger" not in panel


def test_downloading_the_pdf(client, doctor, certificate):
    certificate.generate_pdf()
    client.force_login(doctor)

    response = client.get(reverse("training:certificate_download", args=[certificate.public_id]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="certificate-{certificate.code}.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert "no-store" in response["Cache-Control"]


def test_no_download_before_the_pdf_is_ready_or_after_revocation(client, doctor, manager, certificate):
    client.force_login(doctor)
    url = reverse("training:certificate_download", args=[certificate.public_id])
    assert client.get(url).status_code == 404

    certificate.generate_pdf()
    certificate.revoke(manager, "wrong person")

    assert client.get(url).status_code == 404


def test_a_stalled_pdf_can_be_asked_for_again(client, doctor, certificate, django_capture_on_commit_callbacks):
    Certificate.objects.filter(pk=certificate.pk).update(pdf_requested_at=timezone.now() - timezone.timedelta(hours=1))
    client.force_login(doctor)
    assert 'data-state="stalled"' in client.get(certificate.get_absolute_url()).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("training:certificate_pdf_request", args=[certificate.public_id]), **HTMX)

    assert response.status_code == 200
    certificate.refresh_from_db()
    assert certificate.pdf_ready  # the task ran (eagerly) after the commit


def test_someone_elses_certificate_is_a_404_everywhere(client, outsider, certificate):
    certificate.generate_pdf()
    client.force_login(outsider)

    for name in ("training:certificate", "training:certificate_pdf_panel", "training:certificate_download"):
        assert client.get(reverse(name, args=[certificate.public_id])).status_code == 404
    assert client.post(reverse("training:certificate_pdf_request", args=[certificate.public_id])).status_code == 404


def test_certificate_pages_answer_the_right_methods(client, doctor, certificate):
    client.force_login(doctor)
    assert client.post(certificate.get_absolute_url()).status_code == 405
    assert client.get(reverse("training:certificate_pdf_request", args=[certificate.public_id])).status_code == 405


# --- Managers ---------------------------------------------------------------------------------------------


def test_managers_find_certificates_by_name_or_code(client, manager, certificate):
    other = CertificateFactory()
    client.force_login(manager)
    url = reverse("training:manage_certificates")

    by_code = client.get(url, {"q": certificate.code.replace("-", "").lower()}).content.decode()
    by_name = client.get(url, {"q": certificate.holder_name}).content.decode()

    assert certificate.code in by_code and other.code not in by_code
    assert certificate.code in by_name


def test_the_managers_list_is_forbidden_to_learners(client, doctor):
    client.force_login(doctor)
    assert client.get(reverse("training:manage_certificates")).status_code == 403


def test_a_manager_revokes_with_a_reason(client, manager, certificate):
    client.force_login(manager)

    response = client.post(reverse("training:certificate_revoke", args=[certificate.public_id]), {"reason": "学分造假"})

    assert response.url == certificate.get_absolute_url()
    certificate.refresh_from_db()
    assert (certificate.status, certificate.revoke_reason, certificate.revoked_by) == ("revoked", "学分造假", manager)
    page = client.get(certificate.get_absolute_url()).content.decode()
    assert 'data-state="revoked"' in page and "学分造假" in page


def test_revoking_without_a_reason_changes_nothing(client, manager, certificate):
    client.force_login(manager)

    response = client.post(reverse("training:certificate_revoke", args=[certificate.public_id]), {"reason": ""})

    assert flash(response) == ["Give the reason for revoking the certificate."]
    certificate.refresh_from_db()
    assert certificate.status == "valid"


def test_a_manager_reissues_after_a_name_correction(client, manager, doctor, certificate):
    doctor.last_name, doctor.first_name = "欧阳", "修"
    doctor.save()
    client.force_login(manager)

    response = client.post(reverse("training:certificate_reissue", args=[certificate.public_id]), {"note": "姓名更正"})

    new = Certificate.objects.get(holder=doctor, status="valid")
    assert response.url == new.get_absolute_url()
    assert new.holder_name == "欧阳修"
    certificate.refresh_from_db()
    assert (certificate.status, certificate.superseded_by) == ("superseded", new)
    assert new.code in flash(response)[0]


def test_learners_cannot_revoke_or_reissue_even_their_own(client, doctor, certificate):
    client.force_login(doctor)

    assert (
        client.post(reverse("training:certificate_revoke", args=[certificate.public_id]), {"reason": "x"}).status_code
        == 403
    )
    assert client.post(reverse("training:certificate_reissue", args=[certificate.public_id])).status_code == 403
    assert client.get(reverse("training:certificate_revoke", args=[certificate.public_id])).status_code == 405
    certificate.refresh_from_db()
    assert certificate.status == "valid"
    assert Certificate.objects.count() == 1
