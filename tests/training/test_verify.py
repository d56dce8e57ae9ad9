"""The public verification page /certificates/verify/<code>/ (no sign-in): what a certificate
says and where it stands (valid, expired, revoked with reason and date, superseded by the
new code), never a phone or ID number; unknown codes; the rate limit per address."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import CertificateFactory, CourseFactory, UserFactory
from training.views import verification

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture(autouse=True)
def one_minute(monkeypatch):
    """The limit counts per clock minute: keep every request of a test in the same one."""
    monkeypatch.setattr(verification, "_current_minute", lambda: 30_000_000)


@pytest.fixture
def certificate(yangpu):
    holder = UserFactory(
        username="chen",
        last_name="陈",
        first_name="建国",
        hospital=yangpu,
        phone="13912345678",
        licence_number="110310000012345",
    )
    course = CourseFactory(
        title_zh="5岁以下儿童发热的处理", title_en="Managing fever in children under 5", credit_hours="4.0"
    )
    return CertificateFactory(holder=holder, course=course, credit_class="I")


def verify_url(code: str) -> str:
    return reverse("certificates:verify", args=[code])


def test_the_address_is_public_and_outside_training(certificate):
    assert verify_url(certificate.code) == f"/certificates/verify/{certificate.code}/"
    assert certificate.verification_url().endswith(verify_url(certificate.code))


def test_a_valid_certificate_without_signing_in(client, certificate):
    response = client.get(verify_url(certificate.code))

    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-state="valid"' in content
    for shown in [
        "陈建国",
        "5岁以下儿童发热的处理",
        "Managing fever in children under 5",
        "4.0",
        "Class I",
        certificate.code,
    ]:
        assert shown in content
    assert certificate.issued_on.strftime("%Y-%m-%d") in content
    assert certificate.expires_on.strftime("%Y-%m-%d") in content
    # Nothing else about the holder.
    assert "13912345678" not in content
    assert "110310000012345" not in content
    assert "chen@example.org" not in content
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_the_code_may_be_typed_in_lower_case_without_dashes(client, certificate):
    response = client.get(verify_url(certificate.code.replace("-", "").lower()))

    assert response.status_code == 200
    assert 'data-state="valid"' in response.content.decode()


def test_an_expired_certificate(client, certificate):
    type(certificate).objects.filter(pk=certificate.pk).update(expires_on=timezone.localdate() - timedelta(days=1))

    content = client.get(verify_url(certificate.code)).content.decode()

    assert 'data-state="expired"' in content
    assert "This certificate expired on" in content


def test_a_revoked_certificate_shows_the_reason_and_date(client, certificate, manager):
    certificate.revoke(manager, "考试作弊 <script>alert(1)</script>")

    content = client.get(verify_url(certificate.code)).content.decode()

    assert 'data-state="revoked"' in content
    assert f"This certificate was revoked on {timezone.localdate():%Y-%m-%d}." in content
    assert "考试作弊 &lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert "<script>alert(1)" not in content


def test_a_superseded_certificate_names_its_successor(client, certificate, manager):
    new = certificate.reissue(manager)

    old_page = client.get(verify_url(certificate.code)).content.decode()
    new_page = client.get(verify_url(new.code)).content.decode()

    assert 'data-state="superseded"' in old_page
    assert f'href="{verify_url(new.code)}"' in old_page
    assert 'data-state="valid"' in new_page


def test_an_unknown_code_says_so_with_a_404(client):
    response = client.get(verify_url("AAAA-BBBB-CCCC-DDDD"))

    assert response.status_code == 404
    content = response.content.decode()
    assert 'data-state="unknown"' in content
    assert "No certificate has the code “AAAA-BBBB-CCCC-DDDD”." in content
    assert client.get(verify_url("not-a-code")).status_code == 404


def test_the_page_is_rate_limited_per_address(client, certificate, settings):
    settings.CERTIFICATE_VERIFY_RATE_LIMIT = 30
    for _ in range(30):
        assert client.get(verify_url(certificate.code), REMOTE_ADDR="10.1.1.1").status_code == 200

    limited = client.get(verify_url("AAAA-BBBB-CCCC-DDDD"), REMOTE_ADDR="10.1.1.1")
    other = client.get(verify_url(certificate.code), REMOTE_ADDR="10.1.1.2")

    assert limited.status_code == 429
    assert limited["Retry-After"] == "60"
    assert 'data-state="limited"' in limited.content.decode()
    assert certificate.code not in limited.content.decode()
    assert other.status_code == 200


def test_guessing_codes_is_limited_too(client):
    statuses = [
        client.get(verify_url(f"AAAA-BBBB-CCCC-{n:04d}"), REMOTE_ADDR="10.9.9.9").status_code for n in range(31)
    ]

    assert statuses[:30] == [404] * 30
    assert statuses[30] == 429


def test_the_lookup_form_leads_to_the_page(client, certificate):
    assert client.get(reverse("certificates:verify_lookup")).status_code == 200

    response = client.get(reverse("certificates:verify_lookup"), {"code": certificate.code.lower()})

    assert response.status_code == 302
    assert response.url == verify_url(certificate.code)


def test_the_page_is_get_only(client, certificate):
    assert client.post(verify_url(certificate.code)).status_code == 405
