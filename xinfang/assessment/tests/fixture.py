"""手工构造的约三十件事项（2026 年 2 月，跨春节与调休周六），每个指标的答案都在
test_registry_fixture.py 里手算写明。统计期间 2026-02-01 至 2026-02-28，统计日 2026-09-30。"""

from __future__ import annotations

from datetime import date as d

from xinfang.petitions.models import Channel, MatterType as MT, Remedy, ReviewOutcome as RO, Status as S
from xinfang.portal.models import ContactMethod as CM, Satisfaction as SAT, Solved

from ..testing import at, make_execution, make_matter, make_order, make_screening, make_visit

START, END, AS_OF = d(2026, 2, 1), d(2026, 2, 28), d(2026, 9, 30)


def build(cast) -> dict:
    BA, SQ, BB, OF = cast.brigade_a, cast.squadron_a1, cast.brigade_b, cast.office
    M = {}
    # -- 告知受理（2 月收到）：决定日 = 告知期限 + 偏移天数 ------------------------------
    M["n1"] = make_matter(BA, d(2026, 2, 2), decision=("accept", 0), skip_level=True,
                          channel=Channel.VISIT, registered_by=cast.clerk)
    M["n2"] = make_matter(BA, d(2026, 2, 3), decision=("accept", 1), repeats=[d(2026, 2, 20)],
                          channel=Channel.VISIT, registered_by=cast.head_a,
                          repeat_channel=Channel.VISIT, repeat_registered_by=cast.handler_a)
    M["n3"] = make_matter(SQ, d(2026, 2, 10), status=S.DECLINED, decision=("decline", 0))
    M["n4"] = make_matter(BB, d(2026, 2, 12), status=S.TRANSFERRED, decision=("transfer", 3), collective=True,
                          channel=Channel.VISIT, registered_by=cast.leader)
    M["n5"] = make_matter(BB, d(2026, 2, 26), status=S.REGISTERED)  # 一直没有决定：告知超期
    M["n6"] = make_matter(OF, d(2026, 1, 20), decision=("accept", 2))  # 1 月收到：不在期间
    M["n7"] = make_matter(OF, d(2026, 2, 27), decision=("accept", -3), channel=Channel.VISIT,
                          registered_by=cast.clerk)
    M["n8"] = make_matter(SQ, d(2026, 2, 5), status=S.DIVERTED, decision=("divert", -1), collective=True,
                          skip_level=True)
    # -- 办理期限落在 2 月 ---------------------------------------------------------------
    M["h1"] = make_matter(BA, d(2025, 12, 8), status=S.CLOSED, accepted=d(2025, 12, 10), replied=0,
                          closed=d(2026, 2, 20), outcome="support", drafted_by=cast.handler_a, handler=cast.handler_a)
    M["h2"] = make_matter(BA, d(2025, 12, 8), status=S.CLOSED, accepted=d(2025, 12, 10), replied=1,
                          closed=d(2026, 2, 26), outcome="support", drafted_by=cast.head_a,
                          repeats=[d(2026, 3, 15)], handler=cast.head_a)
    M["h3"] = make_matter(BA, d(2025, 11, 18), status=S.REVIEWING, accepted=d(2025, 11, 20), extension_days=30,
                          replied=-5, outcome="reject", review_requested=d(2026, 3, 1), drafted_by=cast.handler_a)
    # 办理中的听证不停60日办理期限（第三十四条；只有复核的听证不计入期限）：h4 开过 10 天听证，
    # 在期限届满后第 10 天才作出处理意见——算超期；h5 听证中、期限已过仍未答复——也算超期。
    M["h4"] = make_matter(BA, d(2025, 12, 8), status=S.REPLIED, accepted=d(2025, 12, 10), paused_days=10,
                          replied=10, outcome="explain", drafted_by=cast.handler_a)
    M["h5"] = make_matter(BA, d(2025, 12, 8), status=S.HEARING, accepted=d(2025, 12, 10))
    M["h6"] = make_matter(BB, d(2025, 12, 3), status=S.IN_PROGRESS, accepted=d(2025, 12, 5))  # 超期未答复
    M["h7"] = make_matter(SQ, d(2025, 12, 8), status=S.REPLIED, accepted=d(2025, 12, 10), replied=0,
                          outcome="support", repeats=[d(2026, 7, 1)], drafted_by=cast.squad_handler,
                          handler=cast.squad_handler)
    # h8 的处理意见在期限前一天作出，三天后才送达（已过期限）：按期办结看作出日期，仍按期。
    M["h8"] = make_matter(OF, d(2025, 12, 18), status=S.REPLIED, accepted=d(2025, 12, 20), replied=-1,
                          delivered_after=3, outcome="explain")
    M["h9"] = make_matter(BB, d(2025, 12, 24), status=S.IN_PROGRESS, accepted=d(2025, 12, 26))
    # 建议意见类：没有60日办理期限（第三十一条、第三十四条），12 月受理、一直未答复也不计入按期办结。
    M["t1"] = make_matter(BB, d(2025, 12, 3), status=S.IN_PROGRESS, accepted=d(2025, 12, 5),
                          matter_type=MT.SUGGESTION)
    # 办理期限届满日 2026-02-14 是春节调休上班的周六：期限不顺延，1 月答复按期。
    M["o1"] = make_matter(OF, d(2025, 12, 15), status=S.CLOSED, accepted=d(2025, 12, 16), replied=d(2026, 1, 20),
                          closed=d(2026, 2, 10), outcome="support")
    # -- 复查 --------------------------------------------------------------------------
    M["r1"] = make_matter(BA, d(2025, 11, 5), status=S.REVIEWED, accepted=d(2025, 11, 6), replied=d(2025, 11, 20),
                          outcome="reject", review_requested=d(2025, 12, 1), review_decided=d(2026, 2, 12),
                          review_outcome=RO.VARY)  # 复查变更原处理意见（不予支持 → 予以支持）
    M["r2"] = make_matter(BB, d(2025, 11, 5), status=S.REVIEWED, accepted=d(2025, 11, 6), replied=d(2025, 11, 25),
                          outcome="support", review_requested=d(2025, 12, 1), review_decided=d(2026, 2, 20),
                          review_outcome=RO.UPHOLD)
    M["r3"] = make_matter(OF, d(2025, 12, 1), status=S.REVIEWED, accepted=d(2025, 12, 2), replied=d(2025, 12, 20),
                          outcome="support", review_requested=d(2025, 12, 25), review_decided=d(2026, 1, 15),
                          review_outcome=RO.VARY)  # 1 月出具：不在期间
    M["r4"] = make_matter(BA, d(2025, 11, 10), status=S.CLOSED, accepted=d(2025, 11, 11), replied=d(2025, 12, 1),
                          outcome="support", review_requested=d(2025, 12, 10), review_decided=d(2026, 1, 10),
                          review_outcome=RO.UPHOLD, closed=d(2026, 2, 5))
    # -- 积案（期初已超 3 / 6 个月）------------------------------------------------------
    M["b1"] = make_matter(BA, d(2025, 9, 15), status=S.IN_PROGRESS, accepted=d(2025, 9, 16))
    M["b2"] = make_matter(BA, d(2025, 7, 10), status=S.CLOSED, accepted=d(2025, 7, 11), replied=d(2026, 2, 1),
                          outcome="support", closed=d(2026, 2, 15))
    M["b3"] = make_matter(BB, d(2025, 6, 1), status=S.CLOSED, accepted=d(2025, 6, 2), replied=d(2025, 12, 20),
                          outcome="support", closed=d(2026, 1, 10))
    M["b4"] = make_matter(BB, d(2025, 10, 20), status=S.CLOSED, accepted=d(2025, 10, 21), replied=d(2026, 1, 5),
                          outcome="support", closed=d(2026, 2, 27))
    M["b5"] = make_matter(OF, d(2025, 5, 5), status=S.ASSIGNED, accepted=d(2025, 5, 6))
    M["b6"] = make_matter(SQ, d(2025, 8, 20), status=S.CLOSED, accepted=d(2025, 8, 21), replied=d(2026, 1, 20),
                          outcome="support", closed=d(2026, 3, 5))
    # -- 回访 --------------------------------------------------------------------------
    make_visit(M["h1"], due_on=d(2026, 2, 16), contacted_on=d(2026, 2, 12), method=CM.PHONE, solved=Solved.YES,
               satisfaction=SAT.SATISFIED)
    make_visit(M["h4"], due_on=d(2026, 2, 26), contacted_on=d(2026, 2, 28), method=CM.PHONE, solved=Solved.NO,
               satisfaction=SAT.UNSATISFIED)
    make_visit(M["h7"], due_on=d(2026, 2, 16))  # 过期未回访、未评价
    make_visit(M["h8"], due_on=d(2026, 3, 2), contacted_on=d(2026, 2, 27), method=CM.UNREACHED,
               online_rating=SAT.BASICALLY)
    make_visit(M["h2"], due_on=d(2026, 2, 17), contacted_on=d(2026, 2, 11), method=CM.VISIT, solved=Solved.YES,
               satisfaction=SAT.BASICALLY)
    # -- 督办 --------------------------------------------------------------------------
    make_order(M["h1"], BA, issuer=cast.supervisor, issued=d(2026, 2, 3), due_on=d(2026, 2, 13),
               feedback=d(2026, 2, 12), closed=d(2026, 2, 25))
    make_order(M["h6"], BB, issuer=cast.supervisor, issued=d(2026, 2, 5), due_on=d(2026, 2, 10),
               feedback=d(2026, 2, 11))
    make_order(M["h6"], BB, issuer=cast.supervisor, issued=d(2026, 2, 20), due_on=d(2026, 3, 1))
    make_order(M["h7"], SQ, issuer=cast.supervisor, issued=d(2026, 1, 10), due_on=d(2026, 1, 20),
               closed=d(2026, 2, 2))
    # -- 落实（支持意见中的补救措施，单位取落实单位）-----------------------------------
    make_execution(M["h1"], Remedy.COMPENSATION, done_on=d(2026, 2, 15))
    make_execution(M["h1"], Remedy.APOLOGY, done_on=d(2026, 3, 10))  # 3 月落实：不在期间
    make_execution(M["h7"], Remedy.CORRECTION, done_on=d(2026, 2, 20))
    make_execution(M["h2"], Remedy.CORRECTION, done_on=d(2026, 2, 25), department=BB)  # 由大队B落实
    make_execution(M["b2"], Remedy.APOLOGY)  # 尚未落实
    # -- 每月排查（1 月的案件，2 月下发；应完成日期落在 2 月的才计）-------------------------
    make_screening(BA, d(2026, 1, 1), due_on=d(2026, 2, 6), items=[
        (cast.handler_a, at(d(2026, 2, 5))),  # 按时
        (cast.handler_a, at(d(2026, 2, 9))),  # 完成但晚了
    ])
    make_screening(SQ, d(2026, 1, 1), due_on=d(2026, 2, 6), items=[(cast.squad_handler, None)])  # 过期未排查
    make_screening(BB, d(2026, 1, 1), due_on=d(2026, 2, 27), items=[(cast.handler_b, at(d(2026, 2, 27), 23))])
    make_screening(OF, d(2026, 2, 1), due_on=d(2026, 3, 6), items=[(None, None)])  # 应完成日期在 3 月：不计
    return M
