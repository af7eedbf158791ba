"""真实浏览器：登记页边打字边出建议、同一信访人的历史与相似信访；点建议即填入。"""

import pytest

from xinfang.core.tests.test_browser import log_in
from xinfang.petitions.models import Category
from xinfang.petitions.testing import id_number, register
from xinfang.triage import services
from xinfang.triage.models import Task
from xinfang.triage.similar import similar_petitions
from xinfang.triage.testing import corpus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_intake_page_shows_suggestions_history_and_similar_petitions(cast, live_server, page, settings, tmp_path):
    settings.MEDIA_ROOT, settings.VAR_DIR = tmp_path / "media", tmp_path
    services._loaded.clear()
    similar_petitions.index, similar_petitions.last_id = None, 0
    categories = {label: Category.objects.create(name=name) for label, name in
                  (("camera", "电子警察"), ("impound", "扣车"), ("accident", "事故"))}
    texts, labels = corpus(20)
    for text, label in zip(texts, labels):
        register(cast.clerk, department=cast.brigade_a, content=text, category=categories[label])
    services.train(Task.CATEGORY, services.labelled_matters(Task.CATEGORY))
    earlier = register(cast.clerk, department=cast.brigade_a, title="扣车三个月未返还",
                       content="我的车辆被扣押在城东停车场已经三个月，至今没有出具扣押凭证，请求返还车辆并退还保管费。")

    log_in(page, live_server.url, "clerk")
    page.goto(f"{live_server.url}/petitions/intake/")
    page.fill("#id_p-0-name", "张三")
    page.fill("#id_p-0-id_number", id_number())
    page.wait_for_selector("#history >> text=扣车三个月未返还")
    page.fill("#id_content", "我的车辆被扣押在城东停车场已经三个月了，一直没有扣押凭证，请求返还车辆，退还保管费。")
    page.wait_for_selector("#suggestions [data-set-field=id_category]")
    assert "扣车" in page.locator("#suggestions [data-set-field=id_category]").first.inner_text()
    assert earlier.number in page.locator("#suggestions").inner_text()
    page.locator("#suggestions [data-set-field=id_category]").first.click()
    assert page.input_value("#id_category") == str(categories["impound"].pk)
