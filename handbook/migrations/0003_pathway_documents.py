# A pathway version's table was stored three ways (the editors' JSON document, six tables of
# rows, the spec built from the rows). It is now one validated document on the version:
# each version's rows are written into its document, then the row tables are dropped.
# Going back rebuilds the rows from the documents.

from decimal import Decimal

import handbook.triage
from django.db import migrations, models

MONTHS = "months"


def _number(value):
    """A stored decimal as the document writes it: an int when whole, else a float."""
    if value is None:
        return None
    value = value.normalize()
    return int(value) if value == value.to_integral_value() else float(value)


def _band(row):
    if row.age_from is None and row.age_to is None:
        return {}
    return {
        "age_from": row.age_from,
        "age_from_unit": row.age_from_unit if row.age_from is not None else MONTHS,
        "age_to": row.age_to,
        "age_to_unit": row.age_to_unit if row.age_to is not None else MONTHS,
    }


def rows_to_documents(apps, schema_editor):
    PathwayVersion = apps.get_model("handbook", "PathwayVersion")
    PathwayCondition = apps.get_model("handbook", "PathwayCondition")
    for version in PathwayVersion.objects.all().iterator():
        questions = version.questions.order_by("position", "pk")
        rules = version.rules.select_related("classification").order_by("position", "pk")
        version.document = {
            "scope": _band(version),
            "questions": [
                {
                    "key": q.key,
                    "kind": q.kind,
                    "label_zh": q.label_zh,
                    "label_en": q.label_en,
                    "text_zh": q.text_zh,
                    "text_en": q.text_en,
                    "help_zh": q.help_zh,
                    "help_en": q.help_en,
                    "unit": q.unit,
                    "min_value": _number(q.min_value),
                    "max_value": _number(q.max_value),
                    "required": q.required,
                    "choices": q.choices,
                    "vital_sign": q.vital_sign,
                }
                for q in questions
            ],
            "classifications": [
                {
                    "code": c.code,
                    "colour": c.colour,
                    "name_zh": c.name_zh,
                    "name_en": c.name_en,
                    "actions_zh": c.actions_zh,
                    "actions_en": c.actions_en,
                    "is_note": c.is_note,
                    "is_default": c.is_default,
                }
                for c in version.classifications.order_by("position", "pk")
            ],
            "rules": [
                {
                    "classification": rule.classification.code,
                    "label_zh": rule.label_zh,
                    "label_en": rule.label_en,
                    "min_conditions": rule.min_conditions,
                    "conditions": [
                        {
                            "question": condition.question.key,
                            "operator": condition.operator,
                            **(
                                {"value": condition.value}
                                if condition.operator == "eq"
                                else {"threshold": _number(condition.threshold)}
                            ),
                            **_band(condition),
                        }
                        for condition in PathwayCondition.objects.filter(rule=rule)
                        .select_related("question")
                        .order_by("position", "pk")
                    ],
                }
                for rule in rules
            ],
            "test_cases": [
                {
                    "name": case.name,
                    "born": case.born.isoformat(),
                    "assessed_on": case.assessed_on.isoformat(),
                    "answers": case.answers,
                    "expected": case.expected,
                    "expected_notes": case.expected_notes,
                }
                for case in version.test_cases.order_by("position", "pk")
            ],
        }
        version.save(update_fields=["document"])


def _band_fields(item):
    fields = {}
    for end in ("age_from", "age_to"):
        fields[end] = item.get(end)
        fields[f"{end}_unit"] = item.get(f"{end}_unit") or MONTHS
    return fields


