"""表单的统一样式（见 core/_form.html、core/_field.html）：控件加 Bootstrap 类，出错的控件标红并指向它的说明。"""

from django import forms
from django import template

register = template.Library()


def _kind(widget) -> str:
    if isinstance(widget, forms.CheckboxInput):
        return "check"
    if isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)):
        return "choices"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.HiddenInput):
        return "hidden"
    return "input"


@register.filter
def widget_kind(bound_field) -> str:
    """check / choices / select / hidden / input：模板按它选排版。"""
    return _kind(bound_field.field.widget)


@register.filter
def styled(bound_field, size: str = ""):
    """渲染控件并加上样式类；出错时加 is-invalid 与 aria-describedby（指向字段下的错误说明）。"""
    kind = _kind(bound_field.field.widget)
    attrs = {}
    css = {"check": "form-check-input", "select": "form-select", "input": "form-control"}.get(kind, "")
    if size and kind in ("select", "input"):
        css += f" {css}-{size}"
    if bound_field.errors:
        css += " is-invalid"
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{bound_field.auto_id}_error"
    existing = bound_field.field.widget.attrs.get("class", "")
    if kind != "choices":
        attrs["class"] = " ".join(dict.fromkeys(f"{existing} {css}".split()))
    return bound_field.as_widget(attrs=attrs)


@register.filter
def named(message, label) -> str:
    """"字段：说明"——说明本身已以字段名开头的（"身份证号码应为 18 位"）不再重复字段名。"""
    message, label = str(message), str(label)
    return message if message.startswith(label) else f"{label}：{message}"
