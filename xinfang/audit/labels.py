"""审计页上的中文：动作名与字段名。记录里存的是代码（稳定、可检索），给人看时译成中文。"""

from __future__ import annotations

from functools import cache

from django.apps import apps

ACTIONS: dict[str, str] = {
    "login": "登录", "login.failed": "登录失败", "login.locked": "登录锁定", "login.unlock": "解除登录锁定",
    "logout": "退出登录",
    "department.create": "新建部门", "department.update": "修改部门",
    "staff.create": "新建人员", "staff.update": "修改人员", "staff.roles": "修改角色",
    "staff.oversight": "修改分管部门", "staff.password": "设置密码", "staff.password_change": "本人修改密码",
    "personal_data.read": "查看个人信息", "attachment.read": "查看附件",
    "personal_data.search": "检索个人信息", "matter.export": "导出事项台账", "matter.print": "打印信访事项",
    "holiday.save": "保存节假日", "holiday.delete": "删除节假日",
    "calendar_year.save": "保存年度日历", "calendar_year.delete": "删除年度日历",
    "category.save": "保存信访类别", "document_template.save": "上传文书模板", "document.issue": "出具文书",
    "matter.note": "办理记录", "matter.recompute_deadlines": "重算期限",
    "petition.register": "登记信访", "petition.repeat": "登记重复信访",
    "petition.repeat_after_termination": "登记终结后再访",
    "accountability.propose": "提出追责线索", "accountability.confirm": "确认责任追究",
    "accountability.dismiss": "驳回追责线索", "accountability.complete": "责任追究办结",
    "supervision.sweep": "督办扫描", "supervision.order.issue": "签发督办单",
    "supervision.order.feedback": "督办反馈", "supervision.order.close": "督办办结",
    "supervision.order.reopen": "督办重开", "supervision.order.document": "生成督办单文书",
    "supervision.order.download": "下载督办单",
    "notification.send": "发送通知", "notification.read": "通知已读", "notification.preferences": "修改通知偏好",
    "triage.train": "训练分诊模型", "triage.authority_label": "标注主管机关",
    "portal.submit": "网上提交信访", "portal.code_issued": "发放查询码", "portal.code_reissued": "重发查询码",
    "portal.lockout": "查询码错误锁定",
    "return_visit.create": "生成回访任务", "return_visit.record": "记录回访",
    "return_visit.close_attention": "回访关注办结", "return_visit.online_rating": "网上评价",
    "api_token.issue": "签发 API 令牌", "api_token.rotate": "更换 API 令牌", "api_token.revoke": "吊销 API 令牌",
}

# 不是模型字段的键（服务自己起的名字）。
FIELDS: dict[str, str] = {
    "purpose": "用途", "roles": "角色", "oversees": "分管部门", "password": "密码", "note": "记录",
    "matter": "事项", "ground": "线索依据", "read": "已读条数", "channels": "渠道", "preferences": "通知偏好",
    "locked_until": "锁定至", "file": "文件", "query": "查询内容", "attachment": "附件",
}


@cache
def _transition_labels() -> dict[str, str]:
    from xinfang.petitions.workflow import TRANSITIONS

    return {f"matter.{code}": t.label for code, t in TRANSITIONS.items()}


def action_label(code: str) -> str:
    return ACTIONS.get(code) or _transition_labels().get(code) or code


def action_choices() -> list[tuple[str, str]]:
    merged = {**_transition_labels(), **ACTIONS}
    return sorted(merged.items(), key=lambda item: item[0])


@cache
def _model_fields(object_type: str) -> dict[str, str]:
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return {}
    return {f.name: str(f.verbose_name) for f in model._meta.get_fields() if hasattr(f, "verbose_name")}


def field_label(object_type: str, name: str) -> str:
    return _model_fields(object_type).get(name) or FIELDS.get(name) or name


def model_label(object_type: str) -> str:
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type
