"""权限表：每个地址都在表中；每项能力有角色和没有角色各走一次（Kiwi TCMS 的习惯）；看得到不等于做得了。"""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.urls import URLPattern, URLResolver, get_resolver

from xinfang.assessment.registry import METRICS
from xinfang.audit.models import AuditEvent
from xinfang.core import clock
from xinfang.org import permissions
from xinfang.org.models import LoginThrottle, ThrottleKind
from xinfang.org.permissions import Scope
from xinfang.petitions import workflow
from xinfang.petitions.action_forms import ACTION_FORMS
from xinfang.petitions.actions import decisions, handling
from xinfang.petitions.models import Document, Matter, MatterEvent, Outcome, Status
from xinfang.petitions.selectors import visible_matters
from xinfang.petitions.testing import register

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.SMS_LOG_FILE = tmp_path / "sms.log"
    settings.REDIS_URL = ""


def walk(patterns=None, prefix="", namespace=None):
    """(路径模式, 名称) —— 走遍 URL 解析器，含配置后台。"""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            ns = ":".join(x for x in (namespace, p.namespace) if x) or None
            yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), (f"{namespace}:{p.name}" if namespace and p.name else p.name)


def test_every_route_has_an_entry_in_the_permission_table():
    missing = [(route, name) for route, name in walk()
               if permissions.route_capability(name, route, {"action": "accept"}) is None]
    assert not missing, f"这些地址不在权限表（org/permissions.py 的 ROUTES）中：{missing}"


def test_every_entry_names_a_capability_and_every_action_form_has_a_transition_row():
    for route, name in walk():
        code = permissions.route_capability(name, route, {"action": "accept"})
        permissions.capability(code)  # 不存在即 KeyError
    for action in ACTION_FORMS:
        assert permissions.capability(f"matter.{action}").roles == workflow.TRANSITIONS[action].roles


def test_every_transition_row_carries_a_scope_from_the_table():
    for t in workflow.TRANSITIONS.values():
        assert t.scope and set(t.scope) <= set(Scope), t.action


# -- 一件事项，一群人 --------------------------------------------------------------------------


def drafted(cast) -> Matter:
    """大队A牵头、大队B与中队A1协办、承办人A办理、答复待审批的事项。"""
    m = register(cast.clerk, department=cast.brigade_a)
    m = decisions.accept_matter(m, by=cast.clerk)
    m = decisions.assign_matter(m, by=cast.clerk, lead=cast.brigade_a, co=[cast.brigade_b, cast.squadron_a1],
                                handler=cast.handler_a)
    m = handling.start_handling(m, by=cast.handler_a)
    return handling.draft_reply(m, by=cast.handler_a, outcome=Outcome.SUPPORT, text="经核查，予以支持。")


def test_the_co_units_head_cannot_approve_the_lead_units_reply_and_nothing_is_written(cast):
    m = drafted(cast)
    before = (MatterEvent.objects.count(), AuditEvent.objects.count(), Document.objects.count())
    assert m in visible_matters(cast.head_b)  # 看得到……
    with transaction.atomic(), pytest.raises(workflow.ActionNotAllowed, match="协办单位只能反馈办理情况，不能审批并答复"):
        handling.approve_reply(m, by=cast.head_b)  # ……却不能替牵头单位审批
    assert Matter.objects.get(pk=m.pk).status == Status.REPLY_DRAFTED
    assert (MatterEvent.objects.count(), AuditEvent.objects.count(), Document.objects.count()) == before
    assert handling.approve_reply(m, by=cast.head_a).status == Status.REPLIED


def test_the_co_units_head_cannot_extend_or_return_the_lead_units_matter(cast):
    m = drafted(cast)
    with transaction.atomic(), pytest.raises(workflow.ActionNotAllowed, match="协办单位"):
        handling.extend_matter(m, by=cast.head_b, days=10, reason="需调取外省记录。")
    with transaction.atomic(), pytest.raises(workflow.ActionNotAllowed, match="协办单位"):
        handling.return_draft(m, by=cast.head_b, reason="请补充依据。")
    assert Matter.objects.get(pk=m.pk).extension_days == 0
    assert [t.action for t in workflow.available_actions(cast.head_b, m)] == []
    assert {"approve_reply", "return_draft", "extend"} <= {t.action for t in workflow.available_actions(cast.head_a, m)}


