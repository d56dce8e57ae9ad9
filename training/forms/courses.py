"""Forms of the course pages: they parse and validate; the rules live on the models."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from cloudpeds.accounts.models import Hospital
from cloudpeds.accounts.roles import DOCTOR_ROLES, Role
from handbook.models import TopicVersion

from ..models import Course, Lesson, Module

# Addresses the management URLs use as words: a course cannot take them as its slug.
RESERVED_SLUGS = frozenset({"new", "modules", "lessons", "enrolments", "courses", "questions", "exams", "certificates"})
VIDEO_MAX_BYTES = 500 * 1024 * 1024


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class CourseForm(forms.ModelForm):
    class Meta:
        model = Course
        fields = [
            "slug",
            "title_zh",
            "title_en",
            "description_zh",
            "description_en",
            "credit_hours",
            "credit_class",
            "is_open",
            "certificate_validity_months",
        ]
        widgets = {
            "description_zh": forms.Textarea(attrs={"rows": 3}),
            "description_en": forms.Textarea(attrs={"rows": 3}),
        }

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if slug in RESERVED_SLUGS:
            raise ValidationError(_("This address is reserved; choose another."))
        return slug


class ModuleForm(forms.ModelForm):
    class Meta:
        model = Module
        fields = ["order", "title_zh", "title_en"]


def _sniff_video(upload: UploadedFile) -> str:
    """The content type from the file's first bytes (MP4 or WebM), or "" for anything else."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if head[4:8] == b"ftyp":
        return "video/mp4"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "video/webm"
    return ""


class LessonForm(forms.ModelForm):
    class Meta:
        model = Lesson
        fields = [
            "order",
            "kind",
            "title_zh",
            "title_en",
            "video",
            "video_duration_seconds",
            "reading_markdown_zh",
            "reading_markdown_en",
            "handbook_topic_version",
        ]
        widgets = {
            "reading_markdown_zh": forms.Textarea(attrs={"rows": 10}),
            "reading_markdown_en": forms.Textarea(attrs={"rows": 10}),
            "video": forms.ClearableFileInput(attrs={"accept": "video/mp4,video/webm"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["handbook_topic_version"]
        # Lessons cite versions readers can open (published or superseded).
        field.queryset = TopicVersion.objects.readable().select_related("topic").order_by("topic__slug", "-number")
        field.label_from_instance = lambda version: f"{version.title} ({version.topic.slug} v{version.number})"

    def clean_video(self) -> Any:
        video = self.cleaned_data.get("video")
        if isinstance(video, UploadedFile):
            if video.size > VIDEO_MAX_BYTES:
                raise ValidationError(_("The video is larger than 500 MB."))
            content_type = _sniff_video(video)
            if not content_type:
                raise ValidationError(_("Upload an MP4 or WebM video."))
            self.instance.video_content_type = content_type
        return video

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind = data.get("kind")
        if kind in (Lesson.Kind.VIDEO, Lesson.Kind.BOTH):
            if not data.get("video"):
                self.add_error("video", _("A video lesson needs a video."))
            if not data.get("video_duration_seconds"):
                self.add_error("video_duration_seconds", _("Give the video's length in seconds."))
        if kind in (Lesson.Kind.READING, Lesson.Kind.BOTH) and not data.get("reading_markdown_zh", "").strip():
            self.add_error("reading_markdown_zh", _("A reading lesson needs its text."))
        return data


def doctors() -> Any:
    return get_user_model().objects.with_role(*DOCTOR_ROLES)


class EnrolPersonForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DateInput())

    def clean_username(self) -> Any:
        username = self.cleaned_data["username"].strip()
        user = doctors().filter(username__iexact=username).first()
        if user is None:
            raise ValidationError(_("No active doctor has this username."))
        return user


class CohortForm(forms.Form):
    """Hospital × role × professional title: any of the three, at least one."""

    hospital = forms.ModelChoiceField(label=_("Hospital"), queryset=Hospital.objects.all(), required=False)
    role = forms.ChoiceField(label=_("Role"), required=False)
    title = forms.ChoiceField(label=_("Professional title"), required=False)
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", _("Any role"))] + [
            (role.value, role.label) for role in Role if role in DOCTOR_ROLES
        ]
        titles = doctors().exclude(title="").order_by("title").values_list("title", flat=True).distinct()
        self.fields["title"].choices = [("", _("Any title"))] + [(title, title) for title in titles]
        self.fields["hospital"].empty_label = _("Any hospital")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not (data.get("hospital") or data.get("role") or data.get("title")):
            raise ValidationError(_("Pick a hospital, a role or a professional title."))
        return data


class DueDateForm(forms.Form):
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DateInput())


class ProgressFilterForm(forms.Form):
    hospital = forms.ModelChoiceField(label=_("Hospital"), queryset=Hospital.objects.all(), required=False)
    title = forms.CharField(label=_("Professional title"), required=False, max_length=60)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["hospital"].empty_label = _("All hospitals")
