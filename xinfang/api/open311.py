"""Open311 GeoReport v2 的外观（/open311/v2/）：服务目录与定义、提交诉求、查询诉求，JSON 与 XML。

映射到门户的网上信访：提交经门户同一个 submit_petition（同样的校验、同一个查询码），
service_request_id 是事项编号，service_notice 是查询码（只在提交的答复里出现这一次），
status 是 open/closed 加 status_notes（门户对信访人显示的阶段），expected_datetime 是正在走的法定期限。

按 Open311 的要求，提交须带 api_key：持 ``open311`` 能力的 API 令牌，发给合作系统（市民 App、自助机）。
信访是私事：查询只回答给出了查询码（code）的那一件，且不返回任何个人资料（姓名、号码、地址、内容）。
我们不收、不存位置与设备：lat/long、device_id、account_id 一概不用（不定位信访人）。
"""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from xml.etree import ElementTree as ET

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from xinfang.core import clock
from xinfang.org import permissions
from xinfang.petitions.workflow import FINISHED_STATES
from xinfang.portal import security
from xinfang.portal.actions.submission import Submission, submit_petition
from xinfang.portal.forms import SubmissionForm
from xinfang.portal.models import ThrottleScope as T
from xinfang.portal.selectors import find_access, progress

from . import tokens

SERVICE_CODE = "xinfang"
SERVICE = {
    "service_code": SERVICE_CODE, "service_name": "交警信访（网上信访）",
    "description": "对交警执法、事故处理、车辆驾驶人管理等的投诉、求决、建议。15 日内告知是否受理，受理后 60 日内办结"
                   "（《信访工作条例》第二十三条、第三十四条）。",
    "metadata": "true", "type": "realtime", "keywords": "信访,投诉,交警", "group": "交警",
}
# 提交字段 → 门户表单字段
FIELDS = {"description": "content", "phone": "phone", "address_string": "address", "attribute[id_number]": "id_number",
          "attribute[requests]": "requests", "attribute[case_numbers]": "case_numbers", "name": "name",
          "attribute[consent]": "consent"}
BACK = {v: k for k, v in FIELDS.items()}
ATTRIBUTES = [
    ("id_number", "身份证号码", "string", True, "18 位，登记与核对同一信访人用；不对外返回"),
    ("requests", "您的请求", "text", True, "希望怎样处理"),
    ("case_numbers", "相关案件编号", "string", False, "事故认定书、处罚决定书编号，多个用逗号分开"),
    ("consent", "同意个人信息处理说明", "singlevaluelist", True, "合作系统须向信访人展示门户的说明并取得同意"),
]


class Open311Form(SubmissionForm):
    """门户的提交表单，去掉算术验证题（合作系统凭 api_key 提交，限额按令牌计）。"""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["answer"], self.fields["token"], self.fields["attachments"], self.fields["involved_department"]

    def clean_attachments(self):
        return []


# -- 输出：JSON 或 XML ------------------------------------------------------------------------


def _xml(root: str, item: str, rows: list[dict]) -> bytes:
    top = ET.Element(root)
    for row in rows:
        node = ET.SubElement(top, item)
        for key, value in row.items():
            if isinstance(value, list):
                holder = ET.SubElement(node, key)
                for entry in value:
                    child = ET.SubElement(holder, key.rstrip("s") if key.endswith("s") else "item")
                    for k, v in entry.items():
                        if isinstance(v, list):
                            values = ET.SubElement(child, k)
                            for one in v:
                                sub = ET.SubElement(values, "value")
                                for kk, vv in one.items():
                                    ET.SubElement(sub, kk).text = str(vv)
                        else:
                            ET.SubElement(child, k).text = "" if v is None else str(v)
            else:
                ET.SubElement(node, key).text = "" if value is None else str(value)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8")


def _out(fmt: str, rows, *, root: str, item: str, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        return HttpResponse(_xml(root, item, rows), content_type="text/xml; charset=utf-8", status=status)
    if isinstance(rows, dict):
        body = rows
    else:
        body = rows
    return HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/json; charset=utf-8",
                        status=status)


