"""部门按位置写：三个大队都有"一中队"时，页面、下拉框里分得清是哪一个。"""

import pytest
from django import forms

from xinfang.org.labels import GroupedDepartmentChoiceField, department_label
from xinfang.org.models import Department, DepartmentKind
from xinfang.org.services import create_department, update_department

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    root = create_department(by=None, name="示范支队", kind=DepartmentKind.DETACHMENT)
    one = create_department(by=None, name="一大队", kind=DepartmentKind.BRIGADE, parent=root)
    two = create_department(by=None, name="二大队", kind=DepartmentKind.BRIGADE, parent=root)
    return {
        "root": root, "one": one, "two": two,
        "one_a": create_department(by=None, name="一中队", kind=DepartmentKind.SQUADRON, parent=one),
        "two_a": create_department(by=None, name="一中队", kind=DepartmentKind.SQUADRON, parent=two),
    }


def test_two_squadrons_with_one_name_read_as_their_paths(tree):
    assert department_label(Department.objects.get(pk=tree["one_a"].pk)) == "一大队 / 一中队"
    assert department_label(Department.objects.get(pk=tree["two_a"].pk)) == "二大队 / 一中队"
    assert department_label(tree["one"]) == "一大队"
    assert department_label(tree["root"]) == "示范支队"
    assert department_label(None, "—") == "—"


def test_a_renamed_brigade_shows_at_once_in_its_squadrons_labels(tree):
    assert department_label(tree["one_a"]) == "一大队 / 一中队"
    update_department(tree["one"], by=None, name="城区大队")
    assert department_label(Department.objects.get(pk=tree["one_a"].pk)) == "城区大队 / 一中队"


def test_the_chooser_groups_squadrons_under_their_brigade(tree):
    class F(forms.Form):
        unit = GroupedDepartmentChoiceField(label="单位", queryset=Department.objects.all())

    html = str(F()["unit"])
    assert '<option value="" selected>请选择</option>' in html
    assert '<optgroup label="一大队">' in html and '<optgroup label="二大队">' in html
    assert html.count(">一大队 / 一中队<") == 1 and html.count(">二大队 / 一中队<") == 1
    # 组内先是大队本身，再是它的中队；取值仍按主键校验。
    one_group = html.split('<optgroup label="一大队">')[1].split("</optgroup>")[0]
    assert one_group.index(">一大队<") < one_group.index(">一大队 / 一中队<")
    form = F({"unit": tree["two_a"].pk})
    assert form.is_valid() and form.cleaned_data["unit"] == tree["two_a"]
    assert not F({"unit": 999999}).is_valid()


def test_the_template_filter_writes_the_path_or_a_default(tree):
    from django.template import Context, Template

    text = Template("{{ d|dept }}|{{ none|dept }}|{{ none|dept:'全局' }}").render(Context({"d": tree["two_a"], "none": None}))
    assert text == "二大队 / 一中队|—|全局"
