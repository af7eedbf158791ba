"""抢不过的防滥用：验证题只能用一次；提交名额、登录次数在"查 + 计"一步里扣，并发也扣不穿；
错码不会把信访人本人锁在门外；跳转只去本站路径。"""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connections
from django.test import Client

from xinfang.core import clock
from xinfang.petitions.models import Matter
from xinfang.portal import security
from xinfang.portal.testing import submit

from .test_submission import form

pytestmark = pytest.mark.django_db


def look(client, number, code):
    return client.post("/portal/query/", {"number": number, "code": code})


def test_a_replayed_challenge_is_refused_and_nothing_is_saved(client, cast):
    data = form(client)
    assert client.post("/portal/", data).status_code == 200
    before = Matter.objects.count()
    again = client.post("/portal/", {**data, "content": "同一道题再交一次。"})
    assert "验证问题的答案不对" in again.content.decode()
    assert Matter.objects.count() == before


def test_a_challenge_is_spent_even_when_answered_wrong():
    question, token = security.new_challenge()
    assert not security.challenge_passed(token, "999")
    from .test_submission import solve

    assert not security.challenge_passed(token, solve(question))


def test_a_wrong_code_from_elsewhere_never_locks_the_rightful_petitioner_out(client, cast, settings):
    settings.PORTAL_WRONG_CODES, settings.PORTAL_LOCK_MINUTES = 3, 30
    matter, code = submit()
    attacker, petitioner = Client(REMOTE_ADDR="10.9.9.9"), Client(REMOTE_ADDR="10.1.1.1")
    start = clock.now()
    with time_machine.travel(start, tick=False):
        for _ in range(6):
            look(attacker, matter.number, "WRONG-CODE-0000")
        assert "查询已暂停" in look(attacker, matter.number, code).content.decode()
        # 编号整体只退避（最多一分钟），不锁定；提示等几秒，不泄露编号是否存在
        assert "秒后再试" in look(petitioner, matter.number, code).content.decode()
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        assert look(petitioner, matter.number, code).status_code == 302
        # 本人查询成功后，该编号的退避清零；攻击者那一路仍被锁着
        assert "查询已暂停" in look(attacker, matter.number, code).content.decode()


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"])
def test_redirects_go_only_to_the_apps_own_paths(cast, login, target):
    client = login(cast.handler_a)
    response = client.post("/supervision/inbox/read/", {"next": target})
    assert response["Location"] == "/supervision/inbox/"
    assert client.post("/supervision/inbox/read/", {"next": "/petitions/"})["Location"] == "/petitions/"


def test_login_never_follows_next_to_another_host(cast, client):
    from xinfang.org.testing import PASSWORD

    response = client.post("/accounts/login/?next=https://evil.example/", {"username": "handler_a", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"


def _in_threads(n, work):
    barrier, results, errors = threading.Barrier(n), [], []

    def run(i):
        try:
            barrier.wait(timeout=30)
            results.append(work(i))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_from_one_source_cannot_exceed_the_limit(cast, settings, tmp_path):
    settings.PORTAL_SUBMISSIONS_PER_HOUR, settings.PORTAL_REQUESTS_PER_HOUR = 3, 100
    clients = [Client(REMOTE_ADDR="10.5.5.5") for _ in range(8)]
    forms = [form(c, content=f"第{i}件：路口信号灯配时不合理，请求调整。") for i, c in enumerate(clients)]
    statuses = _in_threads(8, lambda i: clients[i].post("/portal/", forms[i]).status_code)
    assert sorted(statuses).count(200) == 3 and statuses.count(429) == 5
    assert Matter.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_wrong_passwords_get_no_more_guesses_than_the_limit(cast, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT, settings.LOGIN_FAILURES_PER_IP = 3, 100

    def guess(i):
        return Client().post("/accounts/login/", {"username": "handler_b", "password": f"guess{i}xx2026"}).status_code

    _in_threads(8, guess)
    from xinfang.audit.models import AuditEvent
    from xinfang.org.models import LoginThrottle

    # 只有 3 次真的验了密码（每次验过都记一条 login.failed），其余 5 次在计数行上就被拒
    assert AuditEvent.objects.filter(action="login.failed", object_repr="handler_b").count() == 3
    assert LoginThrottle.objects.get(kind="account", key="handler_b").failures == 3
