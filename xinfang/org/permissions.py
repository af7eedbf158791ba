"""谁可以做什么：一张权限表。每项能力 = 角色 + 部门范围（对哪件事项）。

可见（access.py）只回答“看得到吗”；这里回答“看得到的人里，谁可以做这件事”。
协办单位的负责人看得到牵头单位的事项，却不能审批它的答复、不能替它延期——
范围把这两件事分开。

范围（对一件事项，满足其一即可）：
- LEAD：牵头（责任）单位的子树里的人，及其上级、分管领导（即责任单位在其可见范围内）；
- HANDLER：事项的承办人本人；
- CO_UNIT：协办单位（含其下级）的人——只能反馈（记办理情况），不能替牵头单位决定；
- VISIBLE：看得到该事项的人；
- PETITIONER：信访人本人经门户（凭查询码核实）；
- DECIDING_ORGAN：复查、复核的决定机关（见 `in_deciding_organ`）；
- ANY：不针对某件事项的页面（列表、督办台、配置）：只看角色，列表内容再按可见范围筛。

事项状态转换的角色与范围写在 `petitions/workflow.py` 的转换表里（每行带 scope），
本表按 ``matter.<动作>`` 引用它们，不另抄一份。
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .access import role_codes, visible_department_ids
from .models import Department, RoleCode as R


class Scope(StrEnum):
    LEAD = "lead"
    HANDLER = "handler"
    CO_UNIT = "co_unit"
    VISIBLE = "visible"
    PETITIONER = "petitioner"
    DECIDING_ORGAN = "deciding_organ"
    ANY = "any"


SCOPE_LABELS = {
    Scope.LEAD: "牵头单位", Scope.HANDLER: "承办人本人", Scope.CO_UNIT: "协办单位", Scope.VISIBLE: "可见该事项者",
    Scope.PETITIONER: "信访人本人", Scope.DECIDING_ORGAN: "复查复核决定机关", Scope.ANY: "不限",
}

# None：任何已登录的工作人员（本人的信箱、首页等）。
SIGNED_IN = None


@dataclass(frozen=True)
class Capability:
    code: str
    label: str  # 动词短语，拼进“您无权……”
    roles: frozenset[str] | None
    scopes: frozenset[Scope]
    public: bool = False  # 不需登录（门户、登录页、健康检查）


def _c(code, label, roles, scopes=(Scope.ANY,), *, public=False) -> Capability:
    return Capability(code, label, None if roles is None else frozenset(roles), frozenset(scopes), public)


INTAKE = {R.CLERK, R.UNIT_HEAD, R.LEADER}
HANDLING = {R.HANDLER, R.UNIT_HEAD, R.LEADER}
BOARD = {R.SUPERVISOR, R.LEADER, R.BUREAU_LEADER}
UNIT_VIEW = {R.UNIT_HEAD, R.LEADER, R.SUPERVISOR, R.BUREAU_LEADER}
OVERSIGHT = {R.AUDITOR, R.BUREAU_LEADER}
VISIT_WORK = {R.HANDLER, R.CLERK, R.UNIT_HEAD, R.LEADER}

CAPABILITIES: dict[str, Capability] = {
    c.code: c
    for c in (
        _c("public", "访问公开页面", (), public=True),
        _c("portal.petitioner", "在门户查看本人事项", (), (Scope.PETITIONER,), public=True),
        _c("home", "打开工作台", SIGNED_IN),
        _c("own", "管理本人的通知", SIGNED_IN),
        _c("org.departments", "查看组织机构", SIGNED_IN),
        _c("org.lockouts", "解除登录锁定", {R.ADMIN}),
        _c("audit.log", "查看审计日志", OVERSIGHT),
        _c("matter.list", "查看事项列表", SIGNED_IN),
        _c("matter.view", "查看该事项", SIGNED_IN, (Scope.VISIBLE,)),
        # 台账（导出 Excel、打印清单）：登记、督办与各级负责人、审计员；内容仍按可见范围。
        _c("matter.export", "导出事项台账", {R.CLERK, R.UNIT_HEAD, R.LEADER, R.SUPERVISOR, R.BUREAU_LEADER, R.AUDITOR}),
        _c("matter.print", "打印信访事项登记表", SIGNED_IN, (Scope.VISIBLE,)),
        _c("petition.intake", "登记信访", INTAKE),
        # 协办单位只能反馈：记办理情况是它唯一能在事项上写的东西。
        _c("matter.note", "记录办理情况", HANDLING, (Scope.LEAD, Scope.HANDLER, Scope.CO_UNIT)),
        _c("matter.correct", "更正登记内容", INTAKE, (Scope.LEAD,)),
        # 完整的身份证号、电话与地址：只给要联系信访人的人，每次查看都记审计。
        _c("petitioner.full", "查看信访人完整的号码", {R.CLERK, R.HANDLER, R.UNIT_HEAD, R.LEADER},
           (Scope.LEAD, Scope.HANDLER, Scope.CO_UNIT)),
        # 补救措施（赔偿、道歉、纠正）由牵头单位落实（《信访工作条例》第三十二条）。
        _c("matter.execution", "登记补救措施落实", HANDLING, (Scope.LEAD, Scope.HANDLER)),
        # 转送、交办来文（第二十二条、第二十三条）与检举控告移交纪检监察（督察）机关（第三十条）：登记员一类。
        _c("matter.referral", "登记转送、交办来文", INTAKE, (Scope.LEAD,)),
        _c("matter.discipline", "登记移交纪检监察（督察）机关及其答复", INTAKE, (Scope.LEAD,)),
        # 终结、办结后的帮扶救助、教育疏导（第三十七条）。
        _c("matter.aftercare", "记录帮扶救助、教育疏导", HANDLING | {R.CLERK}, (Scope.LEAD, Scope.HANDLER)),
        # 第四十条：信访工作机构（督办员、领导）向有关单位提出建议，该单位书面反馈采纳情况。
        _c("matter.recommend", "向有关单位提出工作建议", BOARD, (Scope.VISIBLE,)),
        _c("recommendation.feedback", "登记工作建议的书面反馈", {R.UNIT_HEAD, R.LEADER}),
        _c("recommendation.list", "查看工作建议与反馈", BOARD | UNIT_VIEW),
        _c("matter.precedents", "查看相似事项的答复", HANDLING, (Scope.VISIBLE,)),
        _c("document.download", "下载文书", SIGNED_IN, (Scope.VISIBLE,)),
        _c("attachment.open", "打开附件", SIGNED_IN, (Scope.VISIBLE,)),
        _c("portal.issue_code", "发查询码", INTAKE, (Scope.VISIBLE,)),
        _c("supervision.board", "查看督办台", BOARD),
        _c("supervision.unit", "查看单位督办情况", UNIT_VIEW),
        _c("supervision.cases", "查看领导包案", {R.LEADER, R.BUREAU_LEADER}),
        _c("supervision.order.issue", "签发督办单", BOARD, (Scope.VISIBLE,)),
        # 督办单的可见与反馈、办结另按督办单本身判断（被督办单位、督办人、包案领导），见 supervision.orders。
        _c("supervision.order.view", "查看督办单", SIGNED_IN),
        # 角色之外：督办人本人或包案领导（orders.may_close）。
        _c("supervision.order.close", "办结督办单", {R.SUPERVISOR, R.BUREAU_LEADER, R.LEADER}),
        _c("accountability", "查看和认定责任追究", OVERSIGHT),
        _c("return_visit.view", "查看回访", VISIT_WORK | {R.SUPERVISOR, R.BUREAU_LEADER}),
        _c("return_visit.record", "记录回访", {R.HANDLER, R.CLERK}),
        _c("return_visit.attention", "处理需关注的回访", {R.UNIT_HEAD, R.LEADER}),
        _c("return_visit.rates", "查看三率", {R.UNIT_HEAD, R.LEADER, R.BUREAU_LEADER, R.SUPERVISOR}),
        # 配置后台按区域：组织与人员、类别与文书模板、节假日、分诊配置、排查规则；只给系统管理员。
        _c("admin.site", "进入配置后台", {R.ADMIN}),
        _c("admin.org", "配置组织机构与人员", {R.ADMIN}),
        _c("admin.petitions", "配置类别与文书模板", {R.ADMIN}),
        _c("admin.core", "配置节假日", {R.ADMIN}),
        _c("admin.triage", "配置分诊", {R.ADMIN}),
        _c("admin.screening", "配置排查规则", {R.ADMIN}),
        # 执法案件排查（screening）：案件按民警编号分到本人，轮次按部门可见（screening.selectors）。
        _c("screening.mine", "排查本人的执法案件", SIGNED_IN),
        _c("screening.rounds", "查看各单位的每月排查", UNIT_VIEW | {R.AUDITOR}),
        # 角色不限：轮次本身按部门可见（access_round），签字另限本单位负责人（monthly.sign_off）。
        _c("screening.round", "查看排查轮次与报告", SIGNED_IN),
        _c("screening.key", "查看重点案件", {R.UNIT_HEAD, R.LEADER, R.BUREAU_LEADER}),
        _c("screening.import", "导入执法案件", {R.ADMIN}),
        # 数据交换（exchange）：信访台账导入是登记工作（导入记录只给上传人本人看）；12345 回传队列给系统管理员。
        _c("petition.import", "导入信访台账", INTAKE),
        _c("exchange.outbox", "查看和重发 12345 回传队列", {R.ADMIN}),
        # 预警按部门可见（warning.selectors.access_warning）。
        _c("warning.centre", "查看和处置预警", {R.UNIT_HEAD, R.LEADER, R.SUPERVISOR, R.BUREAU_LEADER}),
        # 重大紧急事项（第二十五条）：标记媒体关注、已到省 / 国家信访的，是经手该事项的人；报告的查看与确认按预警可见。
        _c("warning.flag", "标记重大紧急情况", INTAKE | HANDLING, (Scope.LEAD, Scope.HANDLER, Scope.CO_UNIT)),
        _c("warning.urgent", "查看和确认重大紧急事项报告", {R.UNIT_HEAD, R.LEADER, R.SUPERVISOR, R.BUREAU_LEADER}),
        # 敏感时期：时期按范围可见（warning.periods.visible_periods）；设置只给系统管理员；日报由本单位的值班人报送
        # （warning.reports 核对其单位在范围内）；汇总报告点名范围内每个单位，只给看得到其中全部单位的人。
        _c("warning.periods", "查看敏感时期", SIGNED_IN),
        _c("warning.periods.manage", "设置敏感时期", {R.ADMIN}),
        _c("warning.daily.submit", "报送日报", {R.CLERK, R.HANDLER, R.UNIT_HEAD, R.LEADER}),
        _c("warning.consolidated", "查看和生成日报汇总", {R.SUPERVISOR, R.LEADER, R.BUREAU_LEADER}),
        _c("warning.key", "列入和研判重点事项", {R.UNIT_HEAD, R.LEADER, R.SUPERVISOR, R.BUREAU_LEADER}),
        _c("warning.reception", "排定和登记领导接访", {R.UNIT_HEAD, R.LEADER, R.BUREAU_LEADER}),
        # 民警需要支持：由主管领导（单位负责人、分管领导、局领导）决定谈心谈话 / 培训 / 调整岗位 / 误报。
        _c("warning.dispose", "记录民警预警的处置决定", {R.UNIT_HEAD, R.LEADER, R.BUREAU_LEADER}),
        # 考核看板按部门可见（access_department）；通报与报告点名各单位，只给看得到全部单位的人
        # （visible_department_ids 为 None：局领导、审计员，及分管范围覆盖全部单位者），在视图里按范围判断。
        _c("assessment.view", "查看考核看板", SIGNED_IN),
        _c("assessment.reports", "查看月度通报与报告", SIGNED_IN),
        # 对外接口（xinfang/api）：接口说明公开；令牌由系统管理员签发。下面两项不给任何工作人员角色，
        # 只有持该能力的令牌（对接系统的服务身份）能用。
        _c("api.tokens", "管理 API 令牌", {R.ADMIN}),
        _c("open311", "经 Open311 提交诉求", ()),
        _c("exchange.12345", "接收12345转办工单", ()),
    )
}

# 每个地址（URL 名）由哪项能力把守。`matter.{action}` 取自地址里的动作名。测试走遍全部地址，缺一项即失败。
ROUTES: dict[str, str] = {
    "home": "home",
    "healthz": "public",
    "login": "public",
    "logout": "public",
    "org:departments": "org.departments",
    "org:department": "org.departments",
    "org:lockouts": "org.lockouts",
    "org:unlock": "org.lockouts",
    "audit:events": "audit.log",
    "petitions:list": "matter.list",
    "petitions:workbench": "matter.list",
    "petitions:intake": "petition.intake",
    "petitions:intake_history": "petition.intake",
    "petitions:matter": "matter.view",
    "petitions:print": "matter.print",
    "petitions:note": "matter.note",
    "petitions:action": "matter.{action}",
    "petitions:correct_matter": "matter.correct",
    "petitions:correct_petition": "matter.correct",
    "petitions:execution_done": "matter.execution",
    "petitions:referral": "matter.referral",
    "petitions:discipline_route": "matter.discipline",
    "petitions:discipline_answer": "matter.discipline",
    "petitions:aftercare": "matter.aftercare",
    "petitions:recommend": "matter.recommend",
    "petitions:recommendation_feedback": "recommendation.feedback",
    "petitions:recommendations": "recommendation.list",
    "petitions:petitioner_full": "petitioner.full",
    "petitions:document": "document.download",
    "petitions:attachment": "attachment.open",
    "password_change": "own",
    "triage:suggest": "petition.intake",
    "triage:precedents": "matter.precedents",
    "supervision:board": "supervision.board",
    "supervision:unit": "supervision.unit",
    "supervision:cases": "supervision.cases",
    "supervision:order_new": "supervision.order.issue",
    "supervision:order": "supervision.order.view",
    "supervision:order_close": "supervision.order.close",
    "supervision:order_document": "supervision.order.view",
    "supervision:accountability": "accountability",
    "supervision:record": "accountability",
    "supervision:inbox": "own",
    "supervision:mark_read": "own",
    "supervision:preferences": "own",
    "portal:index": "public",
    "portal:lookup": "public",
    "portal:progress": "portal.petitioner",
    "portal:document": "portal.petitioner",
    "portal:read": "portal.petitioner",
    "portal:rate": "portal.petitioner",
    "portal:review": "portal.petitioner",
    "portal:leave": "portal.petitioner",
    "portal:visits": "return_visit.view",
    "portal:visit": "return_visit.view",
    "portal:attention": "return_visit.attention",
    "portal:rates": "return_visit.rates",
    "portal:issue_code": "portal.issue_code",
    "screening:mine": "screening.mine",
    "screening:mark": "screening.mine",
    "screening:rounds": "screening.rounds",
    "screening:round": "screening.round",
    "screening:report": "screening.round",
    "screening:key": "screening.key",
    "screening:import": "screening.import",
    "screening:import_run": "screening.import",
    "exchange:outbox": "exchange.outbox",
    "exchange:outbox_retry": "exchange.outbox",
    "exchange:import": "petition.import",
    "exchange:import_batch": "petition.import",
    "exchange:import_start": "petition.import",
    "warning:centre": "warning.centre",
    "warning:detail": "warning.centre",
    "warning:acknowledge": "warning.centre",
    "warning:close": "warning.centre",
    "warning:flag": "warning.flag",
    "warning:urgent": "warning.urgent",
    "warning:urgent_acknowledge": "warning.urgent",
    "warning:periods": "warning.periods",
    "warning:period_new": "warning.periods.manage",
    "warning:period": "warning.periods",
    "warning:daily_report": "warning.daily.submit",
    "warning:consolidate": "warning.consolidated",
    "warning:consolidated_download": "warning.consolidated",
    "warning:key_add": "warning.key",
    "warning:key_review": "warning.key",
    "warning:reception_new": "warning.reception",
    "warning:reception_record": "warning.reception",
    "warning:dispose": "warning.dispose",
    "assessment:overview": "assessment.view",
    "assessment:unit": "assessment.view",
    "assessment:unit_data": "assessment.view",
    "assessment:records": "assessment.view",
    "assessment:metric": "assessment.view",
    "assessment:bulletin": "assessment.reports",
    "assessment:reports": "assessment.reports",
    "assessment:request_report": "assessment.reports",
    "assessment:report": "assessment.reports",
    "assessment:download": "assessment.reports",
    # 对外接口（xinfang/api）：与页面同一张表；令牌按其能力、会话按角色。对事项的范围在视图里经 access_matter 查。
    "api:index": "public",
    "api:api-root": "public",
    "api:openapi-json": "public",
    "api:openapi-view": "public",
    "api:matters": "matter.list",
    "api:matter": "matter.view",
    "api:petitions": "petition.intake",
    "api:matter_action": "matter.{action}",
    "api:document": "document.download",
    "api:case_imports": "screening.import",
    "api:case_import": "screening.import",
    "api:metric_definitions": "assessment.view",
    "api:metrics": "assessment.view",
    "api:warnings": "warning.centre",
    "api:warning": "warning.centre",
    "api:exchange_orders": "exchange.12345",
    "api_tokens:list": "api.tokens",
    "api_tokens:rotate": "api.tokens",
    "api_tokens:revoke": "api.tokens",
    # Open311：目录与定义公开；提交须持 open311 能力的令牌（api_key）；查询凭查询码（与门户相同）。
    "open311:discovery": "public",
    "open311:services": "public",
    "open311:service": "public",
    "open311:requests": "open311",
    "open311:request": "portal.petitioner",
}

# 配置后台按地址的第二段归类：应用名 → admin.<应用>；后台自带的页面（首页、登录、退出、改本人密码、
# 自动补全、应用目录与兜底地址）→ admin.site。不认识的应用（例如 Django 自带的用户组）不在表中。
ADMIN_SITE_SEGMENTS = frozenset({"", "login", "logout", "password_change", "jsi18n", "autocomplete", "r"})


def capability(code: str) -> Capability:
    """按代码取能力；``matter.<动作>`` 取自事项转换表那一行的角色与范围。"""
    if code in CAPABILITIES:
        return CAPABILITIES[code]
    if code.startswith("matter."):
        from xinfang.petitions.workflow import TRANSITIONS  # 转换表在 petitions（依赖方向 org ← petitions）

        t = TRANSITIONS.get(code.removeprefix("matter."))
        if t is not None:
            return Capability(code, t.label, frozenset(t.roles), frozenset(t.scope))
    raise KeyError(f"权限表中没有能力 {code}")


def all_capabilities() -> dict[str, Capability]:
    from xinfang.petitions.workflow import TRANSITIONS

    return {**CAPABILITIES, **{f"matter.{a}": capability(f"matter.{a}") for a in TRANSITIONS}}


def route_capability(name: str | None, route: str = "", kwargs: dict | None = None) -> str | None:
    """地址（名称含命名空间，及其路径模式）对应的能力代码；表中没有的返回 None。"""
    if route.startswith("admin/"):
        segment = route.split("/")[1]
        if f"admin.{segment}" in CAPABILITIES:
            return f"admin.{segment}"
        if segment in ADMIN_SITE_SEGMENTS or segment.startswith(("^(?P<app_label>", "(?P<url>")):
            return "admin.site"
        return None
    code = ROUTES.get(name or "")
    if code and "{action}" in code:
        return code.format(action=(kwargs or {}).get("action", ""))
    return code


# -- 判断 -------------------------------------------------------------------------------


def _role_ok(user, cap: Capability, *, via_portal: bool = False) -> bool:
    if cap.public:
        return True
    # API 令牌的服务身份：权限恰好是令牌的能力（scopes），不看角色；对事项的范围照常按其部门判断。
    token = getattr(user, "service_token", None)
    if token is not None:
        return cap.code in token.scopes
    if via_portal:
        return "petitioner" in (cap.roles or ())
    if not getattr(user, "is_authenticated", False):
        return False
    return cap.roles is None or bool(role_codes(user) & cap.roles)


def _within(user, department: Department) -> bool:
    """部门在用户的可见范围内（本部门子树、分管的子树、看全部者），或用户属于该部门的子树。"""
    ids = visible_department_ids(user)
    if ids is None or department.pk in ids:
        return True
    own = getattr(user, "department", None)
    return own is not None and own.path.startswith(department.path)


def in_deciding_organ(user, matter) -> bool:
    """复查、复核的决定机关：作出原意见机关的上一级机关的负责人、分管领导（第三十五条、第三十六条）。

    规则本身在 ``petitions/organs.py``（机关树与意见记录）；权限表只引用它，不另写一份。
    """
    from xinfang.petitions.organs import may_decide

    return may_decide(user, matter)


def matter_scopes(user, matter, *, via_portal: bool = False) -> frozenset[Scope]:
    """该用户对该事项处在哪些范围里（调用方已确认事项可见，或经门户核实了查询码）。"""
    if via_portal:
        return frozenset({Scope.PETITIONER, Scope.ANY})
    cache = getattr(matter, "_scope_cache", None)
    if cache is not None and cache[0] == (user.pk, matter.department_id, matter.handler_id):
        return cache[1]
    from xinfang.petitions.models import Assignment, AssignmentRole

    found = {Scope.VISIBLE, Scope.ANY}
    if _within(user, matter.department):
        found.add(Scope.LEAD)
    if matter.handler_id is not None and matter.handler_id == user.pk:
        found.add(Scope.HANDLER)
    co = [a.department for a in Assignment.objects.filter(matter_id=matter.pk, role=AssignmentRole.CO)
          .select_related("department")]
    if any(_within(user, d) for d in co):
        found.add(Scope.CO_UNIT)
    if in_deciding_organ(user, matter):
        found.add(Scope.DECIDING_ORGAN)
    result = frozenset(found)
    matter._scope_cache = ((user.pk, matter.department_id, matter.handler_id), result)
    return result


def allows(user, code: str, matter=None, *, via_portal: bool = False) -> bool:
    """该用户能否行使该能力（对该事项）。"""
    cap = capability(code)
    if not _role_ok(user, cap, via_portal=via_portal):
        return False
    if matter is None or Scope.ANY in cap.scopes:
        return True
    return bool(cap.scopes & matter_scopes(user, matter, via_portal=via_portal))


def refusal(user, code: str, matter=None, *, via_portal: bool = False) -> str | None:
    """不允许时的中文说明（角色不对，或不在该事项的范围内）；允许时为 None。"""
    cap = capability(code)
    if not _role_ok(user, cap, via_portal=via_portal):
        return f"您的角色不能{cap.label}。"
    if matter is not None and not allows(user, code, matter, via_portal=via_portal):
        if Scope.DECIDING_ORGAN in cap.scopes:
            from xinfang.petitions.organs import decider_refusal

            return decider_refusal(matter)
        if Scope.CO_UNIT in matter_scopes(user, matter, via_portal=via_portal):
            return f"协办单位只能反馈办理情况，不能{cap.label}（限牵头单位）。"
        where = "、".join(SCOPE_LABELS[s] for s in sorted(cap.scopes))
        return f"您不在可以{cap.label}的范围内（限{where}）。"
    return None


def require(user, code: str) -> None:
    """页面级的角色检查：没有该角色的人看不到这个页面（404，与看不到的记录一样，不提示它存在）。"""
    if not allows(user, code):
        raise Http404("页面不存在")


def check(user, code: str, matter) -> None:
    """对一件可见的事项：不允许即 403，附中文说明。"""
    message = refusal(user, code, matter)
    if message:
        raise PermissionDenied(message)


def access_matter(user, pk, *, capability: str, queryset=None):
    """按权限取事项（Zulip 的 access_* 写法）：看不到即 404，看得到但无权即 403（中文说明）。"""
    from xinfang.petitions.selectors import visible_matters

    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("信访事项不存在") from None
    base = visible_matters(user) if queryset is None else queryset & visible_matters(user)
    matter = base.select_related("department").filter(pk=pk).first()
    if matter is None:
        raise Http404("信访事项不存在")
    check(user, capability, matter)
    return matter
