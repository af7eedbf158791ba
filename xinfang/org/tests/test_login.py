"""登录、锁定与解锁、会话与密码规则。"""

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError

from xinfang.audit.models import AuditEvent
from xinfang.org.models import LoginThrottle
from xinfang.org.services import create_staff, set_password
from xinfang.org.testing import PASSWORD

pytestmark = pytest.mark.django_db


def attempt(client, username, password, ip="10.0.0.1"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_login_with_right_password_lands_on_the_start_page(cast, client):
    response = attempt(client, "handler_a", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert AuditEvent.objects.filter(action="login", object_id=str(cast.handler_a.pk)).exists()


def test_wrong_password_says_so_in_chinese_and_keeps_the_username(cast, client):
    body = attempt(client, "handler_a", "wrong-password1").content.decode()
    assert "用户名或密码不正确" in body
    assert 'value="handler_a"' in body


def test_account_is_locked_after_repeated_failures_even_with_the_right_password(cast, client):
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        attempt(client, "handler_a", "wrong-password1")
    body = attempt(client, "handler_a", PASSWORD).content.decode()
    assert "该账号因连续登录失败已被锁定" in body
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="login.locked").count() == 1


def test_account_lock_expires_after_the_lock_period(cast, client):
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False) as traveller:
        for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
            attempt(client, "handler_a", "wrong-password1")
        traveller.shift(60 * (settings.LOGIN_LOCK_MINUTES + 1))
        assert attempt(client, "handler_a", PASSWORD).status_code == 302


def test_an_admin_unlocks_an_account_at_once(cast, client, login):
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        attempt(client, "handler_a", "wrong-password1")
    lock = LoginThrottle.objects.get(kind="account", key="handler_a")
    admin = login(cast.admin)
    assert "handler_a" in admin.get("/org/lockouts/").content.decode()
    assert admin.post(f"/org/lockouts/{lock.pk}/unlock/").status_code == 302
    admin.logout()
    assert attempt(client, "handler_a", PASSWORD).status_code == 302
    assert AuditEvent.objects.filter(action="login.unlock", actor=cast.admin).exists()


def test_only_admins_may_see_or_unlock_locks(cast, client, login):
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        attempt(client, "handler_a", "wrong-password1")
    lock = LoginThrottle.objects.get(kind="account", key="handler_a")
    other = login(cast.head_a)
    assert other.get("/org/lockouts/").status_code == 404
    assert other.post(f"/org/lockouts/{lock.pk}/unlock/").status_code == 404
    assert LoginThrottle.objects.filter(pk=lock.pk).exists()


def test_an_ip_is_locked_after_failures_across_many_usernames(cast, client):
    for i in range(settings.LOGIN_FAILURES_PER_IP):
        attempt(client, f"nobody{i}", "wrong-password1", ip="10.9.9.9")
    assert "您所在的网络地址" in attempt(client, "handler_b", PASSWORD, ip="10.9.9.9").content.decode()
    # 另一个地址不受影响。
    assert attempt(client, "handler_b", PASSWORD, ip="10.1.1.1").status_code == 302


def test_a_success_resets_the_account_failure_count(cast, client):
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT - 1):
        attempt(client, "handler_a", "wrong-password1")
    assert attempt(client, "handler_a", PASSWORD).status_code == 302
    client.logout()
    attempt(client, "handler_a", "wrong-password1")
    assert attempt(client, "handler_a", PASSWORD).status_code == 302


def test_logout_is_a_post_and_is_audited(cast, login):
    client = login(cast.handler_a)
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="logout", actor=cast.handler_a).exists()


def test_session_expires_after_inactivity(cast, client):
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False) as traveller:
        attempt(client, "handler_a", PASSWORD)
        assert client.get("/").status_code == 200
        traveller.shift(settings.SESSION_COOKIE_AGE - 60)
        assert client.get("/").status_code == 200  # 有操作就顺延
        traveller.shift(settings.SESSION_COOKIE_AGE + 60)
        assert client.get("/").status_code == 302


def test_session_row_is_rewritten_at_most_once_a_refresh_interval(cast, client):
    """顺延不必每个请求都写会话行（SQLite 上那是一次整库写锁）：间隔内的请求不写，过了间隔的请求顺延。"""
    from django.contrib.sessions.models import Session

    def expiry():
        return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value).expire_date

    with time_machine.travel("2026-03-02 09:00 +0800", tick=False) as traveller:
        attempt(client, "handler_a", PASSWORD)
        assert client.get("/").status_code == 200
        first = expiry()
        traveller.shift(settings.SESSION_REFRESH_SECONDS - 5)
        assert client.get("/").status_code == 200
        assert expiry() == first  # 间隔内：没有写
        traveller.shift(10)
        assert client.get("/").status_code == 200
        assert (expiry() - first).total_seconds() == settings.SESSION_REFRESH_SECONDS + 5  # 过了间隔：顺延到此刻起算


def test_stale_session_cookie_does_not_create_a_session(db, client):
    from django.contrib.sessions.models import Session

    client.cookies[settings.SESSION_COOKIE_NAME] = "x" * 32
    assert client.get("/accounts/login/").status_code == 200
    assert not Session.objects.exists()


@pytest.mark.parametrize("password", ["short1a", "onlyletterspassword", "1234567890123", "password123"])
def test_weak_passwords_are_refused(cast, password):
    with pytest.raises(ValidationError):
        set_password(cast.handler_a, by=cast.admin, password=password)


def test_passwords_are_hashed_with_argon2_in_production_settings():
    import xinfang.settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_argon2_hash_is_what_a_new_account_gets(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    staff = create_staff(by=None, username="argon", name="甲", password="Hashme2026pass", department=None)
    assert staff.password.startswith("argon2$")


def test_admin_login_goes_through_the_lockout_login(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
