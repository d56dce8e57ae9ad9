"""The search document's head (title, keywords and summary), for ranking without reading
the whole vector back; filled here for the documents built before."""

import django.contrib.postgres.search
from django.db import migrations

from handbook.search import document_words

_HEAD_SQL = " || ".join(
    f"setweight(to_tsvector('{config}'::regconfig, coalesce(v.{part}_{config}, '')), '{weight}')"
    for part, weight in (("a", "A"), ("summary", "C"))
    for config in ("simple", "english")
)


def fill_heads(apps, schema_editor):
    SearchDocument = apps.get_model("handbook", "SearchDocument")
    documents = SearchDocument.objects.select_related("version").order_by("pk")
    values = []
    for document in documents.iterator(chunk_size=500):
        version = document.version
        a_en = f"{version.title_en} {version.keywords_en}"
        values.append(
            [
                document.pk,
                document_words(f"{version.title_zh} {version.keywords_zh} {a_en}"),
                a_en,
                document_words(f"{version.summary_zh} {version.summary_en}"),
                version.summary_en,
            ]
        )
    table = SearchDocument._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        for start in range(0, len(values), 500):
            batch = values[start : start + 500]
            rows_sql = ", ".join(["(%s::bigint, %s, %s, %s, %s)"] * len(batch))
            cursor.execute(
                f"UPDATE {table} AS d SET head = {_HEAD_SQL} "  # noqa: S608 - values are parameters
                f"FROM (VALUES {rows_sql}) AS v(version_id, a_simple, a_english, summary_simple, summary_english) "
                "WHERE d.version_id = v.version_id",
                [item for row in batch for item in row],
            )


class Migration(migrations.Migration):
    dependencies = [
        ("handbook", "0008_reference_cases"),
    ]

    operations = [
        migrations.AddField(
            model_name="searchdocument",
            name="head",
            field=django.contrib.postgres.search.SearchVectorField(null=True),
        ),
        migrations.RunPython(fill_heads, migrations.RunPython.noop),
    ]
