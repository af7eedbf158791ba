"""登记表单与每个动作的表单。每个动作表单都带着事项的版本号，用于发现"打开后已被他人修改"。"""

from __future__ import annotations

from django import forms
from django.utils import timezone

from xinfang.core import clock
from xinfang.org import access
from xinfang.org.labels import GroupedDepartmentChoiceField, GroupedDepartmentMultipleChoiceField, department_label
from xinfang.org.models import Staff

from .deadlines import STATUTORY_CHANNELS
from .models import (
    Adoption, AftercareKind, Category, Channel, Outcome, PetitionerKind, RecommendationKind, ReferralKind,
)
from .validators import id_number_problem, phone_problem, uscc_problem


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if not data:
            return []
        single = super().clean
        return [single(item, initial) for item in (data if isinstance(data, (list, tuple)) else [data])]


# 部门选择框按大队分组、选项写路径（"一大队 / 一中队"），见 org/labels.py。
DepartmentChoiceField = GroupedDepartmentChoiceField


class StaffChoiceField(forms.ModelChoiceField):
    """选人：姓名后写部门路径，两个同名的人也分得清。"""

    def label_from_instance(self, obj):
        return f"{obj.get_full_name()}（{department_label(obj.department, '未分配部门')}）"


class IntakeForm(forms.Form):
    channel = forms.ChoiceField(label="渠道", choices=Channel.choices)
    received_at = forms.DateTimeField(label="收到时间", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    title = forms.CharField(label="事由", max_length=120, required=False, help_text="不填则取内容第一行")
    content = forms.CharField(label="信访内容", widget=forms.Textarea(attrs={"rows": 5}))
    requests = forms.CharField(label="诉求", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    category = forms.ModelChoiceField(label="类别", queryset=Category.objects.filter(is_active=True).select_related("parent"),
                                      required=False,
                                      empty_label="请选择")
    competent_authority = forms.CharField(label="主管机关", max_length=60, required=False)
    involved_department = DepartmentChoiceField(label="涉及单位", queryset=None, required=False, empty_label="请选择")
    involved_officer = forms.CharField(label="涉及民警", max_length=60, required=False,
                                       widget=forms.TextInput(attrs={"placeholder": "姓名或警号"}))
    case_numbers = forms.CharField(label="关联执法案件编号", max_length=200, required=False,
                                   widget=forms.TextInput(attrs={"placeholder": "事故认定书、处罚决定书等编号，多个用逗号分开"}))
    head_count = forms.IntegerField(label="人数", min_value=1, max_value=100000, initial=1)
    is_skip_level = forms.BooleanField(label="越级访", required=False)
    attach_to = forms.IntegerField(label="并入已有事项", required=False, min_value=1, max_value=2**63 - 1,
                                   widget=forms.HiddenInput)
    attachments = MultipleFileField(label="附件", required=False)
    consents_electronic_delivery = forms.BooleanField(
        label="信访人同意电子送达", required=False,
        help_text="同意的，信访人在网上下载意见书之日即为送达之日（《信访工作条例》第三十五条）")
    # 第二十三条：能够当场告知的，应当当场书面告知——来访当场受理，受理告知书随即生成、打印。
    tell_on_spot = forms.BooleanField(label="当场受理并打印受理告知书", required=False,
                                      help_text="属本机关职权范围、能当场告知的（《信访工作条例》第二十三条）")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["involved_department"].queryset = access.departments(user)
        if not self.is_bound:
            self.initial.setdefault("received_at", timezone.localtime(clock.now()).strftime("%Y-%m-%dT%H:%M"))

    def clean_received_at(self):
        value = self.cleaned_data["received_at"]
        if value and value > clock.now():
            raise forms.ValidationError("不能晚于现在")
        return value


class PetitionerForm(forms.Form):
    """一名信访人。格式在这里就查（身份证号、统一社会信用代码、电话），错误写在那一格下面。"""

    name = forms.CharField(label="姓名或单位名称", max_length=100, error_messages={"required": "请填写"})
    kind = forms.ChoiceField(label="类型", choices=PetitionerKind.choices, initial=PetitionerKind.PERSON)
    id_number = forms.CharField(label="身份证号码", max_length=18, required=False,
                                help_text="单位填统一社会信用代码",
                                error_messages={"max_length": "应为 18 位（现有 %(show_value)d 位）"},
                                widget=forms.TextInput(attrs={"placeholder": "18 位，末位可为 X", "inputmode": "text",
                                                              "autocomplete": "off"}))
    phone = forms.CharField(label="联系电话", max_length=20, required=False,
                            widget=forms.TextInput(attrs={"placeholder": "11 位手机号或区号-号码", "inputmode": "tel",
                                                          "autocomplete": "off"}))
    address = forms.CharField(label="地址", max_length=200, required=False)
    is_representative = forms.BooleanField(label="代表", required=False)
    update_contact = forms.BooleanField(label="用本次的电话与地址更新已登记的记录（记入审计）", required=False)

    def clean(self):
        data = super().clean()
        value = (data.get("id_number") or "").strip().upper()
        if value:
            check = uscc_problem if data.get("kind") == PetitionerKind.ORGANISATION else id_number_problem
            if problem := check(value):
                self.add_error("id_number", problem)
            else:
                data["id_number"] = value
        phone = (data.get("phone") or "").strip()
        if phone and (problem := phone_problem(phone)):
            self.add_error("phone", problem)
        return data


class BasePetitionerFormSet(forms.BaseFormSet):
    default_error_messages = {
        "missing_management_form": "表单不完整（信访人部分缺失），请刷新页面后重新填写。",
        "too_many_forms": "一次至多登记 %(num)d 名信访人。",
        "too_few_forms": "请至少填写一名信访人。",
    }


PetitionerFormSet = forms.formset_factory(PetitionerForm, formset=BasePetitionerFormSet, extra=0, max_num=50,
                                          min_num=1, validate_min=True)


class VersionedForm(forms.Form):
    version = forms.IntegerField(label="表单版本", min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)


class NoteForm(VersionedForm):
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DeclineForm(VersionedForm):
    reason = forms.CharField(label="不予受理的理由", widget=forms.Textarea(attrs={"rows": 3}))
    where_to_go = forms.CharField(label="应向何处反映", max_length=200, help_text="告知信访人有权处理的机关或途径")


class TransferForm(VersionedForm):
    authority = forms.CharField(label="转送机关", max_length=100)
    reason = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DivertForm(VersionedForm):
    channel = forms.ChoiceField(label="法定途径", choices=[(c.code, c.name) for c in STATUTORY_CHANNELS.values()])
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AssignForm(VersionedForm):
    lead = DepartmentChoiceField(label="牵头单位", queryset=None, error_messages={"required": "请选择牵头单位"})
    co = GroupedDepartmentMultipleChoiceField(label="协办单位", queryset=None, required=False,
                                              help_text="按住 Ctrl（Mac 上 ⌘）可选多个")
    handler = StaffChoiceField(label="承办人", queryset=None, required=False, empty_label="请选择（可稍后由牵头单位指定）")
    note = forms.CharField(label="交办意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        departments = access.departments(user)
        self.fields["lead"].queryset = departments
        self.fields["co"].queryset = departments
        self.fields["handler"].queryset = Staff.objects.filter(
            department__in=departments, roles__code="handler", is_active=True
        ).select_related("department").distinct()


class DateForm(VersionedForm):
    on = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}), required=False)


