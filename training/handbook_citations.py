"""Training lessons that cite a handbook version (asked by handbook/citations.py when a
newer version supersedes it, so the training managers can update them)."""

from .models import Lesson


def citations_of(topic_version):
    return Lesson.objects.filter(handbook_topic_version=topic_version).select_related("module__course")
