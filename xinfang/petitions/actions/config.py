"""配置类写操作：信访类别、文书模板，以及节假日表变更后的期限重算。"""

from __future__ import annotations

from django.db import transaction

from xinfang.audit.services import diff, record, snapshot
from xinfang.core.calendar import current_calendar, load_calendar
from xinfang.core.notice import Notice
from xinfang.core.services import enter_year_notice
from xinfang.core.workcalendar import WorkCalendar

from .. import clocks
from ..models import Category, DocumentTemplate, Matter
from ..workflow import OPEN_STATES

CATEGORY_FIELDS = ("name", "parent", "sort_order", "is_active")
DEFAULT_CATEGORIES = {
    "交通违法处理": ("电子警察抓拍", "记分", "违法停车", "罚款缴纳"),
    "事故处理": ("事故认定", "事故赔偿", "处理时限"),
    "车辆管理": ("扣留车辆", "登记检验", "电动自行车"),
    "驾驶人管理": ("驾驶证业务",),
    "执法作风": ("民警态度",),
    "酒驾醉驾": ("酒驾处理",),
    "道路设施": ("信号灯与标线",),
    "货运管理": ("通行证",),
    "其他": (),
}


@transaction.atomic
def save_category(category: Category, *, by) -> Category:
    before = snapshot(Category.objects.get(pk=category.pk), CATEGORY_FIELDS) if category.pk else {}
    category.full_clean()
    category.save()
    record(actor=by, action="category.save", obj=category, changes=diff(before, snapshot(category, CATEGORY_FIELDS)))
    return category


@transaction.atomic
def ensure_default_categories(*, by=None) -> int:
    """没有任何类别时建立一套默认的交警信访类别；返回新建数量。"""
    if Category.objects.exists():
        return 0
    created = 0
    for order, (name, children) in enumerate(DEFAULT_CATEGORIES.items()):
        parent = save_category(Category(name=name, sort_order=order), by=by)
        created += 1
        for child_order, child in enumerate(children):
            save_category(Category(name=child, parent=parent, sort_order=child_order), by=by)
            created += 1
    return created


@transaction.atomic
def save_document_template(template: DocumentTemplate, *, by) -> DocumentTemplate:
    template.full_clean(validate_unique=False)
    template.save()
    record(actor=by, action="document_template.save", obj=template, changes={"file": [None, template.file.name]})
    return template


DUE_FIELDS = ["acceptance_due", "handling_due", "review_request_closes", "review_due",
              "re_review_request_closes", "re_review_due", "current_due", "due_provisional", "provisional_dues"]


def recompute_open_deadlines(*, batch: int = 2000) -> int:
    """每日任务：重算所有在办事项的期限列；返回改动的事项数。"""
    return recompute_deadlines(open_only=True, batch=batch)


def enter_calendar_notice(notice: Notice, *, by) -> dict[str, int]:
    """录入某年的国务院放假通知，并按新日历重算所有状态事项的期限列（该年从此不再暂定）。

    返回 ``{"days", "written", "kept", "recomputed"}``。录入是一个事务；重算在它提交之后，
    按批各自提交（百万件时不把整张表锁在一个事务里）。
    """
    result = enter_year_notice(notice, by=by)
    # 不用 current_calendar()：它的缓存在事务提交后才失效，这里要的是刚写入的表。
    result["recomputed"] = recompute_deadlines(calendar=load_calendar())
    return result


def recompute_deadlines(*, open_only: bool = False, batch: int = 2000, calendar: WorkCalendar | None = None) -> int:
    """节假日表、某年放假通知或本地时限变更后重算期限列（默认所有状态的事项：已办结事项的
    复查、复核申请截止日也取决于日历）；返回期限有变化的事项数。每批一个事务，各记一条审计。"""
    calendar = calendar or current_calendar()
    changed = 0
    last_id = 0
    matters = Matter.objects.filter(status__in=OPEN_STATES) if open_only else Matter.objects.all()
    while True:
        with transaction.atomic():
            rows = list(matters.filter(pk__gt=last_id).select_for_update().order_by("pk")[:batch])
            if not rows:
                break
            dirty = []
            for matter in rows:
                before = [getattr(matter, f) for f in DUE_FIELDS]
                clocks.recompute(matter, calendar=calendar)
                if [getattr(matter, f) for f in DUE_FIELDS] != before:
                    dirty.append(matter)
            Matter.objects.bulk_update(dirty, DUE_FIELDS)
            if dirty:
                record(actor=None, action="matter.recompute_deadlines", object_type="petitions.matter",
                       object_repr=f"{len(dirty)} 件", changes={"matters": [None, [m.pk for m in dirty][:1000]]})
            changed += len(dirty)
            last_id = rows[-1].pk
    return changed
