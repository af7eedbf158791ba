"""列表与检索的分页（listing）：按来源归并、分块检索得到的每一页，都与"把可见范围整个查出来再排序"一致。

把块与窗口调到很小，让归并、检索块放大、PostgreSQL 的最近一段探查与 id 分段都走到多步。
"""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from xinfang.org.models import Staff
from xinfang.petitions import listing, search, selectors
from xinfang.petitions.generate import generate
from xinfang.petitions.models import Matter, Status

TODAY = date(2026, 3, 2)
PAGE = 7
USERS = ("clerk", "head", "handler")


@pytest.fixture
def today(db, monkeypatch) -> date:
    """造 1200 件，返回在办事项期限的中位数：以这一天来看，约一半在办事项已超期。

    在办事项约占 2–3 %（生成器先定收到之日、再定这个年龄走到哪一步；以前在办的一律放在最近几周、约占一成，
    400 件就够）：1200 件才保证承办人的范围里也有在办中的事项。"""
    generate(1200, seed=5, today=TODAY)
    monkeypatch.setattr(listing, "SEARCH_CHUNK", 40)
    monkeypatch.setattr(search, "PG_PROBE", 30)
    monkeypatch.setattr(search, "PG_WINDOW", 20)
    dues = sorted(Matter.objects.exclude(current_due=None).values_list("current_due", flat=True))
    with time_machine.travel(TODAY, tick=False):
        yield dues[len(dues) // 2]


def expected(user, f: selectors.MatterFilter, today: date) -> list[int]:
    """参照答案：可见范围整个查出来，按同样的条件筛选、排序。"""
    narrow = listing.narrowing(f.status, f.department, f.category, f.channel, f.overdue, f.since, f.until,
                               today=today, has_due=f.sort in ("current_due", "-current_due"))
    rows = narrow(selectors.visible_matters(user))
    if f.q:
        words = set(search.query_tokens(f.q))
        return [m.pk for m in rows.order_by("-id") if words <= set(search.tokens(search.matter_text(m)))]
    return list(rows.order_by(*selectors.SORTS[f.sort]).values_list("pk", flat=True))


def pages(user, f: selectors.MatterFilter, today: date) -> list[int]:
    found, page = [], 1
    while True:
        result = selectors.matter_page(user, f, today=today, page=page, size=PAGE)
        assert not result.truncated
        found += [m.pk for m in result.rows]
        if not result.has_next:
            return found
        page += 1


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("filters", [
    dict(),
    dict(sort="current_due"),
    dict(sort="-current_due", status=Status.IN_PROGRESS),
    dict(overdue=True),
    dict(overdue=True, sort="received_on"),
])
def test_every_page_of_the_list_matches_the_whole_scope_sorted(today, username, filters):
    user = Staff.objects.get(username=username)
    f = selectors.MatterFilter(**filters)
    want = expected(user, f, today)
    assert want, "造的数据里应当有符合条件的事项"
    assert pages(user, f, today) == want


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("query", ["电子警察", "扣车", "事故认定", "民警"])
def test_every_page_of_a_search_matches_a_scan_of_all_visible_text(today, username, query):
    user = Staff.objects.get(username=username)
    f = selectors.MatterFilter(q=query)
    want = expected(user, f, today)
    assert want, f"造的数据里应当有含“{query}”的事项"
    assert pages(user, f, today) == want


def test_a_rare_word_is_found_past_the_recent_probe(today):
    # 最老的一件事项里的号牌：最近一段探查不到，要靠按 id 分段往回找。
    oldest = Matter.objects.order_by("pk").first()
    word = next(t for t in search.tokens(search.matter_text(oldest)) if t.isascii() and len(t) >= 6)
    assert oldest.pk in search.matching_ids(word, limit=5)
    assert search.matching_ids(word, limit=1000) == sorted(
        (m.pk for m in Matter.objects.all() if word in search.tokens(search.matter_text(m))), reverse=True)
