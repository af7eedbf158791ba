"""模板里写部门：`{{ matter.department|dept }}` → "一大队 / 一中队"（见 org/labels.py）。"""

from django import template

from xinfang.org.labels import department_label, department_label_for_id

register = template.Library()


@register.filter(name="dept")
def dept(department, default: str = "—") -> str:
    return department_label(department, default)


@register.filter(name="dept_id")
def dept_id(pk, default: str = "—") -> str:
    """`{{ row.department_id|dept_id }}`：列表行只带部门 id 时用。"""
    return department_label_for_id(pk, default)
