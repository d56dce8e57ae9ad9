"""Forms of the editors' topic pages: a new topic, its settings, a draft, and the review steps."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import VIDEO_TYPES, AgeBand, ClassificationRow, Section, Topic, TopicVersion, normalise_text

_DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_VIDEO_BYTES = 1024 * 1024 * 1024


class _AgeBandsMixin(forms.ModelForm):
    age_bands = forms.TypedMultipleChoiceField(
        label=_("Age bands"), choices=AgeBand.choices, widget=forms.CheckboxSelectMultiple
    )


class NewTopicForm(_AgeBandsMixin):
    title_zh = forms.CharField(label=_("Title (Chinese)"), max_length=200)
    title_en = forms.CharField(label=_("Title (English)"), max_length=200)

    class Meta:
        model = Topic
        fields = ["slug", "symptom", "age_bands", "order"]
        help_texts = {"slug": _("The topic's address, in lowercase letters, digits and hyphens: fever-under-5.")}


class TopicSettingsForm(_AgeBandsMixin):
    class Meta:
        model = Topic
        fields = ["symptom", "age_bands", "order", "is_demo"]


class _NormalisedTextsMixin(forms.ModelForm):
    """Texts as they are stored: browsers submit textareas with CRLF (normalise_text)."""

    def clean(self):
        cleaned = super().clean()
        for name, value in cleaned.items():
            if isinstance(value, str):
                cleaned[name] = normalise_text(value)
        return cleaned


class VersionForm(_NormalisedTextsMixin):
    class Meta:
        model = TopicVersion
        fields = [
            "title_zh",
            "title_en",
            "summary_zh",
            "summary_en",
            "keywords_zh",
            "keywords_en",
            "change_note",
            "video",
        ]
        widgets = {
            "summary_zh": forms.Textarea(attrs={"rows": 3}),
            "summary_en": forms.Textarea(attrs={"rows": 3}),
            "change_note": forms.Textarea(attrs={"rows": 2}),
            "video": forms.ClearableFileInput(attrs={"accept": "video/mp4,video/webm"}),
        }

    def clean_video(self):
        video = self.cleaned_data.get("video")
        if not isinstance(video, UploadedFile):
            return video  # unchanged, or cleared
        extension = video.name.rsplit(".", 1)[-1].lower() if "." in video.name else ""
        if extension not in VIDEO_TYPES:
            raise forms.ValidationError(_("Upload an MP4 or WebM video."), code="type")
        if video.size > MAX_VIDEO_BYTES:
            raise forms.ValidationError(_("The video is larger than 1 GB."), code="size")
        head = video.read(12)
        video.seek(0)
        is_mp4 = head[4:8] == b"ftyp"
        is_webm = head[:4] == b"\x1a\x45\xdf\xa3"
        if not (is_mp4 if VIDEO_TYPES[extension] == "video/mp4" else is_webm):
            raise forms.ValidationError(_("This file is not an MP4 or WebM video."), code="content")
        return video

    def save(self, commit: bool = True) -> TopicVersion:
        version = super().save(commit=False)
        video = self.cleaned_data.get("video")
        if isinstance(video, UploadedFile):
            version.video_content_type = VIDEO_TYPES[video.name.rsplit(".", 1)[-1].lower()]
        elif not video:
            version.video_content_type = ""
        if commit:
            version.save()
        return version


class SectionForm(_NormalisedTextsMixin):
    class Meta:
        model = Section
        fields = ["body_zh", "body_en", "video_start_seconds"]
        widgets = {
            "body_zh": forms.Textarea(attrs={"rows": 6}),
            "body_en": forms.Textarea(attrs={"rows": 6}),
        }


SectionFormSet = inlineformset_factory(
    TopicVersion,
    Section,
    form=SectionForm,
    extra=0,
    can_delete=False,
    max_num=len(Section._meta.get_field("kind").choices),
)


class ClassificationRowForm(_NormalisedTextsMixin):
    class Meta:
        model = ClassificationRow
        fields = [
            "position",
            "colour",
            "signs_zh",
            "signs_en",
            "classification_zh",
            "classification_en",
            "action_zh",
            "action_en",
        ]
        widgets = {
            "signs_zh": forms.Textarea(attrs={"rows": 2}),
            "signs_en": forms.Textarea(attrs={"rows": 2}),
            "action_zh": forms.Textarea(attrs={"rows": 2}),
            "action_en": forms.Textarea(attrs={"rows": 2}),
        }


class BaseClassificationRowFormSet(BaseInlineFormSet):
    def get_queryset(self):
        return super().get_queryset().order_by("position", "pk")


ClassificationRowFormSet = inlineformset_factory(
    TopicVersion,
    ClassificationRow,
    form=ClassificationRowForm,
    formset=BaseClassificationRowFormSet,
    extra=1,
    can_delete=True,
)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)


class ReturnForm(forms.Form):
    note = forms.CharField(label=_("What should change"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class ApproveForm(forms.Form):
    effective_date = forms.DateField(label=_("Effective from"), widget=_DATE_INPUT)
    next_review_date = forms.DateField(
        label=_("Next review"),
        widget=_DATE_INPUT,
        required=False,
        help_text=_("Two years after the effective date if left empty."),
    )
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("initial", {"effective_date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["effective_date"].widget.attrs["max"] = timezone.localdate().isoformat()
