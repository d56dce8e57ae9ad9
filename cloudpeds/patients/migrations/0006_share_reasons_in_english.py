"""Sharing reasons stored in Chinese before grants stored their English source text.

`Patient.grant` now stores the English msgid and `CareTeamGrant.reason_display` translates it
for the reader; rows written earlier hold the Chinese of whoever caused the grant, which an
English reader saw as is ("Record shared … / 接收转诊申请"). This puts the English msgid back
for every reason the portal gives (other text is left as written).
"""

from django.db import migrations
from django.utils import translation

# Every reason Patient.grant is given (consultations.Consultation.claim, referrals._share_record).
REASONS = [
    "Answering a remote consultation",
    "Receiving a transfer request",
    "Following up a down-referred child",
]


def reasons_in_english(apps, schema_editor):
    CareTeamGrant = apps.get_model("patients", "CareTeamGrant")
    with translation.override("zh-hans"):
        chinese = {translation.gettext(reason): reason for reason in REASONS}
    for stored, english in chinese.items():
        if stored != english:
            CareTeamGrant.objects.filter(reason=stored).update(reason=english)


class Migration(migrations.Migration):
    dependencies = [("patients", "0005_merge_issue_15_17_18")]

    operations = [migrations.RunPython(reasons_in_english, migrations.RunPython.noop)]
