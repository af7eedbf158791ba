"""读：督办台、本单位视图、领导包案、督办单与信箱。都按 org.access 的可见范围取数。"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from xinfang.core.calendar import current_calendar
from xinfang.org.access import visible_department_ids
from xinfang.org.models import Department
from xinfang.petitions import clocks
from xinfang.petitions.models import Matter
from xinfang.petitions.selectors import visible_matters

from .models import Notification, OrderStatus, OrderTarget, SupervisionOrder

LIMIT = 200


def visible_orders(user) -> QuerySet[SupervisionOrder]:
    """能看到的督办单：事项可见、被督办单位在可见范围内，或本人是督办人、包案领导。"""
    queryset = SupervisionOrder.objects.select_related("matter", "issuer", "owner_leader", "issuing_department")
    ids = visible_department_ids(user)
    if ids is None:
        return queryset
    targeted = OrderTarget.objects.filter(department_id__in=ids).values("order_id")
    return queryset.filter(
        Q(matter__in=visible_matters(user)) | Q(pk__in=targeted) | Q(issuer=user) | Q(owner_leader=user)
    )


def access_order(user, pk: int) -> SupervisionOrder:
    order = visible_orders(user).filter(pk=pk).first()
    if order is None:
        raise Http404("督办单不存在")
    return order


def with_clocks(orders, today: date) -> list[SupervisionOrder]:
    """给督办单挂上两个时钟：督办时限与事项本身的当前期限。"""
    calendar = current_calendar()
    orders = list(orders)
    lead = {t.order_id: t.department for t in OrderTarget.objects.filter(
        order__in=[o.pk for o in orders], role="lead").select_related("department")}
    for order in orders:
        order.clock = clocks.describe(order.due_on if order.status == OrderStatus.OPEN else None, today,
                                      calendar=calendar)
        order.matter_clock = clocks.describe(order.matter.current_due, today, calendar=calendar)
        order.lead = lead.get(order.pk)
    return orders


def matters_with_clocks(matters, today: date) -> list[Matter]:
    calendar = current_calendar()
    matters = list(matters)
    for matter in matters:
        matter.clock = clocks.describe(matter.current_due, today, calendar=calendar)
    return matters


def red_by_department(matters: QuerySet[Matter], today: date) -> list[dict]:
    """超期事项按责任单位计数（一次 GROUP BY，走 current_due 索引）。"""
    return list(matters.filter(current_due__lt=today).values("department_id", "department__name")
                .annotate(count=Count("pk")).order_by("-count", "department__name"))


def board(user, today: date) -> dict:
    """督办台：全部在办督办单（带时钟）与超期事项（按单位）。"""
    matters = visible_matters(user)
    open_orders = visible_orders(user).filter(status=OrderStatus.OPEN).order_by("due_on", "pk")[:LIMIT]
    red = matters.filter(current_due__lt=today).select_related("department", "handler").order_by("current_due", "pk")
    return {
        "orders": with_clocks(open_orders, today),
        "red_by_department": red_by_department(matters, today),
        "red": matters_with_clocks(red[:LIMIT], today),
        "open_execution": open_execution_items(user),
    }


def open_execution_items(user) -> list:
    """尚未落实的补救措施（支持意见的赔偿、道歉、纠正，《信访工作条例》第三十二条），最早作出的在前。"""
    from xinfang.petitions.models import ExecutionItem

    return list(ExecutionItem.objects.filter(done_on__isnull=True, matter__in=visible_matters(user))
                .select_related("matter", "department", "opinion").order_by("opinion__decided_on", "pk")[:LIMIT])


def unit_view(user, department: Department, today: date) -> dict:
    """一把手看本单位（含下级）：红牌、黄牌事项与针对本单位的在办督办单。"""
    subtree = Department.objects.filter(path__startswith=department.path).values("pk")
    matters = visible_matters(user).filter(department__in=subtree)
    threshold = current_calendar().add_workdays(today, settings.WARNING_WORKDAYS)
    warned = (matters.filter(current_due__lte=threshold).select_related("department", "handler")
              .order_by("current_due", "pk")[:LIMIT])
    orders = visible_orders(user).filter(status=OrderStatus.OPEN, targets__department__in=subtree).distinct()
    return {
        "department": department,
        "matters": matters_with_clocks(warned, today),
        "orders": with_clocks(orders.order_by("due_on", "pk")[:LIMIT], today),
        "red_by_department": red_by_department(matters, today),
    }


def leader_cases(user, today: date, *, include_closed: bool = False) -> list[SupervisionOrder]:
    """领导包案：本人作为包案领导的督办单。"""
    orders = SupervisionOrder.objects.filter(owner_leader=user).select_related("matter", "issuer", "owner_leader")
    if not include_closed:
        orders = orders.filter(status=OrderStatus.OPEN)
    return with_clocks(orders.order_by("status", "due_on", "pk")[:LIMIT], today)


def inbox(user, *, unread_only: bool = False) -> QuerySet[Notification]:
    queryset = Notification.objects.filter(recipient=user)
    return queryset.filter(read_at__isnull=True) if unread_only else queryset
