"""门户与回访的表单。校验给出指明字段的中文说明；附件数、大小与类型在此先查一遍。"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from xinfang.core import clock
from xinfang.org.models import Department, DepartmentKind
from xinfang.petitions.attachments import check_upload
from xinfang.petitions.validators import id_number_problem, phone_problem

from .actions.submission import CONSENT_TEXT
from .models import ContactMethod, Satisfaction, Solved

MAX_FILES = 3
MAX_CONTENT = 5000
MAX_REQUESTS = 2000


def request_size_limit() -> int:
    """整个提交（附件加文字）的字节上限，超过即不解析直接拒绝。"""
    return (settings.ATTACHMENT_MAX_MB + 1) * 1024 * 1024


def apply_errors(form, exc: ValidationError) -> None:
    """把写操作抛出的 ValidationError 放回表单：指明字段的放到字段下，其余放在表单顶部。"""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class StyledForm(forms.Form):
    """给控件加上 Bootstrap 的样式类。"""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.CheckboxInput, forms.RadioSelect, forms.HiddenInput)):
                continue
            widget.attrs.setdefault("class", "form-select" if isinstance(widget, forms.Select) else "form-control")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class UnitChoiceField(forms.ModelChoiceField):
    """信访人选单位：写机关全称（"示范市公安局交通警察支队一大队"），不写只有内部才懂的简称。"""

    def label_from_instance(self, obj):
        from xinfang.petitions.organs import full_name

        return full_name(obj)


class SubmissionForm(StyledForm):
    name = forms.CharField(label="姓名", max_length=50)
    id_number = forms.CharField(label="身份证号码", max_length=18, min_length=18,
                                error_messages={"min_length": "身份证号码应为 18 位"},
                                widget=forms.TextInput(attrs={"placeholder": "18 位，末位可为 X", "autocomplete": "off"}))
    phone = forms.CharField(label="联系电话", max_length=20,
                            widget=forms.TextInput(attrs={"placeholder": "11 位手机号或区号-号码", "inputmode": "tel",
                                                          "autocomplete": "tel"}))
    address = forms.CharField(label="通讯地址（选填）", max_length=200, required=False)
    involved_department = UnitChoiceField(
        label="涉及的交警单位（选填）", required=False, queryset=Department.objects.none(),
        empty_label="不清楚，由支队信访部门分办",
    )
    content = forms.CharField(label="发生了什么", max_length=MAX_CONTENT, widget=forms.Textarea(attrs={"rows": 6}),
                              help_text="时间、地点、经过；涉及执法的，写明执法行为。")
    requests = forms.CharField(label="您的请求", max_length=MAX_REQUESTS, widget=forms.Textarea(attrs={"rows": 3}))
    case_numbers = forms.CharField(label="相关案件编号（选填）", max_length=200, required=False,
                                   help_text="如事故认定书、处罚决定书编号，多个用逗号分开。")
    attachments = MultipleFileField(label=f"附件（选填，至多 {MAX_FILES} 个）", required=False)
    consent = forms.BooleanField(label=CONSENT_TEXT, error_messages={"required": "请阅读并同意个人信息处理说明"})
    # 《信访工作条例》第三十五条：请求复查的期限自收到书面答复之日起算。选了电子送达，网上下载意见书之日即为收到之日。
    electronic_delivery = forms.BooleanField(
        label="同意电子送达：处理意见书等文书在本网站发布，我凭查询码下载之日即为收到（送达）之日", required=False,
        help_text="不同意的，文书以当面或邮寄方式送达，收到之日起算请求复查的期限（《信访工作条例》第三十五条）。")
    answer = forms.CharField(label="验证问题", max_length=4, error_messages={"required": "请回答验证问题"})
    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["involved_department"].queryset = Department.objects.filter(
            is_active=True, kind__in=[DepartmentKind.DETACHMENT, DepartmentKind.BRIGADE]
        ).order_by("path")

    def clean_id_number(self):
        value = self.cleaned_data["id_number"].strip().upper()
        if problem := id_number_problem(value):
            raise ValidationError(problem)
        return value

    def clean_phone(self):
        value = self.cleaned_data["phone"].strip()
        if problem := phone_problem(value):
            raise ValidationError(problem)
        return value

    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        if len(files) > MAX_FILES:
            raise ValidationError(f"附件至多 {MAX_FILES} 个，您选了 {len(files)} 个")
        total = 0
        for upload in files:
            check_upload(upload)
            total += upload.size
        if total > settings.ATTACHMENT_MAX_MB * 1024 * 1024:
            raise ValidationError(f"附件合计不能超过 {settings.ATTACHMENT_MAX_MB} MB")
        return files


class LookupForm(StyledForm):
    number = forms.CharField(label="事项编号", max_length=30, error_messages={"required": "请填写事项编号"})
    code = forms.CharField(label="查询码", max_length=40, error_messages={"required": "请填写查询码"})


class RatingForm(StyledForm):
    rating = forms.ChoiceField(label="您对答复是否满意", choices=Satisfaction.choices, widget=forms.RadioSelect,
                               error_messages={"required": "请选择满意、基本满意或不满意"})
    reason = forms.CharField(label="理由（不满意时必填）", required=False, max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "rating_%s")  # 与复查表单的"理由"分开
        super().__init__(*args, **kwargs)


class ReviewForm(StyledForm):
    """请求复查（复核）：须写理由；先看一遍再确认提交（confirm=1 才真正提交）。"""

    reason = forms.CharField(label="请求复查（复核）的理由", max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 4, "placeholder": "对意见的哪一点不服，为什么"}),
                             error_messages={"required": "请写明理由：对意见的哪一点不服，为什么"})
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "review_%s")  # 与评价表单的"理由"分开，标签各指各的输入框
        super().__init__(*args, **kwargs)

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if len(reason) < 5:
            raise ValidationError("请把理由写具体一些（至少 5 个字）")
        return reason


class VisitForm(StyledForm):
    contacted_on = forms.DateField(label="联系日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                   error_messages={"required": "请填写联系日期", "invalid": "日期格式应为 年-月-日"})
    method = forms.ChoiceField(label="联系方式", choices=ContactMethod.choices)
    solved = forms.ChoiceField(label="问题是否解决", choices=[("", "—")] + Solved.choices, required=False)
    satisfaction = forms.ChoiceField(label="满意度", choices=[("", "—")] + Satisfaction.choices, required=False)
    notes = forms.CharField(label="回访情况", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contacted_on"].initial = clock.today()


class AttentionForm(StyledForm):
    note = forms.CharField(label="处理情况", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": "请写明处理情况"})


class PeriodForm(StyledForm):
    since = forms.DateField(label="答复日期自", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    until = forms.DateField(label="至", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise ValidationError("开始日期不能晚于结束日期")
        return data