class ReplyForm(VersionedForm):
    outcome = forms.ChoiceField(label="处理意见", choices=Outcome.choices, widget=forms.RadioSelect)
    text = forms.CharField(label="答复内容", widget=forms.Textarea(attrs={"rows": 8}))
    compensation = forms.BooleanField(label="赔偿", required=False)
    apology = forms.BooleanField(label="道歉", required=False)
    correction = forms.BooleanField(label="纠正执法行为", required=False)
    items = forms.CharField(label="逐项决定（有几项请求时填写）", required=False,
                            widget=forms.Textarea(attrs={"rows": 3}),
                            help_text="一行一项：诉求｜予以支持（或解释说明、不予支持）｜支持的部分（《信访工作条例》第三十二条）")


class ReasonForm(VersionedForm):
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 3}))


class ApproveForm(VersionedForm):
    note = forms.CharField(label="审批意见", widget=forms.Textarea(attrs={"rows": 2, "placeholder": "如：同意。"}),
                           max_length=2000, error_messages={"required": "请填写审批意见（同意的写“同意”）"},
                           help_text="记入审批事件，在时间线上可见")
    delivered_on = forms.DateField(label="当场送达日期", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                   help_text="当场交给信访人的填今天；不填则以后另行登记送达，复查请求期限自送达之日起算")


class ExtendForm(VersionedForm):
    days = forms.IntegerField(label="延期天数", min_value=1, max_value=30)
    reason = forms.CharField(label="延期理由（将告知信访人）", widget=forms.Textarea(attrs={"rows": 3}))


