"""模板里写部门：`{{ matter.department|dept }}` → "一大队 / 一中队"（见 org/labels.py）。"""

from django import template

from xinfang.org.labels import department_label

register = template.Library()


@register.filter(name="dept")
def dept(department, default: str = "—") -> str:
    return department_label(department, default)
