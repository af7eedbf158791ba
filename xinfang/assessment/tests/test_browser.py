"""真实浏览器：局领导打开支队看板，图画出来了；点"按单位"图里大队A的柱子进入大队A的看板，
点漏斗图上的点进入按期办结率的下钻，点指标表里的指标看到背后的事项。"""

import pytest

from xinfang.assessment import aggregates
from xinfang.org.testing import PASSWORD

from .fixture import build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Q = "?from=2026-02-01&to=2026-02-28"


def click_point(page, chart_id: str, series: int, index: int) -> None:
    """点中图上的一个数据点：画布上没有 DOM 元素可点，按 ECharts 给出的该点位置点击。"""
    x, y = page.evaluate("""([id, s, i]) => {
        const l = echarts.getInstanceByDom(document.getElementById(id)).getModel().getSeriesByIndex(s)
            .getData().getItemLayout(i);
        return Array.isArray(l) ? l : [l.x + l.width / 2, l.y + l.height / 2];
    }""", [chart_id, series, index])
    page.locator(f"#{chart_id}").scroll_into_view_if_needed()
    box = page.locator(f"#{chart_id}").bounding_box()  # 视口内的位置：鼠标只能点视口里的点
    page.mouse.click(box["x"] + x, box["y"] + y)


def test_bureau_dashboard_draws_and_every_chart_drills_down(cast, live_server, page):
    m = build(cast)
    aggregates.rebuild()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "bureau")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/assessment/units/{cast.detachment.pk}/{Q}")
    page.wait_for_selector("#dashboard[data-loaded='1']")
    for chart in ("trend", "units", "category", "channel", "funnel"):
        assert page.locator(f"#chart-{chart} canvas").count() == 1
    # 按单位的柱（信访科、支队领导、大队A、大队B）：大队A 含中队A1，2 月收到 4 件
    assert page.evaluate("echarts.getInstanceByDom(document.getElementById('chart-units'))"
                         ".getOption().series[0].data[2].value") == 4
    click_point(page, "chart-units", 0, 2)
    page.wait_for_url(f"**/assessment/units/{cast.brigade_a.pk}/**")
    assert "大队A · 考核看板" in page.inner_text("h1")
    page.wait_for_selector("#dashboard[data-loaded='1']")
    page.click("#indicators a:has-text('按期办结率')")
    page.wait_for_selector("#drill-rows")
    numbers = page.locator("#drill-rows tbody td:first-child").all_inner_texts()
    # h5 听证中：办理中的听证不停钟，期限已过未答复，计入分母
    assert sorted(numbers) == sorted(m[k].number for k in ("h1", "h2", "h3", "h4", "h5", "h7"))
    # 漏斗图上的点：大队A 的按期办结率下钻
    page.go_back()
    page.goto(f"{base}/assessment/units/{cast.detachment.pk}/{Q}")
    page.wait_for_selector("#dashboard[data-loaded='1']")
    index = page.evaluate("echarts.getInstanceByDom(document.getElementById('chart-funnel'))"
                          ".getOption().series[0].data.findIndex(p => p.name === '大队B')")
    click_point(page, "chart-funnel", 0, index)
    page.wait_for_url(f"**/assessment/units/{cast.brigade_b.pk}/metrics/handling_on_time/**")
    assert sorted(page.locator("#drill-rows tbody td:first-child").all_inner_texts()) == sorted(
        [m["h6"].number, m["h9"].number])
    assert errors == []