def test_over_http_the_co_units_head_gets_a_chinese_403_and_no_write(cast, login):
    m = drafted(cast)
    client = login(cast.head_b)
    assert client.get(f"/petitions/matters/{m.pk}/").status_code == 200
    before = MatterEvent.objects.count()
    response = client.post(f"/petitions/matters/{m.pk}/approve_reply/", {"version": m.version})
    assert response.status_code == 403 and "协办单位只能反馈办理情况" in response.content.decode()
    response = client.post(f"/petitions/matters/{m.pk}/extend/", {"version": m.version, "days": 5, "reason": "x"})
    assert response.status_code == 403
    assert MatterEvent.objects.count() == before and Matter.objects.get(pk=m.pk).status == Status.REPLY_DRAFTED
    page = client.get(f"/petitions/matters/{m.pk}/").content.decode()
    assert f"/petitions/matters/{m.pk}/approve_reply/" not in page and f"/petitions/matters/{m.pk}/extend/" not in page
    assert f"/petitions/matters/{m.pk}/approve_reply/" in login(cast.head_a).get(f"/petitions/matters/{m.pk}/").content.decode()


def test_an_auditor_sees_the_matter_but_cannot_post_a_handling_note(cast, login):
    m = drafted(cast)
    with transaction.atomic(), pytest.raises(workflow.ActionNotAllowed, match="您的角色不能记录办理情况"):
        handling.add_note(m, by=cast.auditor, text="审计员不该写这里。")
    client = login(cast.auditor)
    page = client.get(f"/petitions/matters/{m.pk}/").content.decode()
    assert 'name="text"' not in page  # 没有记录办理情况的表单
    response = client.post(f"/petitions/matters/{m.pk}/note/", {"text": "审计员不该写这里。"})
    assert response.status_code == 403 and "您的角色不能记录办理情况" in response.content.decode()
    assert not MatterEvent.objects.filter(matter=m, action="note").exists()


def test_the_co_unit_gives_feedback_through_a_note(cast, login):
    m = drafted(cast)
    response = login(cast.head_b).post(f"/petitions/matters/{m.pk}/note/", {"text": "大队B：协查结果已送牵头单位。"})
    assert response.status_code == 302
    assert MatterEvent.objects.filter(matter=m, action="note", actor=cast.head_b).exists()


def test_an_assigned_handler_in_a_co_unit_may_handle_as_the_handler(cast):
    m = register(cast.clerk, department=cast.brigade_a)
    m = decisions.accept_matter(m, by=cast.clerk)
    m = decisions.assign_matter(m, by=cast.clerk, lead=cast.brigade_a, co=[cast.brigade_b], handler=cast.handler_b)
    assert permissions.matter_scopes(cast.handler_b, m) >= {Scope.HANDLER, Scope.CO_UNIT}
    assert handling.start_handling(m, by=cast.handler_b).status == Status.IN_PROGRESS


def test_the_leader_overseeing_the_lead_unit_is_in_its_scope(cast):
    m = drafted(cast)
    assert Scope.LEAD in permissions.matter_scopes(cast.leader, m)
    assert Scope.LEAD not in permissions.matter_scopes(cast.head_b, m)
    assert Scope.CO_UNIT in permissions.matter_scopes(cast.head_b, m)


def test_the_deciding_organ_is_the_superior_organ_without_the_one_that_replied(cast):
    from xinfang.petitions.actions import appeals

    m = appeals.request_review(replied(cast), by=cast.clerk)  # 大队A（机关）答复，复查机关为支队
    assert permissions.in_deciding_organ(cast.leader, m)  # 支队领导
    assert not permissions.in_deciding_organ(cast.clerk, m)  # 登记员不作决定
    assert not permissions.in_deciding_organ(cast.head_a, m)  # 原机关本身
    assert not permissions.in_deciding_organ(cast.squad_handler, m)  # 以原机关名义办理的中队
    assert not permissions.in_deciding_organ(cast.head_b, m)  # 同属支队的大队B不是支队机关


