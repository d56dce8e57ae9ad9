"""PDFs of the handbook: one topic (in the request) or the whole handbook (a Celery task).

Both show the same content as the topic page (reading.build_page) with the version stamp:
version number, who approved it, the effective date and the next review date.
"""

from __future__ import annotations

from django.utils import timezone, translation

from .models import HandbookEdition, TopicVersion
from .reading import TopicPage, build_page


def render_topic_pdf(version: TopicVersion, langs: tuple[str, ...]) -> bytes:
    # Imported here: WeasyPrint is slow to load and most requests never make a PDF.
    from cloudpeds.core.pdf import render_pdf

    page = build_page(version, langs)
    return render_pdf(
        "handbook/pdf/topics.html",
        {"pages": [page], "document_title": page.titles[0].text, "printed_at": timezone.now(), "edition": None},
    )


def render_handbook_pdf(edition: HandbookEdition) -> bytes:
    """Every topic of the edition, in the handbook's order, both languages."""
    from cloudpeds.core.pdf import render_pdf

    pages: list[TopicPage] = [build_page(version, ("zh", "en")) for version in edition.versions()]
    # The edition is one file for everyone: labels in the group's language, content in both.
    with translation.override("zh-hans"):
        return render_pdf(
            "handbook/pdf/topics.html",
            {"pages": pages, "document_title": None, "printed_at": timezone.now(), "edition": edition},
        )
