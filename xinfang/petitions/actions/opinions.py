"""意见、送达与落实：处理意见、复查意见、复核意见各是一行 ``Opinion``；送达（第三十五条"收到"）
与支持意见中补救措施的落实（第三十二条"督促执行"）也在这里。还有各动作共用的日期检查。"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from xinfang.audit.services import record
from xinfang.core import clock

from .. import events
from ..models import (
    DeliveryMethod, ExecutionItem, Matter, MatterEvent, Opinion, OpinionItem, OpinionKind, Outcome, Remedy,
)
from ..selectors import visible_matters
from ..workflow import ActionNotAllowed, transition


def check_date(value: date, *, field: str, label: str, after: date | None = None, after_label: str = "",
               basis: str = "") -> date:
    """人填的日期须在上一个节点与今天之间；不合的给出点名字段与依据的中文说明。"""
    today = clock.today()
    why = f"（{basis}）" if basis else ""
    if value > today:
        raise ValidationError({field: f"{label}不能晚于今天（{today:%Y-%m-%d}），填的是 {value:%Y-%m-%d}{why}"})
    if after is not None and value < after:
        raise ValidationError({field: f"{label}（{value:%Y-%m-%d}）不能早于{after_label}（{after:%Y-%m-%d}）{why}"})
    return value


@dataclass(frozen=True)
class RequestDecision:
    """一项诉求的决定（第三十二条）。"""

    request: str
    decision: str
    supported_part: str = ""


def parse_items(text: str) -> list[RequestDecision]:
    """表单里的逐项决定，一行一项："诉求｜予以支持｜支持的部分"（竖线全角半角均可）。"""
    labels = {label: value for value, label in Outcome.choices}
    items = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.replace("｜", "|").split("|")]
        if len(parts) < 2 or parts[1] not in labels:
            raise ValidationError({"items": f"第 {n} 行应写作“诉求｜予以支持（或解释说明、不予支持）｜支持的部分”"
                                            "（《信访工作条例》第三十二条）"})
        items.append(RequestDecision(parts[0], labels[parts[1]], parts[2] if len(parts) > 2 else ""))
    return items


def check_items(items: list[RequestDecision], outcome: str) -> None:
    """逐项决定与总的决定一致：有一项支持即为"予以支持"（写明支持哪一部分），否则不得写支持。"""
    for item in items:
        if item.decision not in Outcome.values:
            raise ValidationError({"items": f"“{item.request}”的决定须为予以支持、解释说明或不予支持"
                                            "（《信访工作条例》第三十二条）"})
        if not item.request.strip():
            raise ValidationError({"items": "逐项决定须写明是哪一项诉求"})
    if not items:
        return
    decisions = {i.decision for i in items}
    expected = (Outcome.SUPPORT if Outcome.SUPPORT in decisions
                else Outcome.EXPLAIN if Outcome.EXPLAIN in decisions else Outcome.REJECT)
    if outcome != expected:
        raise ValidationError({"outcome": f"逐项决定中{'有' if expected == Outcome.SUPPORT else '没有'}予以支持的请求，"
                                          f"总的决定应为“{Outcome(expected).label}”（《信访工作条例》第三十二条）"})


def create_opinion(matter: Matter, *, kind: str, organ, by, decision: str, text: str, review_outcome: str = "",
                   remedies: tuple[bool, bool, bool] = (False, False, False), request=None,
                   items: list[RequestDecision] = (), decided_on: date | None = None,
                   external_organ: str = "") -> Opinion:
    """写一行意见（连同逐项决定），支持且有补救措施的开出落实事项。调用方在事务中，紧随转换之后。"""
    compensation, apology, correction = remedies
    opinion = Opinion.objects.create(
        matter=matter, kind=kind, request=request, deciding_organ=organ, external_organ=external_organ,
        review_outcome=review_outcome, decision=decision, text=text.strip(),
        remedy_compensation=compensation, remedy_apology=apology, remedy_correction=correction,
        decided_on=decided_on or clock.today(), created_by=by if getattr(by, "is_authenticated", False) else None,
        created_at=clock.now(),
    )
    OpinionItem.objects.bulk_create([
        OpinionItem(opinion=opinion, position=n, request=i.request.strip()[:300], decision=i.decision,
                    supported_part=i.supported_part.strip()[:300])
        for n, i in enumerate(items, start=1)
    ])
    if decision == Outcome.SUPPORT:
        _open_execution_items(matter, opinion)
    return opinion


def _open_execution_items(matter: Matter, opinion: Opinion) -> None:
    # 第三十二条：作出支持意见的，应当督促有关机关、单位执行——每项补救措施一项落实，直到记为完成。
    chosen = [code for code, flag in ((Remedy.COMPENSATION, opinion.remedy_compensation),
                                      (Remedy.APOLOGY, opinion.remedy_apology),
                                      (Remedy.CORRECTION, opinion.remedy_correction)) if flag]
    ExecutionItem.objects.bulk_create([
        ExecutionItem(matter=matter, opinion=opinion, remedy=code, department=matter.department,
                      created_at=clock.now())
        for code in chosen
    ])


def undelivered(matter: Matter) -> Opinion | None:
    """最近一项尚未登记送达的意见（系统外机关的意见由它自己送达，不在此列）。"""
    return (matter.opinions.filter(delivered_on__isnull=True, deciding_organ__isnull=False)
            .order_by("-decided_on", "-id").first())


def _consented(matter: Matter) -> bool:
    return matter.petitions.filter(consents_electronic_delivery=True).exists()


@transaction.atomic
def record_delivery(matter: Matter, *, by, method: str, delivered_on: date, proof: str,
                    opinion: Opinion | None = None, expected_version: int | None = None,
                    via_portal: bool = False) -> Matter:
    """登记送达：方式、日期、凭证。请求复查、复核的期限自送达之日起算（第三十五条、第三十六条）。"""
    if method not in DeliveryMethod.values:
        raise ValidationError({"method": "请选择送达方式：当面、邮寄、电子（须信访人提交时同意）或其他"})
    if not (proof or "").strip():
        raise ValidationError({"proof": "请填写送达凭证（签收回执、邮寄单号、下载记录等），"
                                        "请求期限自送达之日起算（《信访工作条例》第三十五条）"})

    def apply(m: Matter) -> dict:
        target = opinion or undelivered(m)
        if target is None or target.matter_id != m.pk:
            raise ActionNotAllowed("该事项没有待送达的意见。")
        if target.delivered_on is not None:
            raise ActionNotAllowed(f"该{target.get_kind_display()}已于 {target.delivered_on:%Y-%m-%d} 送达。")
        if method == DeliveryMethod.ELECTRONIC and not _consented(m):
            raise ValidationError({"method": "信访人提交时未同意电子送达，不能以电子方式送达"
                                             "（送达日期决定请求期限，《信访工作条例》第三十五条）"})
        check_date(delivered_on, field="delivered_on", label="送达日期", after=target.decided_on,
                   after_label=f"{target.get_kind_display()}作出日期", basis="《信访工作条例》第三十五条")
        target.delivered_on, target.delivery_method, target.delivery_proof = delivered_on, method, proof.strip()[:200]
        target.save(update_fields=["delivered_on", "delivery_method", "delivery_proof"])
        if target.kind == OpinionKind.REPLY:
            m.reply_delivered_on = delivered_on
        elif target.kind == OpinionKind.REVIEW:
            m.review_delivered_on = delivered_on
        return events.delivered(target)

    return transition(matter, "deliver", by=by, expected_version=expected_version, apply=apply,
                      via_portal=via_portal)


def portal_download_delivers(document) -> bool:
    """门户下载算不算送达：只有信访人提交时同意电子送达、且这份文书是尚未送达的意见书时才算。"""
    opinion = Opinion.objects.filter(document=document, delivered_on__isnull=True).first()
    return opinion is not None and _consented(document.matter)


def delivered_by_download(document, *, how: str = "下载") -> Matter | None:
    """信访人在门户下载（或在线阅读，how="在线阅读"）意见书：同意电子送达的，按电子送达登记（当日为送达日）；
    否则什么也不做。"""
    from ..workflow import WorkflowError

    if not portal_download_delivers(document):
        return None
    opinion = Opinion.objects.get(document=document)
    try:
        return record_delivery(document.matter, by=None, via_portal=True, method=DeliveryMethod.ELECTRONIC,
                               delivered_on=clock.today(),
                               proof=f"门户{how}《{document.get_kind_display()}》{document.number}", opinion=opinion)
    except WorkflowError:
        # 下载本身不能因登记送达失败而失败（例如两次下载同时到达，另一次已登记）；送达可由工作人员补登。
        return None


@transaction.atomic
def complete_execution_item(item: ExecutionItem, *, by, done_on: date, evidence: str) -> ExecutionItem:
    """落实一项补救措施：写明完成日期与证据（赔偿凭证、道歉记录、纠正文书……）。"""
    if not (evidence or "").strip():
        raise ValidationError({"evidence": "请写明落实证据（《信访工作条例》第三十二条：支持意见应当督促执行）"})
    matter = visible_matters(by).select_for_update(of=("self",)).filter(pk=item.matter_id).first()
    if matter is None:
        raise ValidationError({"__all__": "信访事项不存在"})
    locked = ExecutionItem.objects.select_for_update().select_related("opinion").get(pk=item.pk)
    if locked.done_on is not None:
        raise ActionNotAllowed(f"该项已于 {locked.done_on:%Y-%m-%d} 落实。")
    check_date(done_on, field="done_on", label="落实日期", after=locked.opinion.decided_on,
               after_label="意见作出日期", basis="《信访工作条例》第三十二条")
    locked.done_on, locked.evidence, locked.done_by = done_on, evidence.strip(), by
    locked.save(update_fields=["done_on", "evidence", "done_by"])
    MatterEvent.objects.create(matter=matter, at=clock.now(), actor=by, action="execution_done",
                               from_status=matter.status, to_status=matter.status,
                               reason=f"{locked.get_remedy_display()}：{evidence.strip()[:200]}",
                               data=events.execution_done(locked))
    record(actor=by, action="matter.execution_done", obj=matter,
           changes={"remedy": [None, locked.remedy], "done_on": [None, done_on.isoformat()]})
    return locked


def open_execution_items(matter: Matter):
    return matter.execution_items.filter(done_on__isnull=True)