def replied(cast) -> Matter:
    m = register(cast.clerk, department=cast.brigade_a, content="对扣车决定不服，请求返还车辆。")
    m = decisions.accept_matter(m, by=cast.clerk)
    m = decisions.assign_matter(m, by=cast.clerk, lead=cast.brigade_a, handler=cast.handler_a)
    m = handling.start_handling(m, by=cast.handler_a)
    m = handling.draft_reply(m, by=cast.handler_a, outcome=Outcome.SUPPORT, text="返还车辆。")
    return handling.approve_reply(m, by=cast.head_a)


# -- 走遍每个地址：表中允许的才进得去 ---------------------------------------------------------

POST_ONLY = {"petitions:note", "petitions:execution_done", "petitions:referral", "petitions:discipline_route",
             "petitions:discipline_answer", "petitions:aftercare", "petitions:recommend",
             "petitions:recommendation_feedback", "petitions:petitioner_full", "supervision:order_close", "supervision:mark_read", "portal:attention",
             "portal:issue_code", "org:unlock", "screening:mark", "warning:acknowledge", "warning:close",
             "assessment:request_report", "warning:urgent_acknowledge", "warning:period_new", "warning:consolidate",
             "warning:key_add", "warning:key_review", "warning:reception_new",
             "exchange:outbox_retry", "exchange:import_start",
             "api:petitions", "api:case_imports", "api:exchange_orders",
             "api_tokens:rotate", "api_tokens:revoke", "open311:requests", "warning:dispose"}
SKIPPED = {"login", "logout", "admin:logout"}  # 登录、退出另有测试


@pytest.fixture
def world(cast, tmp_path):
    from xinfang.portal.actions import visits
    from xinfang.portal.models import ReturnVisit
    from xinfang.supervision import documents, orders
    from xinfang.supervision.models import AccountabilityRecord, Ground, OrderLevel

    m = drafted(cast)
    answered = replied(cast)
    visits.sync_return_visits()
    execution = handling.approve_reply(handling.draft_reply(
        handling.start_handling(decisions.assign_matter(decisions.accept_matter(
            register(cast.clerk, department=cast.brigade_a, content="请求赔偿拖车费。"), by=cast.clerk),
            by=cast.clerk, lead=cast.brigade_a, handler=cast.handler_a), by=cast.handler_a),
        by=cast.handler_a, outcome=Outcome.SUPPORT, text="予以支持，赔偿拖车费。", compensation=True),
        by=cast.head_a).execution_items.get()
    assert answered.pk != execution.matter_id
    from xinfang.petitions.actions import appeals

    reviewing = appeals.request_review(answered, by=cast.clerk)  # 复查中：决定机关的动作对它才有意义
    from django.core.files.uploadedfile import SimpleUploadedFile

    from xinfang.petitions.models import Attachment

    register(cast.clerk, department=cast.brigade_a, attachments=[SimpleUploadedFile("a.pdf", b"%PDF-1.4 scan")])
    attachment = Attachment.objects.select_related("petition").get()
    order = orders.issue_order(by=cast.supervisor, matter=m, level=OrderLevel.GENERAL, lead=cast.brigade_a,
                               requirement="限期答复。", due_on=clock.today())
    documents.render_order_document(order.pk)  # 测试事务不提交，提交后的任务在这里就地运行
    order.refresh_from_db()
    item = AccountabilityRecord.objects.create(matter=m, department=cast.brigade_a, ground=Ground.DEADLINE,
                                               key="test-1", proposed_at=clock.now())
    lock = LoginThrottle.objects.create(kind=ThrottleKind.ACCOUNT, key="nobody", failures=9,
                                        locked_until=clock.now())
    # 移交纪检监察（督察）的记录与第四十条的建议：各一行，走它们的地址。
    from xinfang.api.testing import issue
    from xinfang.petitions.actions import followup

    discipline = followup.route_to_discipline(m, by=cast.clerk, body="测试支队督察大队")
    recommendation = followup.recommend(m, by=cast.supervisor, department=cast.brigade_a,
                                        kind="improve", text="规范告知。")
    api_token, _ = issue(["matter.list"], name="走查用的令牌")
    return {"matter": m, "petition": m.petitions.get(), "document": m.documents.first(), "api_token": api_token,
            "discipline": discipline, "recommendation": recommendation,
            "order": order, "record": item, "visit": ReturnVisit.objects.get(), "lock": lock,
            "department": cast.brigade_a, "execution": execution, "reviewing": reviewing,
            "attachment": attachment, **_screening_world(cast, tmp_path), **_warning_world(cast), **_assessment_world(cast),
            **_exchange_world(cast, tmp_path)}


