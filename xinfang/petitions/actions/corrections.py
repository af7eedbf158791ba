"""登记后的更正：事项与信访件登记错了，经一次留痕的修改改正（写明理由，前 → 后记入事件与审计）。

只改登记的事实（事由、内容、诉求、类别……），不改状态、期限与交办：那些只由 workflow.transition 写。
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404

from xinfang.audit.services import diff, record, snapshot
from xinfang.core import clock
from xinfang.org import permissions

from .. import case_numbers, search
from ..models import Channel, Matter, MatterEvent, Petition
from ..selectors import visible_matters
from ..workflow import ActionNotAllowed, StaleMatter

MATTER_FIELDS = ("title", "summary", "requests", "category", "competent_authority", "is_skip_level")
PETITION_FIELDS = ("channel", "content", "requests", "involved_officer", "case_numbers")
SEARCHED = {"title", "summary", "requests", "content"}


def _locked_matter(matter_pk: int, *, by, expected_version: int | None) -> Matter:
    locked = visible_matters(by).select_for_update(of=("self",)).filter(pk=matter_pk).first()
    if locked is None:
        raise Http404("信访事项不存在")
    refused = permissions.refusal(by, "matter.correct", locked)
    if refused:
        raise ActionNotAllowed(refused)
    if expected_version is not None and locked.version != expected_version:
        raise StaleMatter("此事项在您打开页面后已被他人修改，您的更正未保存。请刷新页面查看最新情况后再更正。")
    return locked


def _reason(reason: str) -> str:
    if not (reason or "").strip():
        raise ValidationError({"reason": "请写明更正理由"})
    return reason.strip()


def _apply(obj, fields, values: dict) -> dict:
    unknown = set(values) - set(fields)
    if unknown:
        raise ValueError(f"不能更正的字段：{'、'.join(sorted(unknown))}")
    before = snapshot(obj, fields)
    for name, value in values.items():
        setattr(obj, name, value.strip() if isinstance(value, str) else value)
    changes = diff(before, snapshot(obj, fields))
    if not changes:
        raise ValidationError({"__all__": "没有需要更正的内容"})
    return changes


@transaction.atomic
def correct_matter(matter: Matter, *, by, reason: str, expected_version: int | None = None, **values) -> Matter:
    """更正事项的登记内容；版本加一（打开着的动作表单随之失效），重建检索，记事件与审计。"""
    reason = _reason(reason)
    locked = _locked_matter(matter.pk, by=by, expected_version=expected_version)
    changes = _apply(locked, MATTER_FIELDS, values)
    if not locked.title:
        raise ValidationError({"title": "事由不能为空"})
    if not locked.summary:
        raise ValidationError({"summary": "主要内容不能为空"})
    locked.version += 1
    locked.save()
    if SEARCHED & set(changes):
        search.index_matters([(locked.pk, search.matter_text(locked))])
    MatterEvent.objects.create(matter=locked, at=clock.now(), actor=by, action="correct", from_status=locked.status,
                               to_status=locked.status, reason=reason, data={"fields": sorted(changes)})
    record(actor=by, action="matter.correct", obj=locked, changes={**changes, "reason": [None, reason]})
    return locked


@transaction.atomic
def correct_petition(petition: Petition, *, by, reason: str, **values) -> Petition:
    """更正一件信访件的登记内容（渠道、内容、诉求、涉及民警、案件编号）；事件记在所属事项上。"""
    reason = _reason(reason)
    matter = _locked_matter(petition.matter_id, by=by, expected_version=None)
    petition = Petition.objects.select_for_update().get(pk=petition.pk)
    if "channel" in values and values["channel"] not in Channel.values:
        raise ValidationError({"channel": "请选择渠道"})
    changes = _apply(petition, PETITION_FIELDS, values)
    if not petition.content:
        raise ValidationError({"content": "信访内容不能为空"})
    petition.save()
    if "case_numbers" in changes:
        case_numbers.store([petition])
    if SEARCHED & set(changes):
        search.index_matters([(matter.pk, search.matter_text(matter))])
    MatterEvent.objects.create(matter=matter, at=clock.now(), actor=by, action="correct_petition",
                               from_status=matter.status, to_status=matter.status, reason=reason,
                               data={"petition_id": petition.pk, "fields": sorted(changes)})
    record(actor=by, action="petition.correct", obj=petition, changes={**changes, "reason": [None, reason]})
    return petition
