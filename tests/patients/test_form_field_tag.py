"""`{% form_field %}` (cloudpeds/patients/templatetags/patient_fields.py): the markup of crispy's
Bootstrap 5 pack for one field, without its templates, and nothing of a person's unescaped."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.template import Context, Template

from cloudpeds.patients.forms import MeasurementForm

NAMES = ["measured_on", "weight_kg", "height_cm", "head_circumference_cm", "muac_mm", "oedema_both_feet"]


def _squeeze(html: str) -> str:
    return re.sub(r"\s*([<>])\s*", r"\1", re.sub(r"\s+", " ", html)).strip()


def _render(form, *, crispy: bool) -> str:
    if crispy:
        source = "{% load crispy_forms_tags %}" + "".join(f"{{{{ f.{name}|as_crispy_field }}}}" for name in NAMES)
    else:
        source = "{% load patient_fields %}" + "".join(f"{{% form_field f.{name} %}}" for name in NAMES)
    return _squeeze(Template(source).render(Context({"f": form})))


@pytest.mark.parametrize(
    "data", [None, {"measured_on": "2999-01-01", "weight_kg": "1500", "muac_mm": "x"}], ids=["empty", "errors"]
)
def test_the_same_markup_as_crispy(data) -> None:
    # Each form renders once: crispy writes its classes into the widgets it renders.
    mine, theirs = MeasurementForm(data), MeasurementForm(data)
    if data:
        assert not mine.is_valid() and not theirs.is_valid()

    assert _render(mine, crispy=False) == _render(theirs, crispy=True)


def test_errors_are_tied_to_the_field_and_everything_is_escaped() -> None:
    class Form(forms.Form):
        name = forms.CharField(label="<b>Name</b>", help_text="<i>as written</i>")

        def clean_name(self):
            raise forms.ValidationError("<script>alert(1)</script>")

    form = Form({"name": "x"})
    form.is_valid()

    html = Template("{% load patient_fields %}{% form_field f.name %}").render(Context({"f": form}))

    assert "<b>" not in html and "<script>" not in html and "<i>" not in html
    assert "&lt;b&gt;Name&lt;/b&gt;" in html
    assert 'aria-describedby="id_name_error"' in html
    assert 'class="textinput form-control is-invalid"' in html
    assert '<div id="id_name_error" class="invalid-feedback"><p id="error_1_id_name"><strong>&lt;script&gt;' in html


def test_widgets_it_does_not_render_are_refused() -> None:
    class Form(forms.Form):
        choice = forms.ChoiceField(choices=[("a", "A")], widget=forms.RadioSelect)

    with pytest.raises(TypeError):
        Template("{% load patient_fields %}{% form_field f.choice %}").render(Context({"f": Form()}))