def _screening_world(cast, tmp_path) -> dict:
    """导入一个小案件文件（承办人A的一件），开出上月的排查。"""
    from datetime import date

    from xinfang.screening import monthly
    from xinfang.screening.importer import import_cases
    from xinfang.screening.models import ScreeningItem, ScreeningRound
    from xinfang.screening.testing import give_codes, sample_case, write_cases

    give_codes(cast)
    cast.handler_a.police_number = "A001"
    cast.handler_a.save()
    path = tmp_path / "cases.csv"
    write_cases(path, [sample_case("WALK-1")])
    run = import_cases(path, by=cast.admin).run
    monthly.open_due_rounds(today=date(2026, 12, 1))
    return {"import_run": run, "round": ScreeningRound.objects.get(department=cast.brigade_a),
            "screening_item": ScreeningItem.objects.get(case__case_no="WALK-1")}


def _warning_world(cast) -> dict:
    from datetime import timedelta

    from xinfang.warning import periods, reports, services, urgent
    from xinfang.warning.models import KeyMatter, WarningKind

    today = clock.today()
    period = periods.create_period(by=cast.admin, name="全国两会", starts_on=today - timedelta(days=1),
                                   ends_on=today + timedelta(days=5))
    matter = register(cast.clerk, department=cast.brigade_a, content="对停车场收费有异议。")
    report = urgent.report(matter, grounds=["media"], lines=["本地媒体报道。"])
    reception = periods.schedule_reception(by=cast.head_a, department=cast.brigade_a, leader=cast.head_a, day=today,
                                           place="大队A接待室", period=period)
    return {"warning": services.raise_warning(kind=WarningKind.RISE, key="walk-1", title="大队A信访件上升",
                                              detail="示例说明", department=cast.brigade_a),
            "urgent": report, "period": period, "key_matter": KeyMatter.objects.get(period=period, matter=matter),
            "reception": reception, "consolidated": reports.consolidate(period, today, by=cast.bureau),
            "officer_warning": services.raise_warning(kind=WarningKind.OFFICER_SUPPORT, key="walk-officer",
                                                      title="民警 W001 可能需要支持", detail="示例说明",
                                                      department=cast.brigade_a, officer_no="W001",
                                                      level="warning", observed=2.1)}



def _exchange_world(cast, tmp_path) -> dict:
    """一张 12345 工单（其签收消息已停止重试）与登记员甲上传、待确认列对应的一份台账。"""
    from xinfang.exchange import imports, services
    from xinfang.exchange.models import OutboxMessage
    from xinfang.exchange.testing import Integration, ledger_rows, order_payload, write_csv

    services.receive_order(token_or_integration=Integration(department_id=cast.brigade_a.pk),
                           payload=order_payload("WALK-1", deadline=None))
    message = OutboxMessage.objects.get()
    OutboxMessage.objects.filter(pk=message.pk).update(failed_at=clock.now(), last_error="对端答 400", attempts=1)
    path = tmp_path / "ledger-walk.csv"
    write_csv(path, ledger_rows(1))
    return {"outbox_message": message,
            "import_batch": imports.create_batch(path, by=cast.clerk, source_system="走查台账")}


def _assessment_world(cast) -> dict:
    from xinfang.assessment import reports

    today = clock.today()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    report = reports.generate(reports.request_monthly_report(year=year, month=month, by=cast.bureau))
    return {"report": report, "bulletin": {"year": year, "month": month}}


