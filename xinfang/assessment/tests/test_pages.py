"""看板、下钻与报告页：看不到的单位一律 404；坏的期间给中文说明；下钻列出的正是指标背后的事项。"""

import pytest

from xinfang.assessment import aggregates

from .fixture import build

Q = "?from=2026-02-01&to=2026-02-28"


@pytest.fixture
def data(cast):
    m = build(cast)
    aggregates.rebuild()  # 手工事项不经办理记录写入：整体重算一次
    return m


def test_unit_dashboard_shows_every_indicator_with_numerator_and_denominator(cast, login, data):
    page = login(cast.bureau).get(f"/assessment/units/{cast.brigade_a.pk}/{Q}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "按期办结率" in html and 'data-metric="handling_on_time"' in html
    assert "<script>" not in html  # 没有内联脚本


def test_an_indicator_for_a_unit_the_user_cannot_see_is_404(cast, login, data):
    client = login(cast.handler_b)
    assert client.get(f"/assessment/units/{cast.brigade_a.pk}/metrics/handling_on_time/{Q}").status_code == 404
    assert client.get(f"/assessment/units/{cast.brigade_a.pk}/data.json{Q}").status_code == 404
    assert client.get(f"/assessment/units/{cast.brigade_b.pk}/metrics/handling_on_time/{Q}").status_code == 200


def test_drill_down_page_lists_the_matters_behind_the_figure(cast, login, data):
    page = login(cast.head_a).get(f"/assessment/units/{cast.brigade_a.pk}/metrics/handling_on_time/{Q}&only=rest")
    html = page.content.decode()
    # 超期的：h2 晚一天；h4 h5 办理中开过听证，听证不停钟（第三十四条）
    assert all(data[k].number in html for k in ("h2", "h4", "h5")) and data["h1"].number not in html
    assert "共 3 条，计入分子 0 条" in html


def test_a_period_ending_before_it_starts_is_refused_in_chinese(cast, login, data):
    page = login(cast.bureau).get(f"/assessment/units/{cast.brigade_a.pk}/?from=2026-03-01&to=2026-02-01")
    assert page.status_code == 400 and "早于开始日" in page.content.decode()


def test_chart_data_points_carry_their_drill_down_links(cast, login, data):
    payload = login(cast.bureau).get(f"/assessment/units/{cast.detachment.pk}/data.json{Q}").json()
    feb = payload["trend"]["series"][0]["data"][payload["trend"]["months"].index("2026-02")]
    assert feb["value"] == 7  # 2 月收到 7 件
    records = login(cast.bureau).get(feb["url"])
    assert records.content.decode().count("/petitions/matters/") == 7
    assert {p["name"] for p in payload["funnel"]["points"]} >= {"大队A", "大队B"}


def test_chart_data_is_cached_but_follows_the_facts_once_they_move(cast, login, data):
    """图数据按看板事实的版本缓存：新事项经预聚合任务计入后，下一次取数就是新的数。"""
    from datetime import date

    from django.core.cache import cache

    from xinfang.assessment.testing import make_matter

    cache.clear()
    client = login(cast.bureau)
    url = f"/assessment/units/{cast.detachment.pk}/data.json{Q}"

    def february(payload):
        return payload["trend"]["series"][0]["data"][payload["trend"]["months"].index("2026-02")]["value"]

    assert february(client.get(url).json()) == 7
    make_matter(cast.brigade_a, date(2026, 2, 16), status="declined", decision=("decline", 0))  # 带一条办理记录
    assert aggregates.sync_aggregates() == 1
    assert february(client.get(url).json()) == 8


def test_bulletin_and_reports_are_only_for_those_who_see_every_unit(cast, login, data):
    assert login(cast.head_a).get("/assessment/bulletins/2026/2/").status_code == 404
    assert login(cast.head_a).get("/assessment/reports/").status_code == 404
    assert login(cast.bureau).get("/assessment/bulletins/2026/2/").status_code == 200


def test_warmed_figures_are_served_without_recomputing(cast, data, django_assert_num_queries):
    from datetime import date

    import time_machine

    from xinfang.assessment import dashboard

    with time_machine.travel("2026-02-28 09:00 +0800", tick=False):
        assert dashboard.warm_cache() >= 4  # 支队及其直接下级
        with django_assert_num_queries(0):
            figures = dashboard.figures_for(cast.brigade_a, date(2026, 1, 1), date(2026, 2, 28))
    assert figures["acceptance_notice_on_time"][cast.brigade_a.pk].denominator > 0


def test_unit_page_lists_each_officer_with_figures_that_drill_down_to_their_records(cast, login, data):
    from xinfang.warning.models import WarningKind
    from xinfang.warning.services import raise_warning

    raise_warning(kind=WarningKind.HOT_ISSUE, key="page-hot", title="人民路违停集中投诉", detail="说明",
                  department=cast.squadron_a1)
    client = login(cast.head_a)
    html = client.get(f"/assessment/units/{cast.brigade_a.pk}/{Q}").content.decode()
    assert 'id="staff"' in html and "承办人A" in html and "人民路违停集中投诉" in html
    # 承办人A：2 月应完成的排查 2 件都判定了、1 件按时（见 test_registry_fixture）
    url = f"/assessment/units/{cast.brigade_a.pk}/metrics/screening_on_time/{Q}&staff={cast.handler_a.pk}"
    assert url.replace("&", "&amp;") in html
    page = client.get(url).content.decode()
    assert "共 2 条，计入分子 1 条" in page and "承办人A" in page
    # 别的单位的人：404
    other = f"/assessment/units/{cast.brigade_a.pk}/metrics/screening_on_time/{Q}&staff={cast.handler_b.pk}"
    assert client.get(other).status_code == 404
