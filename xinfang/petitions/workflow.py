"""信访事项的生命周期：一张明确的状态转换表，和唯一写事项状态的函数 `transition`。

表中每一行：动作、可从哪些状态发起、转到哪个状态（None 表示状态不变，例如延期）、
哪些角色可以做。`transition` 锁行、查表、查权限、核对版本、记事件与审计、重算期限，
全部在一个事务里完成。
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from django.db import transaction
from django.http import Http404

from xinfang.audit.services import diff, plain, record
from xinfang.core import clock
from xinfang.org import permissions
from xinfang.org.models import RoleCode as R
from xinfang.org.permissions import Scope

from . import clocks
from .models import Matter, MatterEvent, Status as S


class WorkflowError(Exception):
    """给用户看的中文说明。"""


class ActionNotAllowed(WorkflowError):
    pass


class StaleMatter(WorkflowError):
    """表单打开之后事项已被别人改过。"""


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: frozenset[str]
    target: str | None
    roles: frozenset[str]
    # 对哪件事项：角色之外还须在其一范围内（见 org/permissions.py）。默认只限牵头单位：协办单位不能替它决定。
    scope: frozenset[str] = frozenset({Scope.LEAD})


def _t(action: str, label: str, sources, target, roles, scope=(Scope.LEAD,)) -> Transition:
    return Transition(action, label, frozenset(sources), target, frozenset(roles), frozenset(scope))


LEAD_OR_HANDLER = (Scope.LEAD, Scope.HANDLER)
LEAD_OR_PETITIONER = (Scope.LEAD, Scope.PETITIONER)
# 复查、复核的决定：只有决定机关（原办理机关的上一级机关）的负责人（第三十五条、第三十六条）。
DECIDER = (Scope.DECIDING_ORGAN,)


# 信访人本人经门户（凭查询码）发起的动作用这个伪角色；它不是工作人员的角色。
PETITIONER = "petitioner"
INTAKE = {R.CLERK, R.UNIT_HEAD, R.LEADER}
HEADS = {R.UNIT_HEAD, R.LEADER}
HANDLERS = {R.HANDLER, R.UNIT_HEAD}
OPEN_HANDLING = {S.ASSIGNED, S.IN_PROGRESS, S.HEARING, S.REPLY_DRAFTED}
# 有已作出、可能尚未送达的意见的状态。
DELIVERABLE = {S.REPLIED, S.CLOSED, S.REVIEWING, S.REVIEW_FORWARDED, S.REVIEWED, S.RE_REVIEWING,
               S.RE_REVIEW_HEARING, S.RE_REVIEW_FORWARDED, S.TERMINATED}

TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        # 告知受理与否（《信访工作条例》第二十三条）
        _t("accept", "受理", {S.REGISTERED}, S.ACCEPTED, INTAKE),
        _t("decline", "不予受理", {S.REGISTERED}, S.DECLINED, INTAKE),
        _t("transfer", "转送", {S.REGISTERED}, S.TRANSFERRED, INTAKE),
        # 转送、交办来的事项不属本机关职权范围：自收到之日起5个工作日内提出异议并说明理由，
        # 经转送、交办机关核实同意后交还材料；不同意的继续办理（第二十三条）。
        _t("object_referral", "对转送（交办）提出异议", {S.REGISTERED}, S.OBJECTED, INTAKE),
        _t("objection_agreed", "异议经核实同意，交还材料", {S.OBJECTED}, S.RETURNED, INTAKE),
        _t("objection_refused", "异议未获同意，继续办理", {S.OBJECTED}, S.REGISTERED, INTAKE),
        # 依法分类处理：导入诉讼、复议、仲裁等法定程序（第三十一条）
        _t("divert", "依法分类处理", {S.REGISTERED}, S.DIVERTED, INTAKE),
        # 交办（第二十二条）与办理（第三十一条至第三十四条）
        _t("assign", "交办", {S.ACCEPTED}, S.ASSIGNED, INTAKE | {R.SUPERVISOR}),
        _t("start", "开始办理", {S.ASSIGNED}, S.IN_PROGRESS, HANDLERS, LEAD_OR_HANDLER),
        # 办理中的听证不停止60日办理期限（第三十四条）；只有复核的听证时间不计入期限（第三十六条）。
        _t("start_hearing", "组织听证", {S.IN_PROGRESS}, S.HEARING, HEADS),
        _t("end_hearing", "结束听证", {S.HEARING}, S.IN_PROGRESS, HEADS),
        _t("draft_reply", "起草答复", {S.IN_PROGRESS}, S.REPLY_DRAFTED, HANDLERS, LEAD_OR_HANDLER),
        _t("return_draft", "退回修改", {S.REPLY_DRAFTED}, S.IN_PROGRESS, HEADS),
        # 处理意见以承办单位所属机关的名义作出（第三十二条）
        _t("approve_reply", "审批并答复", {S.REPLY_DRAFTED}, S.REPLIED, HEADS),
        _t("extend", "延期", OPEN_HANDLING, None, {R.UNIT_HEAD}),
        _t("close", "办结", {S.REPLIED}, S.CLOSED, INTAKE),
        # 送达：请求复查、复核的期限自信访人收到之日起算（第三十五条、第三十六条）。状态不变。
        _t("deliver", "登记送达", DELIVERABLE, None, INTAKE | HANDLERS | {PETITIONER},
           (Scope.LEAD, Scope.HANDLER, Scope.PETITIONER)),
        # 交办的事项在指定期限内向交办机关提交办结报告（第二十二条）。状态不变。
        _t("report_completion", "提交办结报告", DELIVERABLE, None, HEADS),
        # 复查（第三十五条）：由原办理机关的上一级机关作出；办结不截断仍在期内的请求权。
        _t("request_review", "登记复查请求", {S.REPLIED, S.CLOSED}, S.REVIEWING, INTAKE | {PETITIONER},
           LEAD_OR_PETITIONER),
        _t("refuse_late_review", "逾期复查请求不予受理", {S.REPLIED, S.CLOSED}, None, INTAKE | {PETITIONER},
           LEAD_OR_PETITIONER),
        _t("forward_review", "复查请求转送上级机关", {S.REVIEWING}, S.REVIEW_FORWARDED, INTAKE),
        _t("record_external_review", "登记上级机关复查意见", {S.REVIEW_FORWARDED}, S.REVIEWED, INTAKE),
        _t("issue_review", "出具复查意见", {S.REVIEWING}, S.REVIEWED, HEADS, DECIDER),
        _t("close_review", "复查办结", {S.REVIEWED}, S.CLOSED, INTAKE),
        # 复查撤销原意见、责令重新办理：原办理机关重新办理，重新起算办理期限。
        _t("rehandle", "重新办理", {S.REVIEWED}, S.IN_PROGRESS, HANDLERS | HEADS, LEAD_OR_HANDLER),
        # 复核（第三十六条）：由复查机关的上一级机关作出。
        _t("request_re_review", "登记复核请求", {S.REVIEWED, S.CLOSED}, S.RE_REVIEWING, INTAKE | {PETITIONER},
           LEAD_OR_PETITIONER),
        _t("refuse_late_re_review", "逾期复核请求不予受理", {S.REVIEWED, S.CLOSED}, None, INTAKE | {PETITIONER},
           LEAD_OR_PETITIONER),
        _t("forward_re_review", "复核请求转送上级机关", {S.RE_REVIEWING}, S.RE_REVIEW_FORWARDED, INTAKE),
        _t("record_external_re_review", "登记上级机关复核意见（终结）", {S.RE_REVIEW_FORWARDED}, S.TERMINATED,
           INTAKE),
        _t("start_re_review_hearing", "组织复核听证", {S.RE_REVIEWING}, S.RE_REVIEW_HEARING, HEADS, DECIDER),
        _t("end_re_review_hearing", "结束复核听证", {S.RE_REVIEW_HEARING}, S.RE_REVIEWING, HEADS, DECIDER),
        _t("issue_re_review", "出具复核意见（终结）", {S.RE_REVIEWING}, S.TERMINATED, HEADS, DECIDER),
        # 复核后同一事实和理由再来：不再受理（第三十六条），状态不变，只出具告知书。
        _t("not_accepted_again", "出具不再受理告知书", {S.TERMINATED}, None, INTAKE),
    )
}

# 状态分组：查询与界面按组判断，新增状态时只需归入某组。
OPEN_STATES = frozenset(
    {S.REGISTERED, S.ACCEPTED, S.ASSIGNED, S.IN_PROGRESS, S.HEARING, S.REPLY_DRAFTED,
     S.REVIEWING, S.REVIEW_FORWARDED, S.RE_REVIEWING, S.RE_REVIEW_HEARING, S.RE_REVIEW_FORWARDED, S.OBJECTED}
)
ANSWERED_STATES = frozenset({S.REPLIED, S.REVIEWED})
FINISHED_STATES = frozenset({S.CLOSED, S.TERMINATED, S.DECLINED, S.TRANSFERRED, S.DIVERTED, S.RETURNED})


def may(user, matter: Matter, action: str) -> bool:
    """该用户此刻能否对该事项做该动作：状态，加上权限表的角色与范围（可见性由取数时的 access 保证）。"""
    t = TRANSITIONS[action]
    return matter.status in t.sources and permissions.allows(user, f"matter.{action}", matter)


def available_actions(user, matter: Matter) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if may(user, matter, t.action)]


def transition(
    matter: Matter,
    action: str,
    *,
    by,
    expected_version: int | None = None,
    reason: str = "",
    apply: Callable[[Matter], dict | None] | None = None,
    via_portal: bool = False,
) -> Matter:
    """执行一个动作：唯一写事项状态的地方。

    锁行后核对版本（表单打开后被人改过即拒绝）、状态与角色，调用 `apply` 写入该动作的字段
    （它可返回要记入事件的详情），改状态、版本加一、重算期限、记事件与审计，同一事务。
    必须在调用方的事务中调用，以便文书等后续写入与之同进退。

    `via_portal=True`（此时 by 为 None）：信访人本人经门户发起，调用方已凭查询码核实身份，
    只允许转换表中给了 PETITIONER 的动作。
    """
    from .selectors import visible_matters

    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("workflow.transition 必须在事务中调用")
    t = TRANSITIONS[action]
    # 锁行：两人同时对一件事项操作时，后到者等前者提交，再基于最新状态判断。
    if via_portal and by is not None:
        raise ValueError("经门户的动作没有工作人员操作人")
    candidates = Matter.objects.all() if via_portal else visible_matters(by)
    locked = candidates.select_for_update(of=("self",)).filter(pk=matter.pk).first()
    if locked is None:
        raise Http404("信访事项不存在")
    if expected_version is not None and locked.version != expected_version:
        last = locked.events.order_by("-at", "-id").select_related("actor").first()
        who = f"{last.actor}于{clock.localtime(last.at):%H:%M}" if last and last.actor else "他人"
        raise StaleMatter(f"此事项在您打开页面后已被{who}修改（现为“{locked.get_status_display()}”），"
                          "您的提交未保存。请刷新页面查看最新情况后再操作。")
    if locked.status not in t.sources:
        raise ActionNotAllowed(f"事项当前为“{locked.get_status_display()}”，不能{t.label}。")
    refused = permissions.refusal(by, f"matter.{action}", locked, via_portal=via_portal)
    if refused:
        raise ActionNotAllowed(refused)
    before = {"status": locked.status, "current_due": locked.current_due}
    data = {k: plain(v) for k, v in ((apply(locked) if apply else None) or {}).items()}
    if via_portal:
        data["via"] = "portal"
    from_status = locked.status
    if t.target is not None:
        locked.status = t.target
    locked.version += 1
    clocks.recompute(locked)
    locked.save()
    MatterEvent.objects.create(
        matter=locked, at=clock.now(), actor=by, action=action,
        from_status=from_status, to_status=locked.status, reason=reason, data=data,
    )
    changes = diff({**before, **dict.fromkeys(data)}, {"status": locked.status, "current_due": locked.current_due, **data})
    record(actor=by, action=f"matter.{action}", obj=locked, changes=changes)
    return locked
