"""Old consultation notifications stored text in the language of whoever caused them (the
child's age, the recommendation, the decline reason): the age and recommendation are
rendered from the case now, the reason is stored in both languages."""

from django.db import migrations

from cloudpeds.notifications.rewrite import both_ways, pair, rewrite_contexts

# DeclineReason's labels as they were when these rows were written (frozen here).
DECLINE_REASONS = both_ways(
    ("不属于本专科范围", "Outside this specialty"),
    ("信息不足，无法答复", "Not enough information to answer"),
    ("需要当面评估", "Needs an in-person assessment"),
    ("与另一会诊重复", "Duplicate of another consultation"),
    ("其他", "Other"),
)


def _convert(context: dict, consultation) -> dict:
    if consultation is not None:
        # Rendered from the case when displayed; the stored text stays only for a lost case.
        context.pop("patient_age", None)
        context.pop("recommendation", None)
    return pair(DECLINE_REASONS, "reason", context)


def forwards(apps, schema_editor) -> None:
    rewrite_contexts(apps, "consultations.consultation", _convert)


class Migration(migrations.Migration):
    dependencies = [
        ("consultations", "0010_autosave"),
        ("notifications", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