def _args(name: str, world) -> dict:
    by_name = {
        "org:department": {"pk": world["department"].pk}, "org:unlock": {"pk": world["lock"].pk},
        "petitions:document": {"pk": world["document"].pk},
        "petitions:correct_petition": {"pk": world["petition"].pk},
        "supervision:order_new": {"matter_pk": world["matter"].pk},
        "supervision:order": {"pk": world["order"].pk}, "supervision:order_close": {"pk": world["order"].pk},
        "supervision:order_document": {"pk": world["order"].pk}, "supervision:record": {"pk": world["record"].pk},
        "portal:visit": {"pk": world["visit"].pk}, "portal:attention": {"pk": world["visit"].pk},
        "portal:issue_code": {"petition_pk": world["petition"].pk},
        "petitions:petitioner_full": {"pk": world["matter"].pk, "petitioner": world["petition"].petitioners.first().pk},
        "petitions:attachment": {"pk": world["attachment"].pk},
        "petitions:execution_done": {"pk": world["execution"].matter_id, "item_pk": world["execution"].pk},
        "petitions:discipline_answer": {"pk": world["matter"].pk, "row_pk": world["discipline"].pk},
        "petitions:recommendation_feedback": {"pk": world["recommendation"].pk},
        "screening:mark": {"pk": world["screening_item"].pk},
        "screening:round": {"pk": world["round"].pk}, "screening:report": {"pk": world["round"].pk},
        "screening:import_run": {"pk": world["import_run"].pk},
        "assessment:unit": {"pk": world["department"].pk}, "assessment:unit_data": {"pk": world["department"].pk},
        "assessment:records": {"pk": world["department"].pk},
        "assessment:metric": {"pk": world["department"].pk, "key": METRICS[0].key},
        "assessment:bulletin": world["bulletin"],
        "assessment:report": {"pk": world["report"].pk},
        "assessment:download": {"pk": world["report"].pk, "fmt": "docx"},
        "exchange:outbox_retry": {"pk": world["outbox_message"].pk},
        "exchange:import_batch": {"pk": world["import_batch"].pk},
        "exchange:import_start": {"pk": world["import_batch"].pk},
        "api:document": {"pk": world["document"].pk}, "api:case_import": {"pk": world["import_run"].pk},
        "api:metrics": {"pk": world["department"].pk}, "api:warning": {"pk": world["warning"].pk},
        "api_tokens:rotate": {"pk": world["api_token"].pk}, "api_tokens:revoke": {"pk": world["api_token"].pk},
        "open311:services": {"fmt": "json"}, "open311:service": {"fmt": "json", "code": "xinfang"},
        "open311:requests": {"fmt": "json"}, "open311:request": {"fmt": "json", "number": world["matter"].number},
    }
    if name == "warning:dispose":
        return {"pk": world["officer_warning"].pk}
    if name in WARNING_ROUTES:
        return {"pk": world["warning"].pk}
    by_name.update({
        "warning:urgent": {"pk": world["urgent"].pk}, "warning:urgent_acknowledge": {"pk": world["urgent"].pk},
        "warning:consolidated_download": {"pk": world["consolidated"].pk},
        "warning:key_review": {"pk": world["key_matter"].pk}, "warning:reception_record": {"pk": world["reception"].pk},
        **{n: {"pk": world["period"].pk} for n in PERIOD_ROUTES},
    })
    return by_name.get(name, {"pk": world["matter"].pk})


WARNING_ROUTES = ("warning:detail", "warning:acknowledge", "warning:close")
PERIOD_ROUTES = ("warning:period", "warning:daily_report", "warning:consolidate", "warning:key_add",
                 "warning:reception_new")


