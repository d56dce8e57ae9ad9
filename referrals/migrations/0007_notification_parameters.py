"""Old referral notifications stored text in the language of whoever caused them (age,
urgency, hospitals, department, direction, transport, rejection reason): what the referral
holds is rendered from it now, the rest is stored in both languages."""

from django.db import migrations

from cloudpeds.notifications.rewrite import both_ways, pair, rewrite_contexts

# The labels as they were when these rows were written (frozen here).
LABELS = {
    "direction": both_ways(
        ("上转至上级医院", "Up to a higher-level hospital"),
        ("下转至区级或社区医院", "Down to a district or community hospital"),
    ),
    "transport": both_ways(
        ("自行前往", "Own transport"),
        ("救护车", "Ambulance"),
        ("救护车（医生随车）", "Ambulance with a doctor"),
    ),
    "reason": both_ways(
        ("重复申请", "Duplicate request"),
        ("不宜转诊", "Transfer not appropriate"),
        ("信息不完整", "Incomplete information"),
        ("无接收能力", "No capacity"),
        ("超出本院服务范围", "Outside the services we offer"),
        ("其他", "Other"),
    ),
}


def forwards(apps, schema_editor) -> None:
    Department = apps.get_model("accounts", "Department")
    departments = both_ways(*Department.objects.values_list("name_zh", "name_en"))

    def convert(context: dict, referral) -> dict:
        if referral is not None:
            for key in ("patient_age", "urgency", "sending_hospital", "receiving_hospital"):
                context.pop(key, None)
        for name, labels in LABELS.items():
            context = pair(labels, name, context)
        return pair(departments, "department", context)

    rewrite_contexts(apps, "referrals.referral", convert)


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0006_history_triggers_after_merge"),
        ("notifications", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