def _error(fmt: str, status: int, description: str, field: str | None = None, errors=None) -> HttpResponse:
    rows = errors or [{"code": status, "description": description, "field": field}]
    return _out(fmt, rows, root="errors", item="error", status=status)


def _when(moment) -> str | None:
    return clock.localtime(moment).isoformat(timespec="seconds") if moment else None


def _due(day) -> str | None:
    """期限是一个日子：当天结束前（北京时间 23:59:59）。"""
    if day is None:
        return None
    return clock.localtime(datetime.combine(day, time(23, 59, 59), tzinfo=clock.localtime(clock.now()).tzinfo)).isoformat()


# -- 视图 ---------------------------------------------------------------------------------------


def _public(view):
    return login_not_required(csrf_exempt(view))


@_public
def discovery(request):
    base = request.build_absolute_uri(reverse("open311:services", kwargs={"fmt": "json"})).rsplit("/", 1)[0] + "/"
    return _out("json", {
        "changeset": "2026-12-01T00:00:00+08:00", "contact": "本单位信访部门",
        "key_service": "向系统管理员申请持 open311 能力的 API 令牌（xinfang token issue --scope open311）",
        "endpoints": [{"specification": "http://wiki.open311.org/GeoReport_v2", "url": base,
                       "changeset": "2026-12-01T00:00:00+08:00", "type": "production",
                       "formats": ["application/json", "text/xml"]}],
    }, root="discovery", item="endpoint")


@_public
def services(request, fmt: str):
    return _out(fmt, [SERVICE], root="services", item="service")


@_public
def service(request, fmt: str, code: str):
    if code != SERVICE_CODE:
        return _error(fmt, 404, f"没有这项服务：{code[:40]}", "service_code")
    attributes = [{"variable": "true", "code": c, "datatype": t, "required": "true" if r else "false",
                   "datatype_description": d, "order": i, "description": label,
                   **({"values": [{"key": "true", "name": "同意"}]} if t == "singlevaluelist" else {})}
                  for i, (c, label, t, r, d) in enumerate(ATTRIBUTES, start=1)]
    definition = {"service_code": SERVICE_CODE, "attributes": attributes}
    if fmt == "xml":
        return _out(fmt, [definition], root="service_definitions", item="service_definition")
    return _out(fmt, definition, root="service_definition", item="service_definition")


def _public_request(matter, *, notice: str | None = None) -> dict:
    """一件诉求的对外形状：编号、状态、阶段、日期与期限、受理单位——没有任何个人资料。"""
    seen = progress(matter)
    closed = matter.status in FINISHED_STATES
    row = {"service_request_id": matter.number, "status": "closed" if closed else "open",
           "status_notes": seen.stage, "service_name": SERVICE["service_name"], "service_code": SERVICE_CODE,
           "agency_responsible": seen.department, "requested_datetime": _when(matter.petitions.order_by("received_at")
                                                                             .values_list("received_at", flat=True).first()),
           "updated_datetime": _when(matter.events.order_by("-at").values_list("at", flat=True).first()),
           "expected_datetime": None if closed else _due(matter.current_due)}
    if notice is not None:
        row = {"service_request_id": matter.number, "service_notice": notice, "account_id": None}
    return row


def _lookup(request, fmt: str, number: str, code: str):
    """与门户凭码查询同样的防猜：按编号 + 来源计错、锁定，编号本身退避；码对了清掉计数。"""
    number, code = security.normalize_number(number), security.normalize_code(code)
    if not number:
        return None, _error(fmt, 400, "请给出事项编号（service_request_id）", "service_request_id")
    if not code:
        return None, _error(fmt, 400, "请给出查询码（code）：信访件是私事，只回答给出了查询码的那一件", "code")
    ip = security.client_ip(request)
    if not security.hit(T.ATTEMPT_IP, ip, limit=settings.PORTAL_REQUESTS_PER_HOUR):
        return None, _error(fmt, 429, "查询过于频繁，请一小时后再试。")
    refusal = security.claim_lookup(number, ip, limit=settings.PORTAL_WRONG_CODES,
                                    lock_for=timedelta(minutes=settings.PORTAL_LOCK_MINUTES))
    if refusal:
        return None, _error(fmt, 429, refusal, "code")
    access = find_access(number, code)
    if access is None:
        security.wrong_code_locked(number, ip)
        return None, _error(fmt, 404, "事项编号或查询码不正确，请核对后再试。", "code")
    security.lookup_succeeded(number, ip)
    return access.matter, None


