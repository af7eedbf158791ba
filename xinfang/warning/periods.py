"""敏感时期的写与读：设置时期、哪些单位在范围内、当前更敏感的预警线、重点事项与每日研判、领导接访日与接访记录。

日报与汇总报告在 reports.py，重大紧急事项报告在 urgent.py。每个写操作在一个事务里写审计记录。
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from xinfang.audit.services import record
from xinfang.core import clock
from xinfang.org import access
from xinfang.org.models import Department, Staff
from xinfang.petitions.models import Matter, Petition
from xinfang.petitions.workflow import OPEN_STATES

from .models_periods import KeyMatter, KeyMatterReview, Reception, SensitivePeriod

# -- 单位与范围 --------------------------------------------------------------------------


def organ_map() -> dict[int, int]:
    """{部门 id: 所属机关 id}：机关即自身，否则最近的上级机关，整条链都不是机关时取树根（同 petitions.organs）。"""
    rows = list(Department.objects.values_list("pk", "parent_id", "kind", "is_organ"))
    nodes = {pk: (parent, Department(kind=kind, is_organ=is_organ).acts_as_organ) for pk, parent, kind, is_organ in rows}
    result: dict[int, int] = {}
    for pk in nodes:
        node, last = pk, pk
        while node is not None and node in nodes:
            last = node
            if nodes[node][1]:
                break
            node = nodes[node][0]
        result[pk] = node if node is not None and node in nodes else last
    return result


def unit_of(department: Department | None) -> Department | None:
    """一名人员或一件事项所属的报送单位（机关）。"""
    if department is None:
        return None
    pk = organ_map().get(department.pk)
    return Department.objects.get(pk=pk) if pk else None


def reporting_units(period: SensitivePeriod) -> list[Department]:
    """须每日报送的单位：范围内启用的机关（支队、大队等），按树序。"""
    queryset = Department.objects.filter(is_active=True)
    if not period.whole_bureau:
        condition = Q(pk__in=[])
        for path in period.departments.values_list("path", flat=True):
            condition |= Q(path__startswith=path)
        queryset = queryset.filter(condition)
    return [d for d in queryset.order_by("path") if d.acts_as_organ]


def unit_departments(unit_id: int, organs: dict[int, int] | None = None) -> list[int]:
    """以该机关名义办理的部门（自身与其非机关的下级）。"""
    organs = organ_map() if organs is None else organs
    return [pk for pk, organ in organs.items() if organ == unit_id]


def covers(period: SensitivePeriod, department_id: int | None) -> bool:
    if period.whole_bureau:
        return True
    if department_id is None:
        return False
    path = Department.objects.filter(pk=department_id).values_list("path", flat=True).first() or ""
    return any(path.startswith(p) for p in period.departments.values_list("path", flat=True))


def active_periods(on: date | None = None) -> QuerySet[SensitivePeriod]:
    on = on or clock.today()
    return SensitivePeriod.objects.filter(starts_on__lte=on, ends_on__gte=on)


def window(period: SensitivePeriod, day: date) -> tuple[datetime, datetime]:
    """某日日报的时间窗：前一日截止时刻（含）至当日截止时刻（不含），Asia/Shanghai。默认中午到中午。"""
    end = timezone.make_aware(datetime.combine(day, period.report_cutoff))
    start = timezone.make_aware(datetime.combine(day - timedelta(days=1), period.report_cutoff))
    return start, end


def reporting_day(period: SensitivePeriod, moment: datetime | None = None) -> date:
    """此刻应报的日报日期：截止时刻之前是今天，之后是明天（窗口已经开始）。"""
    local = clock.localtime(moment or clock.now())
    return local.date() if local.time() < period.report_cutoff else local.date() + timedelta(days=1)


# -- 更敏感的预警线 ----------------------------------------------------------------------


@dataclass(frozen=True)
class Thresholds:
    collective_size: int
    rise_alpha: float | None  # None：沿用检测器的默认值
    hot_petitioners: int | None
    periods: tuple[str, ...] = ()


def thresholds(department_id: int | None = None, on: date | None = None) -> Thresholds:
    """此日此单位的预警线：覆盖它的敏感时期里最敏感的设置；不在任何时期内时是平时的设置。"""
    collective, alpha, hot, names = settings.URGENT_COLLECTIVE_SIZE, None, None, []
    for period in active_periods(on).prefetch_related("departments"):
        if department_id is not None and not covers(period, department_id):
            continue
        if department_id is None and not period.whole_bureau:
            continue
        names.append(period.name)
        if period.collective_size:
            collective = min(collective, period.collective_size)
        if period.rise_alpha:
            alpha = max(alpha or 0.0, period.rise_alpha)
        if period.hot_petitioners:
            hot = min(hot or period.hot_petitioners, period.hot_petitioners)
    return Thresholds(collective, alpha, hot, tuple(names))


# -- 设置时期 ----------------------------------------------------------------------------


def _check_period(*, name: str, starts_on: date | None, ends_on: date | None, whole_bureau: bool,
                  departments: list[Department], rise_alpha: float | None, collective_size: int | None,
                  internal_accept_days: int | None, internal_reply_days: int | None) -> None:
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not name.strip():
        add("name", "名称：请填写，如“全国两会”")
    if starts_on is None:
        add("starts_on", "开始日期：请填写")
    if ends_on is None:
        add("ends_on", "结束日期：请填写")
    if starts_on and ends_on and ends_on < starts_on:
        add("ends_on", f"结束日期（{ends_on:%Y-%m-%d}）早于开始日期（{starts_on:%Y-%m-%d}）：敏感时期须先开始后结束")
    if not whole_bureau and not departments:
        add("departments", "范围：请选择全局或至少一个部门")
    if rise_alpha is not None and not 0 < rise_alpha <= 0.2:
        add("rise_alpha", "上升检测的显著性水平：须在 0 与 0.2 之间（平时为 0.005，越大越敏感）")
    if collective_size is not None and collective_size < 5:
        add("collective_size", "重大紧急的集体访人数：不少于 5 人（五人以上为集体访）")
    for field, value, label in (("internal_accept_days", internal_accept_days, "告知受理"),
                                ("internal_reply_days", internal_reply_days, "答复")):
        if value is not None and value < 1:
            add(field, f"内部目标（{label}）：至少 1 天")
    if internal_accept_days and internal_accept_days > 15:
        add("internal_accept_days", "内部目标（告知受理）：只能比法定的 15 日更紧（《信访工作条例》第二十三条）")
    if internal_reply_days and internal_reply_days > 60:
        add("internal_reply_days", "内部目标（答复）：只能比法定的 60 日更紧（《信访工作条例》第三十四条）")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_period(*, by, name: str, starts_on: date | None, ends_on: date | None, whole_bureau: bool = True,
                  departments: Iterable[Department] = (), report_cutoff: time | None = None,
                  internal_accept_days: int | None = None, internal_reply_days: int | None = None,
                  collective_size: int | None = None, rise_alpha: float | None = None,
                  hot_petitioners: int | None = None) -> SensitivePeriod:
    """设置一个敏感时期（名称、起止日期、范围、日报截止时间、内部目标与更敏感的预警线）。"""
    departments = list(departments)
    _check_period(name=name, starts_on=starts_on, ends_on=ends_on, whole_bureau=whole_bureau,
                  departments=departments, rise_alpha=rise_alpha, collective_size=collective_size,
                  internal_accept_days=internal_accept_days, internal_reply_days=internal_reply_days)
    period = SensitivePeriod.objects.create(
        name=name.strip(), starts_on=starts_on, ends_on=ends_on, whole_bureau=whole_bureau,
        report_cutoff=report_cutoff or time(12, 0), internal_accept_days=internal_accept_days,
        internal_reply_days=internal_reply_days, collective_size=collective_size, rise_alpha=rise_alpha,
        hot_petitioners=hot_petitioners, created_by=by, created_at=clock.now(),
    )
    if not whole_bureau:
        period.departments.set(departments)
    record(actor=by, action="warning.period.create", obj=period, changes={
        "name": [None, period.name], "dates": [None, f"{starts_on}—{ends_on}"],
        "scope": [None, "全局" if whole_bureau else "、".join(d.name for d in departments)],
        "cutoff": [None, period.report_cutoff.strftime("%H:%M")],
    })
    return period


def visible_periods(user) -> QuerySet[SensitivePeriod]:
    """看得到的时期：全局的，或范围与用户可见部门相交的。"""
    ids = access.visible_department_ids(user)
    queryset = SensitivePeriod.objects.all()
    if ids is None:
        return queryset
    paths = list(Department.objects.filter(pk__in=ids).values_list("path", flat=True))
    mine = [p.pk for p in queryset.filter(whole_bureau=False).prefetch_related("departments")
            if any(a.startswith(b) or b.startswith(a) for a in paths for b in (d.path for d in p.departments.all()))]
    return queryset.filter(Q(whole_bureau=True) | Q(pk__in=mine))


def access_period(user, pk: int) -> SensitivePeriod:
    try:
        return visible_periods(user).get(pk=pk)
    except (SensitivePeriod.DoesNotExist, ValueError):
        raise Http404("敏感时期不存在") from None


def sees_whole_scope(user, period: SensitivePeriod) -> bool:
    """汇总报告点名范围内的每个单位：只给看得到其中全部单位的人。"""
    ids = access.visible_department_ids(user)
    return ids is None or all(u.pk in ids for u in reporting_units(period))


# -- 重点事项 ----------------------------------------------------------------------------


def _visible_matter(user, matter: Matter) -> None:
    from xinfang.petitions.selectors import visible_matters

    if not visible_matters(user).filter(pk=matter.pk).exists():
        raise Http404("事项不存在")


def add_key_matter(period: SensitivePeriod, matter: Matter, *, by, reason: str) -> KeyMatter | None:
    """列入重点事项；已列入的返回 None。by 为 None 时是后台任务（重大紧急报告、超过内部目标）。"""
    reason = (reason or "").strip()
    if by is not None:
        _visible_matter(by, matter)
        if len(reason) < 2:
            raise ValidationError({"reason": "列入原因：请写明为什么列为重点事项"})
    if not covers(period, matter.department_id):
        raise ValidationError({"matter": f"事项 {matter.number} 的责任单位不在“{period.name}”的范围内"})
    with transaction.atomic():
        key, created = KeyMatter.objects.get_or_create(period=period, matter=matter, defaults=dict(
            reason=reason[:200], added_by=by, added_at=clock.now()))
        if not created:
            return None
        record(actor=by, action="warning.key_matter.add", obj=key,
               changes={"matter": [None, matter.number], "reason": [None, reason[:200]]})
    return key


@transaction.atomic
def review_key_matter(key: KeyMatter, *, by, note: str) -> KeyMatterReview:
    """每日研判一件重点事项：谁、何时、意见。同一事项同一天只研判一次。"""
    _visible_matter(by, key.matter)
    note = (note or "").strip()
    if len(note) < 4:
        raise ValidationError({"note": "研判意见：请写明研判情况与下一步措施（至少 4 个字）"})
    day = clock.today()
    if KeyMatterReview.objects.filter(key_matter=key, day=day).exists():
        raise ValidationError({"note": f"事项 {key.matter.number} 今天（{day:%Y-%m-%d}）已研判"})
    review = KeyMatterReview.objects.create(key_matter=key, day=day, reviewed_by=by, reviewed_at=clock.now(),
                                            note=note)
    record(actor=by, action="warning.key_matter.review", obj=key,
           changes={"day": [None, day.isoformat()], "note": [None, note[:200]]})
    return review


def key_matters(user, period: SensitivePeriod) -> list[KeyMatter]:
    """本时期可见的重点事项，附今天是否已研判与最近一次研判。"""
    from xinfang.petitions.selectors import visible_matters

    rows = list(period.key_matters.filter(matter__in=visible_matters(user)).select_related("matter", "added_by")
                .prefetch_related("reviews__reviewed_by"))
    today = clock.today()
    for row in rows:
        reviews = list(row.reviews.all())
        row.latest = reviews[0] if reviews else None
        row.reviewed_today = bool(reviews) and reviews[0].day == today
    return rows


def sync_key_matters(today: date | None = None) -> int:
    """后台任务（每小时）：超过本时期内部目标的在办事项列入重点事项。返回新列入的件数。"""
    today = today or clock.today()
    added = 0
    for period in active_periods(today):
        for days, field, label in ((period.internal_accept_days, "accepted_on", "告知受理"),
                                   (period.internal_reply_days, "reply_delivered_on", "答复")):
            if not days:
                continue
            limit = today - timedelta(days=days)
            matters = Matter.objects.filter(status__in=OPEN_STATES, received_on__lte=limit,
                                            **{f"{field}__isnull": True}).exclude(
                pk__in=period.key_matters.values("matter_id"))
            if not period.whole_bureau:
                condition = Q(pk__in=[])
                for path in period.departments.values_list("path", flat=True):
                    condition |= Q(department__path__startswith=path)
                matters = matters.filter(condition)
            for matter in matters.select_related("department")[:500]:
                reason = f"超过内部目标：收到 {days} 天仍未{label}（内部目标，法定期限不变）"
                added += add_key_matter(period, matter, by=None, reason=reason) is not None
    return added


# -- 领导接访日 --------------------------------------------------------------------------


@transaction.atomic
def schedule_reception(*, by, department: Department, leader: Staff | None, day: date | None, place: str,
                       period: SensitivePeriod | None = None) -> Reception:
    """排定领导接访日：哪位领导、哪天、在哪里接待来访群众。"""
    errors: dict[str, list[str]] = {}
    if leader is None:
        errors["leader"] = ["接访领导：请选择"]
    elif leader.pk not in (department.head_id, department.petition_leader_id) and not access.has_role(
            leader, "leader", "bureau_leader", "unit_head"):
        errors["leader"] = [f"接访领导：{leader} 不是单位负责人或领导"]
    if day is None:
        errors["day"] = ["接访日期：请填写"]
    elif day < clock.today():
        errors["day"] = [f"接访日期：{day:%Y-%m-%d} 已经过去，不能再排定"]
    if not place.strip():
        errors["place"] = ["地点：请填写接访地点"]
    if errors:
        raise ValidationError(errors)
    if Reception.objects.filter(department=department, leader=leader, day=day).exists():
        raise ValidationError({"day": f"{leader} 在 {day:%Y-%m-%d} 已排定接访"})
    reception = Reception.objects.create(period=period, department=department, leader=leader, day=day,
                                         place=place.strip()[:100], scheduled_by=by)
    record(actor=by, action="warning.reception.schedule", obj=reception,
           changes={"leader": [None, str(leader)], "day": [None, day.isoformat()], "place": [None, place.strip()]})
    return reception


def reception_candidates(reception: Reception) -> QuerySet[Petition]:
    """接访当天本单位（含下级）登记的来访：接访记录从中勾选。"""
    start = timezone.make_aware(datetime.combine(reception.day, time.min))
    return (Petition.objects.filter(received_at__gte=start, received_at__lt=start + timedelta(days=1),
                                    matter__department__path__startswith=reception.department.path)
            .select_related("matter").order_by("received_at"))


@transaction.atomic
def record_reception(reception: Reception, *, by, petition_ids: Iterable[int], note: str) -> Reception:
    """接访记录：领导本人登记亲自接待了哪些信访件（一把手亲自接访，关联到信访件）。"""
    reception = Reception.objects.select_for_update().get(pk=reception.pk)
    if by.pk != reception.leader_id:
        raise ValidationError({"leader": f"接访记录须由接访领导（{reception.leader}）本人登记：亲自接访，本人签名"})
    if reception.held_at is not None:
        raise ValidationError({"leader": "该接访日已登记接访记录"})
    if reception.day > clock.today():
        raise ValidationError({"day": f"接访日期 {reception.day:%Y-%m-%d} 还没到"})
    ids = {int(i) for i in petition_ids}
    allowed = set(reception_candidates(reception).filter(pk__in=ids).values_list("pk", flat=True))
    if ids - allowed:
        raise ValidationError({"petitions": "接待的信访件：只能选当天本单位登记的信访件"})
    note = (note or "").strip()
    if not ids and len(note) < 4:
        raise ValidationError({"note": "接访情况：当天没有来访时请写明（如“当日无群众来访”）"})
    reception.held_at, reception.note = clock.now(), note
    reception.save(update_fields=["held_at", "note"])
    reception.petitions.set(ids)
    numbers = sorted(Petition.objects.filter(pk__in=ids).values_list("matter__number", flat=True))
    record(actor=by, action="warning.reception.record", obj=reception,
           changes={"petitions": [None, numbers], "note": [None, note[:200]], "by_head": [None, reception.by_head]})
    return reception
