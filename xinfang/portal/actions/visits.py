"""回访：每次答复后生成一项回访任务（读事项事件，可重复执行），回访人记录结果，负责人处理需关注的回访。

回访任务从事项事件生成，而不是由 petitions 在答复时调用本应用（依赖只从 portal 指向 petitions）：
`sync_return_visits` 只作为周期任务运行（GET 请求不写任何东西），信访人在门户评价前
对其事项运行 `sync_for_matter`。每个来源事件唯一对应一项回访，重复运行不会多建。
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from xinfang.audit.services import diff, record, record_many, snapshot
from xinfang.core import clock, cursors
from xinfang.org.access import has_role, scope
from xinfang.org.models import RoleCode
from xinfang.petitions.models import Matter, MatterEvent

from ..models import ContactMethod, ReplyKind, ReturnVisit, Satisfaction, Solved

# 哪些事件算"答复"：处理意见、复查意见、复核意见（均送达信访人）。
REPLY_EVENTS = {"approve_reply": ReplyKind.REPLY, "issue_review": ReplyKind.REVIEW,
                "issue_re_review": ReplyKind.RE_REVIEW}
# 事件编号按分配顺序而非提交顺序递增：每次回看一段已读过的编号，接住提交晚了的事件。
OVERLAP = cursors.SAFETY_WINDOW  # 与其它事件读者同一个安全窗口（见 core.cursors）
CURSOR = "return_visits"

RECORDERS = (RoleCode.HANDLER, RoleCode.CLERK)
ATTENTION_ROLES = (RoleCode.UNIT_HEAD, RoleCode.LEADER)


def _replied_on(event: MatterEvent, opinions: dict | None = None) -> date:
    """答复之日：取意见行的送达日期（未送达取作出日期）；旧事件没有意见行的，取事件日期。

    ``opinions`` 可预先给出 {意见 id: (送达日期, 作出日期)}，批量生成时免得逐条去查。
    """
    from xinfang.petitions import events as petition_events
    from xinfang.petitions.models import Opinion

    pk = (event.data or {}).get(petition_events.OPINION_ID)
    if opinions is None:
        found = Opinion.objects.filter(pk=pk).values_list("delivered_on", "decided_on").first() if pk else None
    else:
        found = opinions.get(pk)
    if found is None:
        return clock.local_date(event.at)
    delivered_on, decided_on = found
    return delivered_on or decided_on


def _visit_for(event: MatterEvent, matter: Matter, opinions: dict | None = None) -> ReturnVisit:
    replied_on = _replied_on(event, opinions)
    return ReturnVisit(
        matter=matter, source_event=event, reply_kind=REPLY_EVENTS[event.action],
        department_id=matter.department_id, handler_id=matter.handler_id, replied_on=replied_on,
        due_on=replied_on + timedelta(days=settings.RETURN_VISIT_DAYS),
    )


def _created(visit: ReturnVisit, number: str) -> dict:
    return {"matter": [None, number], "due_on": [None, visit.due_on.isoformat()]}


def _create_for(event: MatterEvent, matter: Matter) -> bool:
    try:
        with transaction.atomic():  # 保存点：并发生成同一项时后到者撞唯一约束，只撤销这一步
            visit = _visit_for(event, matter)
            visit.save(force_insert=True)
            record(actor=None, action="return_visit.create", obj=visit, changes=_created(visit, matter.number))
    except IntegrityError:
        return False
    return True


def _create_batch(events: list[MatterEvent]) -> int:
    """为一批答复事件建回访任务：一次查意见、一次查已有回访、一次批量插入，审计记录一次接链。

    与逐条建的结果相同（同样的行、同样的审计记录）；同一批里有别的进程刚建的（门户评价前的
    `sync_for_matter`），批量插入撞唯一约束，这一批退回逐条建。
    """
    from xinfang.petitions import events as petition_events
    from xinfang.petitions.models import Opinion

    done = set(ReturnVisit.objects.filter(source_event__in=events).values_list("source_event_id", flat=True))
    todo = [e for e in events if e.pk not in done]
    if not todo:
        return 0
    ids = {(e.data or {}).get(petition_events.OPINION_ID) for e in todo} - {None}
    opinions = {pk: (delivered, decided) for pk, delivered, decided in
                Opinion.objects.filter(pk__in=ids).values_list("pk", "delivered_on", "decided_on")}
    visits = [_visit_for(e, e.matter, opinions) for e in todo]
    try:
        with transaction.atomic():
            ReturnVisit.objects.bulk_create(visits, batch_size=1000)
            record_many(actor=None, action="return_visit.create",
                        entries=[(v, _created(v, v.matter.number)) for v in visits],
                        matter_numbers={v.pk: v.matter.number for v in visits})
    except IntegrityError:
        return sum(_create_for(e, e.matter) for e in todo)
    return len(visits)


def _unvisited(after: int, top: int):
    return (MatterEvent.objects.filter(pk__gt=max(0, after - OVERLAP), pk__lte=top, action__in=REPLY_EVENTS)
            .exclude(pk__in=ReturnVisit.objects.values("source_event_id")))


def sync_return_visits(*, batch: int = 2000) -> int:
    """为尚无回访任务的答复事件生成回访任务，返回新建几项。可重复执行。

    经事件游标分批读（core.cursors.drain，含安全窗口重读），每批一个事务：刚造完数的百万件库要补
    几十万项时，也不会一个事务占住写锁几十分钟，中途停下的下次接着做。
    """
    seen = cursors.position(CURSOR)
    top = MatterEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    # 先不加锁地看一眼：没有待生成的答复就不开写事务（周期任务多数时候无事可做）。
    if seen is not None and not _unvisited(seen, top).exists():
        if top > seen:
            cursors.catch_up(CURSOR, top)
        return 0
    replies = MatterEvent.objects.filter(action__in=REPLY_EVENTS).select_related("matter")
    return cursors.drain(CURSOR, replies, _create_batch, batch=batch, window=OVERLAP)


def sync_for_matter(matter: Matter) -> int:
    """只为一件事项补生成回访任务（门户评价前调用）。"""
    with transaction.atomic():
        events = (matter.events.filter(action__in=REPLY_EVENTS)
                  .exclude(pk__in=ReturnVisit.objects.filter(matter=matter).values("source_event_id")))
        return sum(_create_for(event, matter) for event in events)


def visible_visits(user):
    return scope(ReturnVisit.objects.all(), user, "department")


def _locked(user, visit: ReturnVisit) -> ReturnVisit:
    found = visible_visits(user).select_for_update(of=("self",)).filter(pk=visit.pk).first()
    if found is None:
        raise Http404("回访不存在")
    return found


FIELDS = ["contacted_on", "method", "solved", "satisfaction", "notes", "done_at", "recorded_by",
          "needs_attention", "attention_closed_at"]


@transaction.atomic
def record_return_visit(visit: ReturnVisit, *, by, contacted_on: date, method: str, solved: str = "",
                        satisfaction: str = "", notes: str = "") -> ReturnVisit:
    """记录回访：如何联系上、问题是否解决、是否满意、情况说明。未解决或不满意即交单位负责人关注。"""
    if not has_role(by, *RECORDERS):
        raise PermissionError("只有承办人或登记员可以记录回访")
    visit = _locked(by, visit)
    errors: dict[str, str] = {}
    if visit.is_done:
        raise ValidationError({"__all__": "该回访已于此前记录，不能重复记录"})
    if method not in ContactMethod.values:
        errors["method"] = "请选择联系方式"
    if contacted_on is None:
        errors["contacted_on"] = "请填写联系日期"
    elif contacted_on > clock.today():
        errors["contacted_on"] = "联系日期不能晚于今天"
    elif contacted_on < visit.replied_on:
        errors["contacted_on"] = f"联系日期不能早于答复日期 {visit.replied_on:%Y-%m-%d}"
    notes = (notes or "").strip()
    if method == ContactMethod.UNREACHED:
        solved, satisfaction = "", ""
        if not notes:
            errors["notes"] = "未能联系上时，请写明尝试过哪些联系方式"
    else:
        if solved not in Solved.values:
            errors["solved"] = "请选择问题是否解决"
        if satisfaction not in Satisfaction.values:
            errors["satisfaction"] = "请选择满意度"
    if errors:
        raise ValidationError(errors)
    before = snapshot(visit, FIELDS)
    visit.contacted_on, visit.method, visit.solved, visit.satisfaction = contacted_on, method, solved, satisfaction
    visit.notes, visit.done_at, visit.recorded_by = notes, clock.now(), by
    if solved == Solved.NO or satisfaction == Satisfaction.UNSATISFIED:
        visit.needs_attention, visit.attention_closed_at = True, None
    visit.save()
    record(actor=by, action="return_visit.record", obj=visit, changes=diff(before, snapshot(visit, FIELDS)))
    return visit


@transaction.atomic
def record_visit_read(user, visit: ReturnVisit) -> None:
    """回访页上查看了信访人的联系方式：记审计。"""
    record(actor=user, action="personal_data.read", obj=visit.matter,
           changes={"purpose": [None, "回访时查看信访人联系方式"]})


@transaction.atomic
def close_attention(visit: ReturnVisit, *, by, note: str) -> ReturnVisit:
    """单位负责人写明对不满意或未解决回访的处理情况，该回访离开督办台。"""
    if not has_role(by, *ATTENTION_ROLES):
        raise PermissionError("只有单位负责人或分管领导可以处理需关注的回访")
    visit = _locked(by, visit)
    note = (note or "").strip()
    if not visit.needs_attention or visit.attention_closed_at:
        raise ValidationError({"note": "该回访没有待处理的关注事项"})
    if not note:
        raise ValidationError({"note": "请写明处理情况"})
    visit.attention_closed_at, visit.attention_note, visit.attention_closed_by = clock.now(), note, by
    visit.save(update_fields=["attention_closed_at", "attention_note", "attention_closed_by"])
    record(actor=by, action="return_visit.close_attention", obj=visit, changes={"attention_note": [None, note[:200]]})
    return visit
