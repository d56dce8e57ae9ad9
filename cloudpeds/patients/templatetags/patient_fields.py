"""`{% form_field form.name %}`: one form field in Bootstrap 5 markup, written in Python.

The patient page shows its measurement form on every visit; crispy's `as_crispy_field`
renders a stack of templates per field (3.8 ms for the form's six fields, a tenth of the
page, issue 17). This renders the same markup as crispy's Bootstrap 5 pack (label, widget
with its classes, `is-invalid` and the errors tied to it by `aria-describedby`, help text)
for the plain widgets it is used with: inputs, selects and a checkbox. Everything a person
or a translation wrote is escaped (`format_html`).
"""

from __future__ import annotations

from django import forms, template
from django.forms.boundfield import BoundField
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def form_field(field: BoundField) -> SafeString:
    widget = field.field.widget
    checkbox = isinstance(widget, forms.CheckboxInput)
    if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple | forms.MultiWidget):
        raise TypeError(f"{field.name}: form_field renders single inputs, selects and checkboxes only")
    base = "form-check-input" if checkbox else "form-select" if isinstance(widget, forms.Select) else "form-control"
    classes = [widget.attrs.get("class", ""), f"{type(widget).__name__.lower()} {base}"]
    error_id = f"{field.auto_id}_error"
    if field.errors:
        classes.append("is-invalid")
    attrs = {"class": " ".join(dict.fromkeys(" ".join(classes).split()))}  # each class once, in order
    if field.errors:
        attrs.update({"aria-invalid": "true", "aria-describedby": error_id})
    control = field.as_widget(attrs=attrs)
    errors = ""
    if field.errors:
        errors = format_html(
            '<div id="{}" class="invalid-feedback">{}</div>',
            error_id,
            format_html_join(
                "",
                '<p id="error_{}_{}"><strong>{}</strong></p>',
                ((number, field.auto_id, error) for number, error in enumerate(field.errors, start=1)),
            ),
        )
    help_text = (
        format_html('<div id="{}_helptext" class="form-text">{}</div>', field.auto_id, field.help_text)
        if field.help_text
        else ""
    )
    if checkbox:
        return format_html(
            '<div class="mb-3"><div id="div_{}" class="form-check">{}'
            '<label for="{}" class="form-check-label">{}</label>'
            "{}{}</div></div>",
            field.auto_id,
            control,
            field.id_for_label,
            field.label,
            errors,
            help_text,
        )
    required = field.field.required
    return format_html(
        '<div id="div_{}" class="mb-3"><label for="{}" class="form-label{}">{}{}</label>{}{}{}</div>',
        field.auto_id,
        field.id_for_label,
        " requiredField" if required else "",
        field.label,
        format_html('<span class="asteriskField">{}</span>', "*") if required else "",
        control,
        errors,
        help_text,
    )