def _visible(user, name: str, world) -> bool:
    """对象本身看得到吗（由各应用的可见范围决定；这里只问权限表之外的这一半）。"""
    from xinfang.portal.actions.visits import visible_visits
    from xinfang.supervision.selectors import visible_orders

    if name.startswith("supervision:order") and name != "supervision:order_new":
        from xinfang.supervision.orders import may_close

        seen = visible_orders(user).filter(pk=world["order"].pk).exists()
        return seen and (name != "supervision:order_close" or may_close(user, world["order"]))
    if name in ("portal:visit", "portal:attention"):
        return visible_visits(user).filter(pk=world["visit"].pk).exists()
    if name in ("petitions:execution_done", "petitions:attachment"):
        from xinfang.petitions.selectors import visible_matters

        owner = world["execution"].matter_id if name == "petitions:execution_done" else world["attachment"].petition.matter_id
        return visible_matters(user).filter(pk=owner).exists()
    if name == "petitions:recommendation_feedback":
        from xinfang.petitions.actions.followup import recommendations_for

        return recommendations_for(user).filter(pk=world["recommendation"].pk).exists()
    if name in ("org:department", "assessment:unit", "assessment:unit_data", "assessment:records",
                "assessment:metric", "api:metrics"):
        from xinfang.org.access import departments

        return departments(user).filter(pk=world["department"].pk).exists()
    if name in ("exchange:import_batch", "exchange:import_start"):
        return user == world["import_batch"].started_by  # 导入记录只给上传人本人
    if name == "screening:mark":
        from xinfang.screening.selectors import my_items

        return my_items(user).filter(pk=world["screening_item"].pk).exists()
    if name in ("screening:round", "screening:report"):
        from xinfang.screening.selectors import visible_rounds

        return visible_rounds(user).filter(pk=world["round"].pk).exists()
    if name.startswith("warning:") and name != "warning:centre":
        return _warning_visible(user, name, world)
    if name == "api:warning":
        from xinfang.warning.selectors import visible_warnings

        return visible_warnings(user).filter(pk=world["warning"].pk).exists()
    if name in ("assessment:bulletin", "assessment:reports", "assessment:request_report", "assessment:report",
                "assessment:download"):
        from xinfang.org.access import visible_department_ids

        return visible_department_ids(user) is None  # 通报与报告点名各单位：只给看得到全部单位的人
    return True


def _warning_visible(user, name: str, world) -> bool:
    from xinfang.org.access import departments
    from xinfang.petitions.selectors import visible_matters
    from xinfang.warning import periods
    from xinfang.warning.selectors import visible_warnings

    if name == "warning:dispose":
        return visible_warnings(user).filter(pk=world["officer_warning"].pk).exists()
    if name in WARNING_ROUTES:
        return visible_warnings(user).filter(pk=world["warning"].pk).exists()
    if name.startswith("warning:urgent"):
        return visible_warnings(user).filter(pk=world["urgent"].warning_id).exists()
    period_seen = periods.visible_periods(user).filter(pk=world["period"].pk).exists()
    if name in ("warning:consolidate", "warning:consolidated_download"):
        return period_seen and periods.sees_whole_scope(user, world["period"])
    if name == "warning:key_review":
        return period_seen and visible_matters(user).filter(pk=world["key_matter"].matter_id).exists()
    if name == "warning:reception_record":
        return departments(user).filter(pk=world["reception"].department_id).exists()
    return period_seen if name in PERIOD_ROUTES else True


MATTER_ROUTES = {"warning:flag", "petitions:matter", "petitions:print", "petitions:petitioner_full", "petitions:note", "petitions:action", "petitions:correct_matter",
                 "petitions:correct_petition", "petitions:document", "triage:precedents", "supervision:order_new",
                 "portal:issue_code", "petitions:referral", "petitions:discipline_route", "petitions:discipline_answer",
                 "petitions:aftercare", "petitions:recommend", "api:matter", "api:matter_action", "api:document"}


def _requests(world):
    """(名称, 能力, 地址, 方法)：每个地址一次，事项动作每个动作一次；配置后台只取不带对象编号的页面。"""
    from django.urls import reverse

    for route, name in walk():
        if name in SKIPPED or not name or name.startswith("portal:") and "visit" not in name \
                and name not in ("portal:rates", "portal:issue_code"):
            continue  # 公开页面与门户页面另有测试
        if route.startswith("admin/"):
            if "<" in route or "(?P" in route or name == "admin:autocomplete" or _admin_cannot_add(route):
                continue
            yield name, permissions.route_capability(name, route), "/" + route, "GET"
            continue
        if name in ("petitions:action", "api:matter_action"):
            for action in ACTION_FORMS:
                url = reverse(name, kwargs={"pk": _action_matter(action, world).pk, "action": action})
                yield name, f"matter.{action}", url, "GET" if name == "petitions:action" else "POST"
            continue
        kwargs = _args(name, world) if "<" in route else {}
        method = "POST" if name in POST_ONLY else "GET"
        yield name, permissions.route_capability(name, route), reverse(name, kwargs=kwargs), method


def _action_matter(action: str, world):
    """复查、复核的决定只对复查中的事项有决定机关；其余动作都用起草了答复的那件。"""
    from xinfang.petitions.workflow import TRANSITIONS

    scope = TRANSITIONS[action].scope if action in TRANSITIONS else frozenset()
    return world["reviewing"] if Scope.DECIDING_ORGAN in scope else world["matter"]


