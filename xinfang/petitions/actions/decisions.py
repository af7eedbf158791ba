"""受理与否的决定（《信访工作条例》第二十三条）与交办（第三十一条）。"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from xinfang.core import clock
from xinfang.org import access
from xinfang.org.models import Department

from .. import documents, events, organs
from ..deadlines import STATUTORY_CHANNELS
from ..models import Assignment, AssignmentRole, DocumentKind, Matter, MatterType
from ..workflow import transition
from . import followup, intake_rules


def _required(value: str, label: str) -> str:
    if not (value or "").strip():
        raise ValidationError({label: "此项必填"})
    return value.strip()


@transaction.atomic
def accept_matter(matter: Matter, *, by, expected_version: int | None = None, note: str = "",
                  matter_type: str = MatterType.COMPLAINT, discipline_body: str = "",
                  discipline_reference: str = "") -> Matter:
    """受理：选定事项类别（第二十九条至第三十一条），申诉求决类自今日起算60日办理期限；生成受理告知书，记录事件。

    检举控告类须写明交由哪个纪检监察（督察）机关处理（第三十条）：同时记下一行移交记录（机关、日期、文号），
    其答复另行登记。
    """
    if matter_type not in MatterType.values:
        raise ValidationError({"matter_type": "请选择事项类别：申诉求决类、建议意见类或检举控告类（《信访工作条例》第二十九条至第三十一条）"})
    discipline_body = (discipline_body or "").strip()
    if matter_type == MatterType.ACCUSATION and not discipline_body:
        raise ValidationError({"discipline_body": "检举控告类事项须写明交由哪个纪检监察（督察）机关处理"
                                                  "（《信访工作条例》第三十条）"})

    def apply(m: Matter) -> dict:
        m.matter_type, m.discipline_body = matter_type, discipline_body
        m.accepted_on = clock.today()
        return events.accepted(m.accepted_on, organs.organ_of(m.department).pk)

    matter = transition(matter, "accept", by=by, expected_version=expected_version, reason=note, apply=apply)
    if matter_type == MatterType.ACCUSATION:
        followup.route_to_discipline(matter, by=by, body=discipline_body, reference=discipline_reference)
    documents.issue_document(matter, DocumentKind.ACCEPTANCE, by=by)
    return matter


@transaction.atomic
def decline_matter(matter: Matter, *, by, reason: str, where_to_go: str, expected_version: int | None = None) -> Matter:
    """不予受理：写明理由和应向何处反映，生成不予受理告知书。"""
    reason, where_to_go = _required(reason, "reason"), _required(where_to_go, "where_to_go")

    def apply(m: Matter) -> dict:
        m.disposal = {"kind": "decline", "reason": reason, "where_to_go": where_to_go}
        return m.disposal

    matter = transition(matter, "decline", by=by, expected_version=expected_version, reason=reason, apply=apply)
    documents.issue_document(matter, DocumentKind.DECLINE, by=by)
    return matter


@transaction.atomic
def transfer_matter(matter: Matter, *, by, authority: str, reason: str = "", expected_version: int | None = None) -> Matter:
    """转送有权处理的机关（写明机关名称），生成转送告知书。"""
    authority = _required(authority, "authority")

    def apply(m: Matter) -> dict:
        m.disposal = {"kind": "transfer", "authority": authority, "reason": reason}
        return m.disposal

    matter = transition(matter, "transfer", by=by, expected_version=expected_version, reason=reason, apply=apply)
    documents.issue_document(matter, DocumentKind.TRANSFER, by=by)
    return matter


@transaction.atomic
def divert_matter(matter: Matter, *, by, channel: str, note: str = "", expected_version: int | None = None) -> Matter:
    """依法分类处理：导入诉讼、复议、仲裁或交警法定程序，不进入信访时限；告知书写明途径与期限。"""
    if channel not in STATUTORY_CHANNELS:
        raise ValidationError({"channel": "请选择一种法定途径"})

    def apply(m: Matter) -> dict:
        m.disposal = {"kind": "divert", "channel": channel, "note": note}
        return m.disposal

    matter = transition(matter, "divert", by=by, expected_version=expected_version, reason=note, apply=apply)
    documents.issue_document(matter, DocumentKind.DIVERSION, by=by)
    return matter


@transaction.atomic
def assign_matter(
    matter: Matter, *, by, lead: Department, co: list[Department] = (), handler=None,
    expected_version: int | None = None, note: str = "",
) -> Matter:
    """交办：指定牵头单位（成为责任单位）和协办单位，可同时指定承办人。"""
    co = [d for d in co if d.pk != lead.pk]
    visible = set(access.departments(by).values_list("pk", flat=True))
    if lead.pk not in visible or any(d.pk not in visible for d in co):
        raise ValidationError({"lead": "只能交办给您可见范围内的单位"})
    if handler is not None and not (
        handler.department_id and any(handler.department.path.startswith(d.path) for d in (lead, *co))
    ):
        raise ValidationError({"handler": "承办人须属于牵头或协办单位（含其下级单位）"})
    if problem := intake_rules.recusal_problem(matter.petitions.values_list("involved_officer", flat=True), handler):
        raise ValidationError({"handler": problem})

    def apply(m: Matter) -> dict:
        m.department = lead
        m.handler = handler
        m.has_co_assignment = bool(co)
        Assignment.objects.filter(matter=m).delete()
        Assignment.objects.bulk_create(
            [Assignment(matter=m, department=lead, role=AssignmentRole.LEAD)]
            + [Assignment(matter=m, department=d, role=AssignmentRole.CO) for d in co]
        )
        return {"lead": lead.name, "co": [d.name for d in co], "handler": handler.name if handler else "",
                events.HANDLER_ID: handler.pk if handler else None}

    return transition(matter, "assign", by=by, expected_version=expected_version, reason=note, apply=apply)