@_public
def requests(request, fmt: str):
    if request.method == "POST":
        return _submit(request, fmt)
    if request.method != "GET":
        return _error(fmt, 405, "只接受 GET（查询）与 POST（提交）")
    number = request.GET.get("service_request_id", "")
    if "," in number:
        return _error(fmt, 400, "一次只能查一件（service_request_id 只给一个编号）", "service_request_id")
    matter, refused = _lookup(request, fmt, number, request.GET.get("code", ""))
    return refused or _out(fmt, [_public_request(matter)], root="service_requests", item="request")


@_public
def one_request(request, fmt: str, number: str):
    if request.method != "GET":
        return _error(fmt, 405, "只接受 GET")
    matter, refused = _lookup(request, fmt, number, request.GET.get("code", ""))
    return refused or _out(fmt, [_public_request(matter)], root="service_requests", item="request")


class _OverLimit(Exception):
    pass


def _submit(request, fmt: str):
    data = request.POST
    try:
        service = tokens.authenticate(data.get("api_key", ""), ip=security.client_ip(request))
    except tokens.TokenRefused as exc:
        field = "api_key" if exc.status == 401 else None
        return _error(fmt, exc.status, exc.message.replace("（Authorization）", "（api_key）"), field)
    if not permissions.allows(service, "open311"):
        return _error(fmt, 403, "该令牌没有“经 Open311 提交诉求”的能力（open311）。", "api_key")
    if data.get("service_code", "") != SERVICE_CODE:
        return _error(fmt, 400 if not data.get("service_code") else 404,
                      f"服务代码（service_code）须是 {SERVICE_CODE}", "service_code")
    name = (data.get("name") or f"{data.get('last_name', '')}{data.get('first_name', '')}").strip()
    form = Open311Form({"name": name, **{form_field: data.get(param, "") for param, form_field in FIELDS.items()
                                         if form_field != "name"}})
    if not form.is_valid():
        errors = [{"code": 400, "field": BACK.get(f, f),
                   "description": f"{form.fields[f].label if f in form.fields else ''}（{BACK.get(f, f)}）：{m}"}
                  for f, messages in form.errors.items() for m in messages]
        if any(e["field"] == "name" for e in errors):
            for e in errors:
                if e["field"] == "name":
                    e["description"] = "姓名（first_name、last_name 或 name）：" + e["description"].split("：", 1)[-1]
        return _error(fmt, 400, errors[0]["description"], errors=errors)
    cleaned = form.cleaned_data
    key = f"open311:{service.service_token.pk}"
    try:
        with transaction.atomic():
            # 计数与登记同一事务：超额的那件连同计数一起回滚（与门户提交同一做法）。
            if not security.hit(T.SUBMIT_IP, key, limit=settings.OPEN311_SUBMISSIONS_PER_HOUR):
                raise _OverLimit
            petition, code = submit_petition(Submission(
                name=cleaned["name"], id_number=cleaned["id_number"], phone=cleaned["phone"],
                address=cleaned["address"], content=cleaned["content"], requests=cleaned["requests"],
                case_numbers=cleaned["case_numbers"],
            ))
    except _OverLimit:
        return _error(fmt, 429, f"提交过于频繁：每个合作系统每小时至多 {settings.OPEN311_SUBMISSIONS_PER_HOUR} 件。")
    except ValidationError as exc:
        errors = [{"code": 400, "field": BACK.get(f, f), "description": f"{BACK.get(f, f)}：{m}"}
                  for f, messages in exc.message_dict.items() for m in messages]
        return _error(fmt, 400, errors[0]["description"], errors=errors)
    return _out(fmt, [_public_request(petition.matter, notice=security.format_code(code))],
                root="service_requests", item="request", status=201)


_ = forms
