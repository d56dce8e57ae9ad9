"""Old "version superseded" notifications stored the topic as "中文 / English": now its two
titles, of which the reader's language shows one."""

from django.db import migrations

from cloudpeds.notifications.rewrite import rewrite_contexts


def _convert(context: dict, version) -> dict:
    if version is not None and "topic" in context:
        context.pop("topic")
        context["topic_zh"], context["topic_en"] = version.title_zh, version.title_en
    return context


def forwards(apps, schema_editor) -> None:
    rewrite_contexts(apps, "handbook.topicversion", _convert)


class Migration(migrations.Migration):
    dependencies = [
        ("handbook", "0008_reference_cases"),
        ("notifications", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
