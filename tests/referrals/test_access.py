"""Another hospital's user gets 404 on every URL of a referral: pages, actions, fragments,
the letter and the attachments. People with no clinical role get 403 before any lookup."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from cloudpeds.attachments.models import Attachment
from referrals.models import ReferralLetter
from tests.factories import AttachmentFactory

pytestmark = pytest.mark.django_db

REFERRAL_URLS = [
    ("get", "detail"),
    ("post", "provide_info"),
    ("post", "mark_departed"),
    ("post", "cancel"),
    ("post", "approve"),
    ("post", "request_info"),
    ("post", "reject"),
    ("post", "redirect"),
    ("post", "confirm_arrival"),
    ("post", "discharge"),
    ("get", "new_down_referral"),
    ("post", "new_down_referral"),
    ("post", "acknowledge"),
    ("get", "letter"),
    ("post", "letter"),
    ("get", "letter_download"),
]


@pytest.fixture
def everything(down_referral, doctor, specialist):
    """A closed up-referral with a letter and a file, and its down-referral."""
    up = down_referral.up_referral
    for referral in (up, down_referral):
        letter, _queued = ReferralLetter.request_for(referral, doctor)
        ReferralLetter.objects.get(pk=letter.pk).generate_pdf()
    attachment = AttachmentFactory(patient=up.patient, uploaded_by=doctor)
    Attachment.objects.filter(pk=attachment.pk).update(
        source_type=ContentType.objects.get_for_model(up), source_id=up.pk
    )
    return up, down_referral, attachment


def test_another_hospital_gets_404_on_every_url(client, outsider, baoshan_admin, everything):
    up, down, _attachment = everything
    for person in (outsider, baoshan_admin):
        client.force_login(person)
        for referral in (up, down):
            for method, name in REFERRAL_URLS:
                url = reverse(f"referrals:{name}", args=[referral.public_id])
                assert getattr(client, method)(url).status_code == 404, (person.username, method, url)


def test_no_clinical_role_gets_403_on_every_url(client, xinhua_outsider_role, everything):
    client.force_login(xinhua_outsider_role)
    for method, name in REFERRAL_URLS:
        url = reverse(f"referrals:{name}", args=[everything[0].public_id])
        assert getattr(client, method)(url).status_code == 403, (method, url)


def test_follow_up_items_and_attachments_of_another_hospital_are_404(client, outsider, everything):
    _up, down, attachment = everything
    client.force_login(outsider)
    item = down.follow_ups.first()
    assert client.post(reverse("referrals:record_follow_up", args=[item.public_id])).status_code == 404
    assert client.get(reverse("attachments:download", args=[attachment.public_id])).status_code == 404


def test_another_hospital_sees_none_in_lists_timeline_and_search(client, outsider, everything):
    up, _down, _attachment = everything
    client.force_login(outsider)
    body = client.get(reverse("referrals:list")).content.decode()
    assert up.patient.name not in body
    assert client.get(reverse("patients:detail", args=[up.patient.public_id])).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, everything):
    response = client.get(reverse("referrals:detail", args=[everything[0].public_id]))
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


def test_the_receiving_hospital_sees_files_through_the_grant(client, transfer_admin, everything):
    up, _down, attachment = everything
    client.force_login(transfer_admin)
    assert client.get(reverse("attachments:download", args=[attachment.public_id])).status_code == 200
    response = client.get(reverse("referrals:detail", args=[up.public_id]))
    assert attachment.original_name in response.content.decode()
