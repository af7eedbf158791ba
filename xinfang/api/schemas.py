"""接口的数据形状（OpenAPI 由此生成）。个人资料只给脱敏形式。"""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema

MAX_ID = 2**63 - 1
Id = Field(..., ge=1, le=MAX_ID)


class Error(Schema):
    code: str = Field(..., description="稳定的错误代码，如 invalid、forbidden、not_found、stale_version")
    message: str = Field(..., description="中文说明")
    field: str | None = Field(None, description="出错的字段")
    errors: list[dict] | None = None


class MatterRow(Schema):
    id: int
    number: str
    title: str
    status: str
    status_label: str
    department: str
    received_on: date
    current_due: date | None
    is_collective: bool
    is_skip_level: bool


class MatterPage(Schema):
    items: list[MatterRow]
    next_cursor: str | None = Field(None, description="下一页的游标；为空表示没有下一页")
    truncated: bool = Field(False, description="检索命中太多、没有查完")
    searched_as: str | None = Field(None, description="带 q 时检索词被认作什么：身份证号、电话、号牌、事项编号、案件编号、姓名或全文")


class Clock(Schema):
    name: str
    label: str
    due: date
    days_left: int | None


class PetitionerOut(Schema):
    name: str
    kind: str
    id_number: str = Field(..., description="脱敏")
    phone: str = Field(..., description="脱敏")
    is_representative: bool


class PetitionOut(Schema):
    id: int
    channel: str
    channel_label: str
    received_at: datetime
    content: str
    requests: str
    head_count: int
    is_repeat: bool
    petitioners: list[PetitionerOut]


class OpinionOut(Schema):
    id: int
    kind: str
    kind_label: str
    deciding_organ: str
    review_outcome: str
    decision: str
    text: str
    decided_on: date
    delivered_on: date | None
    document_id: int | None


class EventOut(Schema):
    at: datetime
    action: str
    label: str
    actor: str
    from_status: str
    to_status: str
    reason: str


class DocumentOut(Schema):
    id: int
    kind: str
    kind_label: str
    number: str


class MatterDetail(Schema):
    id: int
    number: str
    version: int = Field(..., description="提交动作时作为 version 带回；事项被他人改过即答 409")
    title: str
    summary: str
    requests: str
    status: str
    status_label: str
    matter_type: str
    department: str
    handler: str | None
    received_on: date
    current_due: date | None
    clocks: list[Clock]
    petitions: list[PetitionOut]
    opinions: list[OpinionOut]
    documents: list[DocumentOut]
    timeline: list[EventOut]
    actions: list[str] = Field(..., description="调用者此刻可以做的动作")


class PetitionerIn(Schema):
    name: str = Field(..., max_length=100)
    kind: str = "person"
    id_number: str = Field("", max_length=18)
    phone: str = Field("", max_length=20)
    address: str = Field("", max_length=200)
    is_representative: bool = False
    update_contact: bool = False


class PetitionIn(Schema):
    channel: str = Field(..., description="letter / visit / phone / online / mailbox / assigned / hotline_12345 等")
    received_at: datetime
    content: str = Field(..., max_length=20000)
    title: str = Field("", max_length=120)
    requests: str = Field("", max_length=5000)
    category: int | None = Field(None, ge=1, le=MAX_ID)
    competent_authority: str = Field("", max_length=60)
    involved_department: int | None = Field(None, ge=1, le=MAX_ID)
    involved_officer: str = Field("", max_length=60)
    case_numbers: str = Field("", max_length=200)
    head_count: int = Field(1, ge=1, le=100000)
    is_skip_level: bool = False
    attach_to: int | None = Field(None, ge=1, le=MAX_ID, description="并入已有事项（事项 id）")
    petitioners: list[PetitionerIn] = Field(..., min_length=1, max_length=50)


class Registered(Schema):
    petition_id: int
    matter_id: int
    matter_number: str
    status: str
    terminated: bool = Field(..., description="复核终结后同一事实和理由再来：不再受理（第三十六条）")


class ActionDone(Schema):
    matter_id: int
    action: str
    status: str
    status_label: str
    version: int


class ImportRunOut(Schema):
    id: int
    file_name: str
    status: str
    status_label: str
    rows_seen: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    message: str
    problems: list[dict]


class MetricDefinition(Schema):
    key: str
    label: str
    kind: str
    source: str
    basis: str
    counted_by: str
    numerator: str
    denominator: str
    exclusions: str
    higher_is_better: bool | None


class MetricFigure(Schema):
    key: str
    label: str
    numerator: float | int | None
    denominator: float | int | None
    value: float | None


class UnitMetrics(Schema):
    department_id: int
    department: str
    start: date
    end: date
    figures: list[MetricFigure]


class WarningOut(Schema):
    id: int
    kind: str
    kind_label: str
    status: str
    status_label: str
    department: str | None
    title: str
    detail: str
    period_start: date | None
    observed: float | None
    expected: float | None
    upper: float | None
    created_at: datetime


class WarningPage(Schema):
    items: list[WarningOut]
    next_cursor: str | None = None


class OrderReceived(Schema):
    petition_id: int
    matter_id: int
    matter_number: str
    created: bool = Field(..., description="false：同一工单号此前已收到，返回的是同一件信访")