def _admin_cannot_add(route: str) -> bool:
    """只读的后台页面（登录锁定、模型版本）没有“新增”：那是后台自身的规则，不是权限表的。"""
    from django.contrib import admin

    parts = route.split("/")
    if len(parts) < 4 or parts[3] != "add":
        return False
    for model, model_admin in admin.site._registry.items():
        if (model._meta.app_label, model._meta.model_name) == (parts[1], parts[2]):
            return type(model_admin).has_add_permission is not admin.ModelAdmin.has_add_permission
    return False


def _refused(response) -> bool:
    location = response.get("Location", "")
    return response.status_code in (401, 403, 404) or (
        response.status_code == 302 and location.startswith(("/accounts/login/", "/admin/login/")))


def _token_people(cast) -> dict:
    """接口地址另由令牌走一遍（令牌只对 /api/ 与 /open311/ 有效）：持全部能力的、只持一项无关能力的，都限大队A。"""
    from xinfang.api.testing import issue
    from xinfang.api.tokens import token_scopes

    people = {}
    for who, scopes in (("token_all", list(token_scopes())), ("token_home", ["home"])):
        token, headers = issue(scopes, department=cast.brigade_a, name=who)
        token.service.service_token = token
        people[who] = (token.service, headers["HTTP_AUTHORIZATION"])
    return people


# 全部地址 × 全部人物约两千次请求：分成几份，xdist 分给各进程并行跑（每份从一个新的 world 开始，
# 按原来的先后顺序走自己那一份）。
WALK_SHARDS = 8


def _walk_people(cast):
    from django.contrib.auth.models import AnonymousUser

    people = {**cast.everyone(), "anonymous": AnonymousUser()}
    tokens = _token_people(cast)
    people.update({who: service for who, (service, _) in tokens.items()})
    return people, tokens


def _expected(person, who, name, code, world) -> bool:
    matter = world["matter"] if name in MATTER_ROUTES else None
    if name in ("petitions:action", "api:matter_action"):
        matter = _action_matter(code.removeprefix("matter."), world)
    expected = permissions.allows(person, code, matter) and _visible(person, name, world)
    if matter is not None and who != "anonymous":
        expected = expected and visible_matters(person).filter(pk=matter.pk).exists()
    return expected


@pytest.mark.parametrize("shard", range(WALK_SHARDS))
def test_each_route_admits_exactly_whom_the_table_admits_with_and_without_the_role(cast, world, client, shard):
    people, tokens = _walk_people(cast)
    wrong = []
    for index, (name, code, url, method) in enumerate(_requests(world)):
        if index % WALK_SHARDS != shard:
            continue
        for who, person in people.items():
            client.logout()
            headers, data = {}, {}
            if who in tokens:
                if not name.startswith(("api:", "open311:")):
                    continue
                headers = {"HTTP_AUTHORIZATION": tokens[who][1]}
                if name == "open311:requests":
                    headers, data = {}, {"api_key": tokens[who][1].removeprefix("Bearer ")}
            elif who != "anonymous":
                client.force_login(person)
            expected = _expected(person, who, name, code, world)
            response = client.post(url, data, **headers) if method == "POST" else client.get(url, **headers)
            if _refused(response) == expected:
                wrong.append((url, who, response.status_code, "应允许" if expected else "应拒绝"))
    assert not wrong, wrong


def test_every_capability_admits_someone_and_refuses_someone_on_the_walk(cast, world):
    people, tokens = _walk_people(cast)
    coverage = {}
    for name, code, _url, _method in _requests(world):
        for who, person in people.items():
            if who in tokens and not name.startswith(("api:", "open311:")):
                continue
            coverage.setdefault(code, set()).add(_expected(person, who, name, code, world))
    assert {code for code, seen in coverage.items()
            if seen != {True, False} and not permissions.capability(code).public} == set()
    assert len(coverage) > 40