class RequestForm(VersionedForm):
    requested_on = forms.DateField(label="收到请求日期", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                   help_text="不填即今天")
    reason = forms.CharField(label="请求理由", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class OpinionForm(VersionedForm):
    outcome = forms.ChoiceField(label="意见", choices=Outcome.choices, widget=forms.RadioSelect)
    text = forms.CharField(label="意见内容", widget=forms.Textarea(attrs={"rows": 6}))


class ListFilterForm(forms.Form):
    q = forms.CharField(label="全文检索", required=False)
    status = forms.ChoiceField(label="状态", required=False)
    department = DepartmentChoiceField(label="单位", queryset=None, required=False, empty_label="全部")
    category = forms.ModelChoiceField(label="类别", queryset=Category.objects.select_related("parent"), required=False,
                                      empty_label="全部")
    channel = forms.ChoiceField(label="渠道", required=False, choices=[("", "全部"), *Channel.choices])
    overdue = forms.BooleanField(label="只看超期", required=False)
    since = forms.DateField(label="收到日期起", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label="至", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    sort = forms.ChoiceField(label="排序", required=False, choices=[
        ("-received_on", "收到日期（新→旧）"), ("received_on", "收到日期（旧→新）"),
        ("current_due", "期限（近→远）"), ("-current_due", "期限（远→近）"),
    ])

    def __init__(self, *args, user, **kwargs):
        from .models import Status

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "全部"), *Status.choices]
        self.fields["department"].queryset = access.departments(user)

    def filters(self) -> dict:
        """转成 selectors.MatterFilter 的参数（外键取 id，空值不传）。"""
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "", False)}
        for name in ("department", "category"):
            if name in data:
                data[name] = data[name].pk
        return data

    def clean_q(self):
        q = self.cleaned_data["q"].strip()
        if len(q) == 1:
            raise forms.ValidationError("检索词至少两个字")
        return q


class ReferralForm(forms.Form):
    kind = forms.ChoiceField(label="方式", choices=ReferralKind.choices)
    source = forms.CharField(label="转送、交办机关", max_length=150)
    reference = forms.CharField(label="来文编号", max_length=100, required=False)
    received_on = forms.DateField(label="收到日期", widget=forms.DateInput(attrs={"type": "date"}))
    report_due = forms.DateField(label="办结报告期限", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                 help_text="交办的必填（《信访工作条例》第二十二条）")


class ObjectionForm(VersionedForm):
    reason = forms.CharField(label="异议理由", widget=forms.Textarea(attrs={"rows": 4}),
                             help_text="详细说明不属于本机关职权范围的理由（《信访工作条例》第二十三条）")
    on = forms.DateField(label="提出日期", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                         help_text="不填即今天；须在收到之日起5个工作日内")


class ObjectionAnswerForm(VersionedForm):
    on = forms.DateField(label="收到核实结果日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CompletionReportForm(VersionedForm):
    text = forms.CharField(label="办结报告内容", widget=forms.Textarea(attrs={"rows": 6}),
                           help_text="办理经过与结果，报交办机关（《信访工作条例》第二十二条）")


class DisciplineAnswerForm(forms.Form):
    answered_on = forms.DateField(label="答复日期", widget=forms.DateInput(attrs={"type": "date"}))
    answer = forms.CharField(label="处理结果", widget=forms.Textarea(attrs={"rows": 3}))


class DisciplineRouteForm(forms.Form):
    body = forms.CharField(label="纪检监察（督察）机关", max_length=150)
    routed_on = forms.DateField(label="移交日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(label="移交文号", max_length=100, required=False)


class AftercareForm(forms.Form):
    kind = forms.ChoiceField(label="种类", choices=AftercareKind.choices)
    on = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    who = forms.CharField(label="开展人员（单位）", max_length=150)
    what = forms.CharField(label="内容", widget=forms.Textarea(attrs={"rows": 3}))


class RecommendationForm(forms.Form):
    department = DepartmentChoiceField(label="被建议单位", queryset=None)
    kind = forms.ChoiceField(label="种类", choices=RecommendationKind.choices)
    text = forms.CharField(label="建议内容", widget=forms.Textarea(attrs={"rows": 3}))
    feedback_due = forms.DateField(label="书面反馈期限", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                   help_text="不填为30日后（《信访工作条例》第四十条：应当书面反馈采纳情况）")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = access.departments(user)


class FeedbackForm(forms.Form):
    adoption = forms.ChoiceField(label="采纳情况", choices=[("", "请选择")] + [
        (value, label) for value, label in Adoption.choices if value != Adoption.PENDING])
    feedback = forms.CharField(label="书面反馈", widget=forms.Textarea(attrs={"rows": 3}))
    feedback_on = forms.DateField(label="反馈日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
