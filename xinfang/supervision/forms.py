"""督办页面的表单。只做格式校验；业务规则（牵头单位、时限、理由……）由 actions 判断并给出中文说明。"""

from django import forms

from xinfang.org import access
from xinfang.org.labels import GroupedDepartmentChoiceField, GroupedDepartmentMultipleChoiceField, department_label
from xinfang.org.models import RoleCode, Staff

from .models import Measure, OrderLevel

DATE = forms.DateInput(attrs={"type": "date"})
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class OrderForm(forms.Form):
    level = forms.ChoiceField(label="督办级别", choices=OrderLevel.choices)
    lead = GroupedDepartmentChoiceField(label="牵头单位", queryset=None, required=False,
                                        help_text="默认为事项的责任单位")
    participants = GroupedDepartmentMultipleChoiceField(label="参与单位", queryset=None, required=False,
                                                        help_text="按住 Ctrl（Mac 上 ⌘）可选多个")
    owner_leader = forms.ModelChoiceField(label="包案领导", queryset=None, required=False,
                                          empty_label="请选择", help_text="领导包案时必填")
    requirement = forms.CharField(label="督办要求", widget=forms.Textarea(attrs={"rows": 4}), required=False)
    due_on = forms.DateField(label="办结时限", widget=DATE, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        departments = access.departments(user)
        self.fields["lead"].queryset = departments
        self.fields["participants"].queryset = departments
        self.fields["owner_leader"].queryset = Staff.objects.filter(
            roles__code__in=[RoleCode.LEADER, RoleCode.BUREAU_LEADER], is_active=True).distinct()


class FeedbackForm(forms.Form):
    department = forms.TypedChoiceField(label="反馈单位", coerce=int)
    text = forms.CharField(label="办理情况", widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [(d.pk, department_label(d)) for d in departments]


class CloseForm(forms.Form):
    note = forms.CharField(label="办结说明", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label="认定", choices=[("confirm", "应予追究"), ("dismiss", "不予追究")],
                                 widget=forms.RadioSelect)
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    responsible = forms.ModelMultipleChoiceField(label="责任人", queryset=Staff.objects.filter(is_active=True),
                                                 required=False)
    measures = forms.MultipleChoiceField(label="追责措施", choices=Measure.choices, required=False,
                                         widget=forms.CheckboxSelectMultiple)


class CompleteForm(forms.Form):
    note = forms.CharField(label="落实情况", widget=forms.Textarea(attrs={"rows": 3}), required=False)


class PreferenceForm(forms.Form):
    email = forms.BooleanField(label="邮件通知", required=False)
    sms = forms.BooleanField(label="短信通知", required=False)
    quiet_start = forms.TimeField(label="免打扰开始", required=False, widget=TIME)
    quiet_end = forms.TimeField(label="免打扰结束", required=False, widget=TIME,
                                help_text="例如 22:00 至 07:00。红牌与超期升级不受免打扰限制。")