def test_no_get_request_writes_anything_except_the_record_of_a_personal_data_read(cast, world, client):
    writes = []

    def spy(execute, sql, params, many, context):
        head = sql.lstrip().split(None, 1)[0].upper()
        if head in ("INSERT", "UPDATE", "DELETE") and "django_session" not in sql \
                and not ('"audit_auditevent"' in sql and head == "INSERT") \
                and '"audit_auditchainhead"' not in sql \
                and '"api_sessioncallwindow"' not in sql:  # 记一行审计要推进哈希链的链头，这是读留痕的一部分；
            # 会话调用接口的限流计数（与令牌同一做法）同登录会话一样是簿记，不是改数据
            writes.append(sql[:120])
        return execute(sql, params, many, context)

    gets = [(name, url) for name, _, url, method in _requests(world) if method == "GET"]
    replied(cast)  # 一份新答复：回访任务要等后台任务来生成，打开回访页、首页都不该替它生成
    reads = ("personal_data.read", "supervision.order.download", "attachment.read")  # 记下一次查看，这是读留痕，不是改数据
    before = AuditEvent.objects.exclude(action__in=reads).count()
    for who in ("clerk", "handler_a", "head_a", "head_b", "leader", "supervisor", "bureau", "auditor", "admin"):
        client.force_login(getattr(cast, who))
        with connection.execute_wrapper(spy):
            for name, url in gets:
                client.get(url)
    assert writes == []
    assert list(AuditEvent.objects.exclude(action__in=reads).order_by("pk").values_list("action", flat=True)[before:]) == []


# -- 配置后台 -----------------------------------------------------------------------------------


def test_a_non_admin_opening_admin_gets_a_chinese_refusal_not_a_redirect_loop(cast, login):
    response = login(cast.handler_a).get("/admin/", follow=True)
    assert response.status_code == 403
    assert "配置后台只对系统管理员开放" in response.content.decode()
    assert len(response.redirect_chain) == 1


def test_the_admin_site_holds_configuration_only():
    from django.contrib import admin

    registered = {f"{m._meta.app_label}.{m._meta.model_name}" for m in admin.site._registry}
    for gone in ("audit.auditevent", "supervision.accountabilityrecord", "supervision.notification",
                 "supervision.supervisionorder", "portal.returnvisit", "portal.portalaccess", "auth.group",
                 "triage.feedback", "screening.importrun"):
        assert gone not in registered
    assert {"org.department", "org.staff", "petitions.category", "petitions.documenttemplate",
            "core.holiday", "core.calendaryear", "screening.riskrule"} <= registered


def test_a_password_reset_in_the_admin_goes_through_the_audited_service(cast, login):
    client = login(cast.admin)
    url = f"/admin/org/staff/{cast.handler_a.pk}/password/"
    assert "重设密码" in client.get(url).content.decode()
    bad = client.post(url, {"new_password1": "short", "new_password2": "short"})
    assert bad.status_code == 200 and not AuditEvent.objects.filter(action="staff.password").exists()
    response = client.post(url, {"new_password1": "Fresh2026pass", "new_password2": "Fresh2026pass"})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="staff.password")
    assert event.actor_id == cast.admin.pk and event.object_id == str(cast.handler_a.pk)
    cast.handler_a.refresh_from_db()
    assert cast.handler_a.check_password("Fresh2026pass")


def test_the_admins_own_password_change_is_audited(cast, login):
    client = login(cast.admin)
    response = client.post("/admin/password_change/", {
        "old_password": "Cast2026pass", "new_password1": "Fresh2026pass", "new_password2": "Fresh2026pass"})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="staff.password", actor=cast.admin).exists()


def test_opening_a_staff_record_in_the_admin_is_recorded_as_a_personal_data_read(cast, login):
    login(cast.admin).get(f"/admin/org/staff/{cast.handler_a.pk}/change/")
    assert AuditEvent.objects.filter(action="personal_data.read", actor=cast.admin,
                                     object_id=str(cast.handler_a.pk)).exists()


def test_every_menu_item_leads_to_a_page_the_table_lets_that_person_open(cast, rf):
    from django.urls import resolve

    from xinfang.navigation import navigation

    cast.handler_a.police_number = "A001"  # 有案件的民警看得到“我的排查”
    for who, person in cast.everyone().items():
        request = rf.get("/")
        request.user = person
        for label, url in navigation(request)["nav_items"]:
            match = resolve(url)
            code = permissions.route_capability(match.view_name, match.route, match.kwargs)
            assert permissions.allows(person, code), (who, label, code)
