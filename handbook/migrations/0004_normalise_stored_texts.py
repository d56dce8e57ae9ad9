# Texts saved from the browser were stored with CRLF line endings and trailing spaces, so
# "what changed" showed carried-over sections as changed. New saves are normalised
# (handbook.models.review.normalise_text); this normalises what was stored before. Only
# line endings and trailing blanks change: nothing a reader sees.

from django.db import migrations

VERSION_FIELDS = ("title_zh", "title_en", "summary_zh", "summary_en", "keywords_zh", "keywords_en", "change_note")
SECTION_FIELDS = ("body_zh", "body_en")
ROW_FIELDS = ("signs_zh", "signs_en", "classification_zh", "classification_en", "action_zh", "action_en")


def _normalise(text):
    # A copy of handbook.models.review.normalise_text as it was written: a migration must not
    # change when the code does.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip(" \t") for line in lines).rstrip("\n")


def _normalise_rows(model, fields):
    for row in model.objects.only("pk", *fields).iterator():
        changed = {name: _normalise(getattr(row, name)) for name in fields}
        changed = {name: value for name, value in changed.items() if value != getattr(row, name)}
        if changed:
            model.objects.filter(pk=row.pk).update(**changed)


def normalise(apps, schema_editor):
    _normalise_rows(apps.get_model("handbook", "TopicVersion"), VERSION_FIELDS)
    _normalise_rows(apps.get_model("handbook", "Section"), SECTION_FIELDS)
    _normalise_rows(apps.get_model("handbook", "ClassificationRow"), ROW_FIELDS)


class Migration(migrations.Migration):
    dependencies = [("handbook", "0003_pathway_documents")]

    operations = [migrations.RunPython(normalise, migrations.RunPython.noop)]
