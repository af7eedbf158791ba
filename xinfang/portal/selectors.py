"""读：门户上信访人看到的进度（只有本人事项、无工作人员信息），回访清单，需关注的回访，三率。"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, F, Q, QuerySet
from django.http import Http404

from xinfang.core import clock
from xinfang.org import access
from xinfang.org.models import Department
from xinfang.petitions import organs
from xinfang.petitions.models import Document, Matter, Status as S

from . import security
from .actions.visits import record_visit_read, visible_visits
from .models import SATISFIED_VALUES, ContactMethod, PortalAccess, ReturnVisit, Solved

# -- 门户：信访人看到的进度 ---------------------------------------------------------

# 对外的阶段名：内部环节（如"答复待审批"）对信访人一律显示为"办理中"。
PUBLIC_STAGE = {
    S.REGISTERED: "已收到，正在审查是否受理", S.ACCEPTED: "已受理，办理中", S.ASSIGNED: "已受理，办理中",
    S.IN_PROGRESS: "已受理，办理中", S.REPLY_DRAFTED: "已受理，办理中", S.HEARING: "听证中",
    S.DECLINED: "不予受理（已出具告知书）", S.TRANSFERRED: "已转送有权处理的机关",
    S.DIVERTED: "已告知依法通过其他法定途径解决", S.REPLIED: "已答复", S.CLOSED: "已办结",
    S.REVIEWING: "复查中", S.REVIEWED: "已出具复查意见", S.RE_REVIEWING: "复核中",
    S.RE_REVIEW_HEARING: "复核中（听证）", S.TERMINATED: "已终结",
    # 转送、交办来的事项提出异议（第二十三条）：待核实时仍在审查；同意后材料交还转送、交办机关。
    S.OBJECTED: "已收到，正在审查是否受理", S.RETURNED: "已交还转送（交办）机关处理",
}


def find_access(number: str, code: str) -> PortalAccess | None:
    """凭事项编号与查询码取查询码记录（连同事项）；任一不对都答 None（不区分编号是否存在）。"""
    number, code = security.normalize_number(number), security.normalize_code(code)
    matter = Matter.objects.filter(number=number).first() if number else None
    accesses = list(PortalAccess.objects.filter(matter=matter).select_related("matter")) if matter else []
    return security.matching_access(accesses, code)


def session_matter(matter_pk: int, code_hash: str) -> Matter | None:
    """会话里记着的事项——只在核实时用的那个查询码仍有效时才给；查询码重发后旧会话随即失效。"""
    return (Matter.objects.select_related("department")
            .filter(pk=matter_pk, portal_accesses__code_hash=code_hash).first())


@dataclass
class Progress:
    matter: Matter
    stage: str
    dates: list[tuple[str, date]]
    current_due: date | None
    documents: list[Document]
    can_rate: bool = False
    rated: str = ""
    review: str = ""  # "open"：可请求复查；"re_open"：可请求复核；"closed"：期限已届满
    window_closes: date | None = None
    department: str = field(default="")
    opinions: list = field(default_factory=list)  # 已送达本人的处理、复查、复核意见：在进度页上直接读


def progress(matter: Matter, *, today: date | None = None) -> Progress:
    """信访人可见的内容：阶段、各阶段日期、当前期限、送达本人的文书、评价与复查入口。"""
    today = today or clock.today()
    rows = [("收到", matter.received_on), ("受理", matter.accepted_on), ("答复送达", matter.reply_delivered_on),
            ("请求复查", matter.review_requested_on), ("复查意见送达", matter.review_delivered_on),
            ("请求复核", matter.re_review_requested_on), ("办结", matter.closed_on)]
    docs = list(Document.objects.filter(matter=matter, to_petitioner=True).order_by("created_at", "pk"))
    result = Progress(matter=matter, stage=PUBLIC_STAGE.get(matter.status, "办理中"),
                      dates=[(label, day) for label, day in rows if day], current_due=matter.current_due,
                      documents=docs, department=organs.full_name(organs.organ_of(matter.department)))
    result.opinions = list(matter.opinions.filter(delivered_on__isnull=False).prefetch_related("items")
                           .order_by("decided_on", "pk"))
    latest = ReturnVisit.objects.filter(matter=matter).order_by("-replied_on", "-pk").first()
    answered = matter.reply_delivered_on is not None
    if latest is not None:
        result.rated = latest.get_online_rating_display() if latest.online_rating else ""
        result.can_rate = not latest.online_rating
    elif answered:
        result.can_rate = True  # 任务尚未生成：评价时先补生成
    if matter.status in (S.REPLIED, S.CLOSED) and matter.review_requested_on is None and answered:
        closes = matter.review_request_closes
        result.review, result.window_closes = ("open" if closes and today <= closes else "closed"), closes
    elif matter.status == S.REVIEWED and matter.re_review_requested_on is None:
        closes = matter.re_review_request_closes
        result.review, result.window_closes = ("re_open" if closes and today <= closes else "re_closed"), closes
    return result


def petitioner_document(matter_id: int, pk: int) -> Document:
    """门户下载：只给本人事项上送达信访人的文书；其他一律 404。"""
    document = Document.objects.filter(pk=pk, matter_id=matter_id, to_petitioner=True).first()
    if document is None:
        raise Http404("文书不存在")
    return document


# -- 工作人员：回访清单 -------------------------------------------------------------


def pending_return_visits(user) -> QuerySet[ReturnVisit]:
    """待回访：可见范围内尚未回访的，按期限排序。"""
    return (visible_visits(user).filter(done_at__isnull=True)
            .select_related("matter", "department", "handler").order_by("due_on", "pk"))


def done_return_visits(user) -> QuerySet[ReturnVisit]:
    return (visible_visits(user).filter(done_at__isnull=False)
            .select_related("matter", "department", "recorded_by").order_by("-done_at", "-pk"))


def unresolved_return_visits(user) -> QuerySet[ReturnVisit]:
    """需关注的回访（回访或网上评价为不满意，或问题未解决，负责人尚未写明处理情况），限可见范围。

    供单位负责人首页与督办台使用。
    """
    return (visible_visits(user).filter(needs_attention=True, attention_closed_at__isnull=True)
            .select_related("matter", "department", "handler").order_by("replied_on", "pk"))


def visit_for_page(user, pk: int) -> ReturnVisit:
    """回访页：取回访（不可见即 404），并把对信访人联系方式的这次查看记入审计。"""
    visit = visible_visits(user).select_related("matter", "department", "handler", "recorded_by").filter(pk=pk).first()
    if visit is None:
        raise Http404("回访不存在")
    record_visit_read(user, visit)
    return visit


def petitioners_of(matter: Matter) -> list:
    """事项第一件信访件的信访人（回访要联系的人）。"""
    first = matter.petitions.order_by("received_at", "pk").first()
    return list(first.petitioners.all()) if first else []


# -- 三率 ---------------------------------------------------------------------


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass
class Rates:
    """响应率 = 限期内联系上 / 已到期或已回访；解决率 = 已解决 / 答了是否解决；满意率 = (满意+基本满意) / 作了评价。"""

    department: Department | None
    due: int = 0
    in_time: int = 0
    answered: int = 0
    solved: int = 0
    rated: int = 0
    satisfied: int = 0

    @property
    def response_rate(self):
        return _rate(self.in_time, self.due)

    @property
    def resolution_rate(self):
        return _rate(self.solved, self.answered)

    @property
    def satisfaction_rate(self):
        return _rate(self.satisfied, self.rated)

    @property
    def bars(self) -> list[tuple[str, float | None, str]]:
        return [("响应率", self.response_rate, "bg-primary"), ("解决率", self.resolution_rate, "bg-success"),
                ("满意率", self.satisfaction_rate, "bg-warning")]


def rates(user, *, since: date, until: date, today: date | None = None) -> tuple[list[Rates], Rates]:
    """各单位在期间内（按答复日期）的响应率、解决率、满意率，及合计。只含用户可见的单位。

    满意度以回访时的评价为准；未回访或回访时未作评价的，取信访人在网上的评价。
    """
    today = today or clock.today()
    done = Q(done_at__isnull=False)
    reached = done & ~Q(method=ContactMethod.UNREACHED)
    own = ~Q(satisfaction="")
    rows = (ReturnVisit.objects.filter(department__in=access.departments(user), replied_on__range=(since, until))
            .values("department")
            .annotate(
                due=Count("pk", filter=done | Q(due_on__lt=today)),
                in_time=Count("pk", filter=reached & Q(contacted_on__lte=F("due_on"))),
                answered=Count("pk", filter=Q(solved__in=Solved.values)),
                solved=Count("pk", filter=Q(solved=Solved.YES)),
                rated=Count("pk", filter=own | ~Q(online_rating="")),
                satisfied=Count("pk", filter=Q(satisfaction__in=SATISFIED_VALUES)
                                | Q(satisfaction="", online_rating__in=SATISFIED_VALUES)),
            ).order_by())
    by_id = {row.pop("department"): row for row in rows}
    departments = {d.pk: d for d in Department.objects.filter(pk__in=by_id)}
    result = sorted((Rates(department=departments[pk], **row) for pk, row in by_id.items()),
                    key=lambda r: r.department.path)
    total = Rates(department=None)
    for r in result:
        for name in ("due", "in_time", "answered", "solved", "rated", "satisfied"):
            setattr(total, name, getattr(total, name) + getattr(r, name))
    return result, total


__all__ = ["find_access", "session_matter", "progress", "petitioner_document", "pending_return_visits",
           "done_return_visits", "unresolved_return_visits", "visit_for_page", "petitioners_of", "rates",
           "Rates", "Progress"]


def document_paragraphs(document: Document) -> list[str]:
    """文书正文（.docx 里的段落与表格文字，按原顺序），供门户在页面上阅读；与下载的文件是同一份。"""
    from docx import Document as Docx

    with document.file.open("rb") as handle:
        docx = Docx(handle)
    lines: list[str] = []
    body = docx.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = "".join(node.text or "" for node in child.iter() if node.tag.endswith("}t")).strip()
            if text:
                lines.append(text)
        elif tag == "tbl":
            for row in child.iter():
                if row.tag.endswith("}tr"):
                    cells = []
                    for cell in row:
                        if cell.tag.endswith("}tc"):
                            cells.append("".join(n.text or "" for n in cell.iter() if n.tag.endswith("}t")).strip())
                    if any(cells):
                        lines.append("　".join(c for c in cells if c))
    return lines
