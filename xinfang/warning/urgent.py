"""重大紧急事项（《信访工作条例》第二十五条）：发现、立即报告、确认、逾时未确认逐级上报。

发现走办理记录（petitions.MatterEvent），不改登记代码：后台任务（每分钟）按游标读新的登记、重复信访、
办理情况与"情况标记"，遇到下列情形即报告：
- 集体访人数达到设定人数（XINFANG_URGENT_COLLECTIVE_SIZE；敏感时期可调低）；
- 事项已到省、国家信访（工作人员标记，或上级交办件写明由省、国家信访机构交办）；
- 内容出现极端行为或现实危险的信号（下列词表，按词的边界匹配；不是模型，不评价人）；
- 媒体关注（工作人员标记）。
报告给责任单位（或最近的有负责人的上级）的一把手与分管领导：站内信加短信，不受免打扰时段限制
（第二十五条要求及时报告）；XINFANG_URGENT_ACK_MINUTES 分钟内无人确认，再报上一级，直到局领导。
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse

from xinfang.audit.services import record
from xinfang.core import clock, cursors
from xinfang.org import permissions
from xinfang.org.models import Department, RoleCode, Staff
from xinfang.petitions.models import Channel, Matter, MatterEvent, Petition
from xinfang.supervision import notifications
from xinfang.supervision.models import Kind, Notification

from .models import Warning, WarningKind, WarningStatus
from .models_urgent import FlagKind, MatterFlag, UrgentGround, UrgentRecipient, UrgentReport
from .services import acknowledge_warning, raise_warning

CURSOR = "warning-urgent"
WATCHED = ("register", "repeat", "repeat_after_termination", "note", "major_flag")
MAX_AGE = timedelta(days=2)  # 首次运行或停机很久后：更早的记录不再"立即报告"


# -- 词表 --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Phrase:
    """一个信号词：前后不能紧跟 not_after / not_before 里的字（词的边界：“跳楼价”不是跳楼）。"""

    text: str
    not_before: tuple[str, ...] = ()  # 紧跟在后面就不算
    not_after: tuple[str, ...] = ()  # 紧挨在前面就不算（否定：“不会自杀”）


NEGATIONS = ("不会", "没有", "并未", "并非", "不是", "不想", "防止", "预防", "劝阻")
EXTREME_PHRASES: tuple[Phrase, ...] = (
    Phrase("自杀", not_after=NEGATIONS), Phrase("自焚", not_after=NEGATIONS), Phrase("轻生", not_after=NEGATIONS),
    Phrase("跳楼", not_before=("价", "机", "大甩卖"), not_after=NEGATIONS),
    Phrase("跳河", not_after=NEGATIONS), Phrase("跳桥", not_after=NEGATIONS), Phrase("服毒", not_after=NEGATIONS),
    Phrase("喝农药", not_after=NEGATIONS), Phrase("割腕", not_after=NEGATIONS), Phrase("上吊", not_after=NEGATIONS),
    Phrase("以死相逼"), Phrase("不想活了", not_after=("并",)), Phrase("活不下去"), Phrase("同归于尽"),
    Phrase("报复社会"), Phrase("鱼死网破"), Phrase("炸药"), Phrase("炸掉"), Phrase("炸了你"), Phrase("人质"),
    Phrase("纵火"), Phrase("放火烧"), Phrase("浇汽油"), Phrase("泼汽油"), Phrase("带着汽油"), Phrase("汽油瓶"),
    Phrase("持刀"), Phrase("砍死"), Phrase("杀了他"), Phrase("杀了你"), Phrase("杀人", not_before=("犯", "案", "罪")),
)
NATIONAL_PHRASES = ("国家信访局", "国家信访联席", "中央信访", "公安部信访")
PROVINCIAL_PHRASES = ("省信访局", "省信访办", "省信访联席", "省公安厅", "省委信访", "省政府信访")


def _pattern(phrase: Phrase) -> re.Pattern:
    before = "".join(f"(?<!{re.escape(a)})" for a in phrase.not_after)
    after = f"(?!{'|'.join(re.escape(b) for b in phrase.not_before)})" if phrase.not_before else ""
    return re.compile(before + re.escape(phrase.text) + after)


_PATTERNS = [(p.text, _pattern(p)) for p in EXTREME_PHRASES]


def extreme_signals(text: str) -> list[str]:
    """文本中出现的极端行为或现实危险信号词（按词表顺序，不重复）。"""
    text = re.sub(r"\s+", "", text or "")
    return [word for word, pattern in _PATTERNS if pattern.search(text)]


def superior_level(petition: Petition) -> str | None:
    """上级交办件写明由国家或省级信访机构交办：national / provincial。"""
    if petition.channel != Channel.SUPERIOR:
        return None
    text = f"{petition.content}{petition.requests}"
    if any(p in text for p in NATIONAL_PHRASES):
        return UrgentGround.NATIONAL
    if any(p in text for p in PROVINCIAL_PHRASES):
        return UrgentGround.PROVINCIAL
    return None


# -- 工作人员标记 ------------------------------------------------------------------------


@transaction.atomic
def flag_matter(matter: Matter, *, by, kind: str, note: str) -> MatterFlag:
    """在事项上标记“媒体关注”或“已到省 / 国家信访”；写办理记录，重大紧急扫描据此立即报告。"""
    refused = permissions.refusal(by, "warning.flag", matter)
    if refused:
        raise PermissionDenied(refused)
    if kind not in FlagKind.values:
        raise ValidationError({"kind": "情况：请选择媒体关注、已到省信访或已到国家信访"})
    note = (note or "").strip()
    if len(note) < 4:
        raise ValidationError({"note": "说明：请写明情况来源（如哪家媒体、哪一级交办），至少 4 个字"})
    if MatterFlag.objects.filter(matter=matter, kind=kind).exists():
        raise ValidationError({"kind": f"事项 {matter.number} 已标记“{FlagKind(kind).label}”"})
    now = clock.now()
    flag = MatterFlag.objects.create(matter=matter, kind=kind, note=note, set_by=by, set_at=now)
    MatterEvent.objects.create(matter=matter, at=now, actor=by, action="major_flag", from_status=matter.status,
                               to_status=matter.status, reason=note, data={"flag": kind, "flag_id": flag.pk})
    record(actor=by, action="warning.flag", obj=matter, changes={"flag": [None, kind], "note": [None, note[:200]]})
    return flag


# -- 发现 --------------------------------------------------------------------------------


def _grounds(event: MatterEvent, matter: Matter) -> tuple[list[str], list[str], Petition | None]:
    """(事由, 说明, 信访件)。"""
    grounds, lines, petition = [], [], None
    data = event.data or {}
    if event.action == "major_flag":
        ground = {FlagKind.MEDIA: UrgentGround.MEDIA, FlagKind.PROVINCIAL: UrgentGround.PROVINCIAL,
                  FlagKind.NATIONAL: UrgentGround.NATIONAL}.get(data.get("flag"))
        if ground:
            grounds.append(ground)
            lines.append(f"{FlagKind(data['flag']).label}（{event.actor or '工作人员'}标记）：{event.reason}")
        return grounds, lines, None
    if event.action == "note":
        words = extreme_signals(event.reason)
        if words:
            grounds.append(UrgentGround.EXTREME)
            lines.append(f"办理情况中出现危险信号“{'、'.join(words)}”：{event.reason[:120]}")
        return grounds, lines, None
    petition = Petition.objects.filter(pk=data.get("petition_id")).first()
    if petition is None:
        return [], [], None
    from .periods import thresholds

    size = thresholds(matter.department_id, clock.local_date(event.at)).collective_size
    if petition.head_count >= size:
        grounds.append(UrgentGround.COLLECTIVE)
        lines.append(f"集体访 {petition.head_count} 人（报告线 {size} 人）。")
    level = superior_level(petition)
    if level:
        grounds.append(level)
        lines.append(f"上级交办：{UrgentGround(level).label}。")
    words = extreme_signals(f"{petition.content}{petition.requests}")
    if words:
        grounds.append(UrgentGround.EXTREME)
        lines.append(f"信访内容中出现危险信号“{'、'.join(words)}”。")
    return grounds, lines, petition


def _already_open(matter: Matter, grounds: list[str]) -> bool:
    """同一事项已有未关闭的报告包含这些事由：不重复报告（如承办人连记几条"扬言自焚"）。"""
    reported = set()
    for row in UrgentReport.objects.filter(matter=matter).exclude(warning__status=WarningStatus.CLOSED):
        reported.update(row.grounds)
    return set(grounds) <= reported


def scan_events(*, now: datetime | None = None, batch: int = 1000) -> int:
    """后台任务：读新的办理记录，发现重大紧急事项即报告；返回新报告数。重读到的记录不重复报告。"""
    now = now or clock.now()
    if cursors.position(CURSOR) is None:
        # 第一次运行：从两天前开始读，不把多年的历史当作"刚发生"来报告。
        start = (MatterEvent.objects.filter(at__lt=now - MAX_AGE).order_by("-pk").values_list("pk", flat=True)
                 .first()) or 0
        with transaction.atomic():
            cursor = cursors.lock(CURSOR)
            if cursor.position < start:
                cursor.position = start + cursors.SAFETY_WINDOW
                cursor.save(update_fields=["position"])

    def handle(events: list[MatterEvent]) -> int:
        made = 0
        for event in events:
            if event.at < now - MAX_AGE or UrgentReport.objects.filter(source_event=event).exists():
                continue
            matter = Matter.objects.select_related("department").get(pk=event.matter_id)
            grounds, lines, petition = _grounds(event, matter)
            if grounds and not _already_open(matter, grounds):
                made += report(matter, grounds=grounds, lines=lines, petition=petition, event=event, now=now) is not None
        return made

    return cursors.drain(CURSOR, MatterEvent.objects.filter(action__in=WATCHED), handle, batch=batch)


# -- 报告与升级 --------------------------------------------------------------------------


def levels(department: Department) -> list[list[int]]:
    """逐级的接报人：责任单位起每个有一把手或分管领导的部门为一级，最后一级是局领导；同一人只出现一次。"""
    ids = department.ancestor_ids()[::-1] or [department.pk]
    nodes = Department.objects.in_bulk(ids)
    seen: set[int] = set()
    result = []
    for pk in ids:
        node = nodes.get(pk)
        people = [p for p in (node.head_id, node.petition_leader_id) if p and p not in seen] if node else []
        if people:
            seen.update(people)
            result.append(people)
    bureau = [pk for pk in Staff.objects.filter(roles__code=RoleCode.BUREAU_LEADER, is_active=True)
              .order_by("pk").values_list("pk", flat=True) if pk not in seen]
    if bureau:
        result.append(list(dict.fromkeys(bureau)))
    return result


def _notify(report_: UrgentReport, staff_ids: list[int], level: int, now: datetime) -> int:
    """站内信加短信（不论个人是否关闭了短信：第二十五条的报告须送达；免打扰时段不适用）。"""
    fresh = [pk for pk in staff_ids
             if not UrgentRecipient.objects.filter(report=report_, staff_id=pk).exists()]
    if not fresh:
        return 0
    url = reverse("warning:urgent", args=[report_.pk])
    title = f"重大紧急事项：{report_.matter.number} {'、'.join(report_.ground_labels())}"
    if level > 1:
        title = f"（未确认，逐级上报）{title}"
    rows = notifications.create([
        notifications.Draft(recipient_id=pk, kind=Kind.URGENT, title=title, body=report_.warning.detail[:300],
                            url=url, matter_id=report_.matter_id, data={"urgent_report": report_.pk})
        for pk in fresh
    ], now=now)
    phones = dict(Staff.objects.filter(pk__in=fresh).values_list("pk", "phone"))
    for row in rows:
        if phones.get(row.recipient_id) and "sms" not in row.channels:
            Notification.objects.filter(pk=row.pk).update(channels=[*row.channels, "sms"], sent_at=None,
                                                          deliver_after=now)
    UrgentRecipient.objects.bulk_create([
        UrgentRecipient(report=report_, staff_id=row.recipient_id, level=level, notified_at=now, notification=row)
        for row in rows
    ])
    return len(rows)


def report(matter: Matter, *, grounds: list[str], lines: list[str], petition: Petition | None = None,
           event: MatterEvent | None = None, now: datetime | None = None) -> UrgentReport | None:
    """立即报告一件重大紧急事项；同一来源记录已报告的返回 None。"""
    now = now or clock.now()
    labels = "、".join(UrgentGround(g).label for g in grounds)
    key = f"urgent:event:{event.pk}" if event else f"urgent:matter:{matter.pk}:{now.isoformat()}"
    with transaction.atomic():
        warning = raise_warning(
            kind=WarningKind.MAJOR_URGENT, key=key, title=f"重大紧急事项：{matter.number} {labels}",
            detail=(f"事项 {matter.number}“{matter.title}”（{matter.department}）：" + "".join(lines)
                    + "依《信访工作条例》第二十五条立即报告，请确认并组织处置。"),
            department=matter.department, petition_ids=[petition.pk] if petition else (),
        )
        if warning is None:
            return None
        chain = levels(matter.department)
        report_ = UrgentReport.objects.create(
            warning=warning, matter=matter, petition=petition, source_event=event, grounds=list(grounds),
            department=matter.department, reported_at=now, level=1,
            escalate_at=now + timedelta(minutes=settings.URGENT_ACK_MINUTES) if len(chain) > 1 else None,
        )
        if chain:
            _notify(report_, chain[0], 1, now)
        MatterEvent.objects.create(matter=matter, at=now, actor=None, action="urgent_report",
                                   from_status=matter.status, to_status=matter.status,
                                   reason=f"重大紧急事项报告：{labels}", data={"urgent_report": report_.pk})
        record(actor=None, action="warning.urgent.report", obj=report_,
               changes={"matter": [None, matter.number], "grounds": [None, list(grounds)],
                        "recipients": [None, chain[0] if chain else []]})
        from .periods import active_periods, add_key_matter, covers

        for period in active_periods(clock.local_date(now)):
            if covers(period, matter.department_id):
                add_key_matter(period, matter, by=None, reason=f"重大紧急事项：{labels}")
    return report_


def escalate_unacknowledged(*, now: datetime | None = None) -> int:
    """后台任务（每分钟）：到时仍无人确认的报告再报上一级；返回本次上报的报告数。重复运行不重复上报。"""
    now = now or clock.now()
    done = 0
    for pk in UrgentReport.objects.filter(escalate_at__lte=now).values_list("pk", flat=True)[:200]:
        with transaction.atomic():
            # 锁行：两个进程同时升级同一份报告时，后到者看到已推后的 escalate_at 就不动。
            row = UrgentReport.objects.select_for_update().select_related("warning", "matter", "department").get(pk=pk)
            if row.escalate_at is None or row.escalate_at > now:
                continue
            if row.warning.status != WarningStatus.OPEN:
                row.escalate_at = None
                row.save(update_fields=["escalate_at"])
                continue
            chain = levels(row.department)
            nxt = row.level + 1
            if nxt > len(chain):
                row.escalate_at = None
                row.save(update_fields=["escalate_at"])
                continue
            _notify(row, chain[nxt - 1], nxt, now)
            row.level = nxt
            row.escalate_at = now + timedelta(minutes=settings.URGENT_ACK_MINUTES) if nxt < len(chain) else None
            row.save(update_fields=["level", "escalate_at"])
            record(actor=None, action="warning.urgent.escalate", obj=row,
                   changes={"level": [nxt - 1, nxt], "recipients": [None, chain[nxt - 1]]})
            done += 1
    return done


def acknowledge(report_: UrgentReport, *, by) -> UrgentReport:
    """确认收到并接手处置（即确认其预警）：停止逐级上报。"""
    with transaction.atomic():
        acknowledge_warning(report_.warning, by=by)
        UrgentReport.objects.filter(pk=report_.pk).update(escalate_at=None)
    report_.refresh_from_db()
    return report_


def access_report(user, pk: int) -> UrgentReport:
    from django.http import Http404

    from .selectors import visible_warnings

    try:
        return (UrgentReport.objects.select_related("warning", "matter", "department", "warning__acknowledged_by")
                .filter(warning__in=visible_warnings(user)).get(pk=pk))
    except (UrgentReport.DoesNotExist, ValueError):
        raise Http404("报告不存在") from None


def report_page(report_: UrgentReport) -> dict:
    recipients = list(report_.recipients.select_related("staff", "notification"))
    return {"report": report_, "warning": report_.warning, "recipients": recipients}


__all__ = ["Warning", "acknowledge", "escalate_unacknowledged", "extreme_signals", "flag_matter", "report",
           "scan_events"]