def documents_to_rows(apps, schema_editor):
    PathwayVersion = apps.get_model("handbook", "PathwayVersion")
    PathwayQuestion = apps.get_model("handbook", "PathwayQuestion")
    PathwayClassification = apps.get_model("handbook", "PathwayClassification")
    PathwayRule = apps.get_model("handbook", "PathwayRule")
    PathwayCondition = apps.get_model("handbook", "PathwayCondition")
    PathwayTestCase = apps.get_model("handbook", "PathwayTestCase")
    for version in PathwayVersion.objects.all().iterator():
        document = version.document or {}
        for name, value in _band_fields(document.get("scope") or {}).items():
            setattr(version, name, value)
        version.save(update_fields=["age_from", "age_from_unit", "age_to", "age_to_unit"])
        questions = {}
        for position, item in enumerate(document.get("questions", []), 1):
            questions[item["key"]] = PathwayQuestion.objects.create(
                version_id=version.pk,
                position=position,
                key=item["key"],
                kind=item["kind"],
                label_zh=item.get("label_zh", ""),
                label_en=item.get("label_en", ""),
                text_zh=item.get("text_zh", ""),
                text_en=item.get("text_en", ""),
                help_zh=item.get("help_zh", ""),
                help_en=item.get("help_en", ""),
                unit=item.get("unit", ""),
                min_value=None if item.get("min_value") is None else Decimal(str(item["min_value"])),
                max_value=None if item.get("max_value") is None else Decimal(str(item["max_value"])),
                required=item.get("required", True),
                choices=item.get("choices", []),
                vital_sign=item.get("vital_sign", ""),
            )
        classifications = {}
        for position, item in enumerate(document.get("classifications", []), 1):
            classifications[item["code"]] = PathwayClassification.objects.create(
                version_id=version.pk,
                position=position,
                code=item["code"],
                colour=item["colour"],
                name_zh=item.get("name_zh", ""),
                name_en=item.get("name_en", ""),
                actions_zh=item.get("actions_zh", ""),
                actions_en=item.get("actions_en", ""),
                is_note=item.get("is_note", False),
                is_default=item.get("is_default", False),
            )
        for position, item in enumerate(document.get("rules", []), 1):
            rule = PathwayRule.objects.create(
                version_id=version.pk,
                position=position,
                classification_id=classifications[item["classification"]].pk,
                min_conditions=item.get("min_conditions"),
                label_zh=item.get("label_zh", ""),
                label_en=item.get("label_en", ""),
            )
            for number, condition in enumerate(item.get("conditions", []), 1):
                threshold = condition.get("threshold")
                PathwayCondition.objects.create(
                    rule_id=rule.pk,
                    position=number,
                    question_id=questions[condition["question"]].pk,
                    operator=condition["operator"],
                    value=condition.get("value", "") if condition["operator"] == "eq" else "",
                    threshold=None if threshold is None else Decimal(str(threshold)),
                    **_band_fields(condition),
                )
        for position, item in enumerate(document.get("test_cases", []), 1):
            PathwayTestCase.objects.create(
                version_id=version.pk,
                position=position,
                name=item["name"],
                born=item["born"],
                assessed_on=item["assessed_on"],
                answers=item.get("answers", {}),
                expected=item["expected"],
                expected_notes=item.get("expected_notes", []),
            )


class Migration(migrations.Migration):
    dependencies = [
        ("handbook", "0002_pathways"),
    ]

    operations = [
        migrations.AddField(
            model_name="pathwayversion",
            name="document",
            field=models.JSONField(default=handbook.triage.empty_document, verbose_name="table"),
        ),
        migrations.RunPython(rows_to_documents, documents_to_rows),
        migrations.RemoveField(model_name="pathwayversion", name="age_from"),
        migrations.RemoveField(model_name="pathwayversion", name="age_from_unit"),
        migrations.RemoveField(model_name="pathwayversion", name="age_to"),
        migrations.RemoveField(model_name="pathwayversion", name="age_to_unit"),
        migrations.DeleteModel(name="PathwayCondition"),
        migrations.DeleteModel(name="PathwayRule"),
        migrations.DeleteModel(name="PathwayQuestion"),
        migrations.DeleteModel(name="PathwayClassification"),
        migrations.DeleteModel(name="PathwayTestCase"),
    ]
