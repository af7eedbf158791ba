"""账号：本人改密码（有审计）；管理员设的初始或重置密码须在登录后先改掉；密码不得含用户名、不得连续重复同一字符。"""

import pytest
from django.core.exceptions import ValidationError

from xinfang.audit.models import AuditEvent
from xinfang.org import services
from xinfang.org.testing import PASSWORD

pytestmark = pytest.mark.django_db

NEW = "Fresh2026word"


def change(client, old=PASSWORD, new=NEW, again=None):
    return client.post("/accounts/password/", {"old_password": old, "new_password1": new,
                                               "new_password2": again or new})


def test_staff_change_their_own_password_and_it_is_audited_without_the_password(cast, client):
    client.force_login(cast.handler_a)
    response = change(client)
    assert response.status_code == 302 and response["Location"] == "/"
    cast.handler_a.refresh_from_db()
    assert cast.handler_a.check_password(NEW)
    event = AuditEvent.objects.filter(action="staff.password_change").latest("pk")
    assert event.actor == cast.handler_a and NEW not in str(event.changes)
    assert client.get("/").status_code == 200  # 本会话仍有效


@pytest.mark.parametrize("old, new, again, field, message", [
    ("wrong-old-1", NEW, None, "old_password", "原密码不正确"),
    (PASSWORD, NEW, "Other2026word", "new_password2", "两次输入的新密码不一致"),
    (PASSWORD, PASSWORD, None, "new_password1", "不能与原密码相同"),
    (PASSWORD, "handler_a2026x", None, "new_password1", "不得包含用户名"),
    (PASSWORD, "Paaass2026word", None, "new_password1", "重复同一字符"),
    (PASSWORD, "short1", None, "new_password1", "太短"),
])
def test_a_refused_change_names_the_field_and_rule_and_changes_nothing(cast, client, old, new, again, field, message):
    client.force_login(cast.handler_a)
    response = change(client, old, new, again)
    body = response.content.decode()
    assert response.status_code == 200 and message in body
    assert message in " ".join(response.context["form"].errors[field])
    cast.handler_a.refresh_from_db()
    assert cast.handler_a.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action="staff.password_change").exists()


def test_an_account_made_by_an_admin_must_change_its_password_before_anything_else(cast, client):
    staff = services.create_staff(by=cast.admin, username="newcomer", name="新人", password="Initial2026pw",
                                  department=cast.brigade_a, roles=["handler"])
    assert staff.must_change_password
    response = client.post("/accounts/login/", {"username": "newcomer", "password": "Initial2026pw"}, follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/password/"
    assert "请先修改密码" in response.content.decode()
    assert client.get("/petitions/")["Location"] == "/accounts/password/"
    assert change(client, "Initial2026pw", NEW)["Location"] == "/"
    assert client.get("/petitions/").status_code == 200


def test_a_password_reset_by_an_admin_must_be_changed_but_ones_own_need_not(cast, client):
    services.set_password(cast.handler_b, by=cast.admin, password="Reset2026pass")
    cast.handler_b.refresh_from_db()
    assert cast.handler_b.must_change_password
    assert AuditEvent.objects.filter(action="staff.password").latest("pk").changes["must_change_password"] == [False, True]
    client.force_login(cast.handler_b)
    assert client.get("/")["Location"] == "/accounts/password/"
    services.set_password(cast.handler_b, by=cast.handler_b, password="Mine2026pass")
    cast.handler_b.refresh_from_db()
    assert not cast.handler_b.must_change_password


@pytest.mark.parametrize("password, rule", [
    ("zhangwei2026A", "用户名"), ("ZHANGWEI-2026a", "用户名"), ("aaaaaaaaaa1", "重复"), ("Pass2026111x", "重复"),
])
def test_passwords_may_not_contain_the_username_or_repeat_a_character(cast, password, rule):
    staff = services.create_staff(by=None, username="zhangwei", name="张伟", password="Start2026pass",
                                  department=cast.brigade_a)
    with pytest.raises(ValidationError, match=rule):
        services.set_password(staff, by=cast.admin, password=password)
