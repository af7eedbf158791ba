"""看板的预聚合：办理一步步改变事项，游标任务跟上；增量维护的结果与整体重算一致。"""

from collections import Counter
from datetime import date

from xinfang.assessment import aggregates
from xinfang.assessment.models import DailyUnitFact
from xinfang.core import clock
from xinfang.petitions.actions import decisions, handling
from xinfang.petitions.generate import generate
from xinfang.petitions.models import Channel
from xinfang.petitions.testing import register


def table() -> Counter:
    return Counter({(d, u, m): c for d, u, m, c in DailyUnitFact.objects.exclude(count=0)
                    .values_list("day", "department_id", "measure", "count")})


def test_transitions_move_a_matter_between_units_and_days(cast):
    matter = register(cast.clerk, department=cast.brigade_b, channel=Channel.VISIT)
    aggregates.sync_aggregates()
    today = clock.today()
    assert table()[(today, cast.brigade_b.pk, "received")] == 1
    matter = decisions.accept_matter(matter, by=cast.clerk)
    matter = decisions.assign_matter(matter, by=cast.clerk, lead=cast.brigade_a, handler=cast.handler_a)
    matter = handling.start_handling(matter, by=cast.handler_a)
    matter = handling.draft_reply(matter, by=cast.handler_a, outcome="support", text="经核查，予以撤销。")
    handling.approve_reply(matter, by=cast.head_a)
    assert aggregates.sync_aggregates() == 1
    t = table()
    assert t[(today, cast.brigade_b.pk, "received")] == 0  # 交办后算到牵头单位
    assert t[(today, cast.brigade_a.pk, "received")] == 1
    assert t[(today, cast.brigade_a.pk, "replied")] == 1
    assert t[(today.replace(day=1), cast.brigade_a.pk, "channel:visit")] == 1
    assert aggregates.sync_aggregates() == 0  # 没有新记录：什么也不做


def test_incremental_upkeep_equals_a_full_rebuild_on_generated_data(db):
    generate(400, seed=5, today=date(2026, 3, 2), batch_size=1000)
    aggregates.sync_aggregates()
    incremental = table()
    aggregates.rebuild()
    assert table() == incremental and sum(c for (_, _, m), c in incremental.items() if m == "received") > 0


def test_the_snapshot_kept_by_the_cursor_task_holds_the_same_facts_as_the_records(cast, monkeypatch):
    from xinfang.assessment import facts
    from xinfang.assessment.models import MatterSnapshot
    from xinfang.core import cursors

    matter = register(cast.clerk, department=cast.brigade_a, channel=Channel.VISIT)
    matter = decisions.accept_matter(matter, by=cast.clerk)
    matter = decisions.assign_matter(matter, by=cast.clerk, lead=cast.brigade_a, handler=cast.handler_a)
    matter = handling.start_handling(matter, by=cast.handler_a)
    matter = handling.draft_reply(matter, by=cast.handler_a, outcome="support", text="经核查，予以撤销。")
    handling.approve_reply(matter, by=cast.head_a)
    aggregates.sync_aggregates()
    snap = MatterSnapshot.objects.get(pk=matter.pk)
    assert snap.version == facts.DERIVED_VERSION and snap.drafter_id == cast.handler_a.pk
    assert snap.channel == Channel.VISIT and snap.replied_on == clock.today()
    today = clock.today()
    live = facts.derived([matter.pk])[matter.pk]
    monkeypatch.setattr(cursors, "SAFETY_WINDOW", 0)  # 游标已跟上：这件从快照读
    _, stored = facts.matter_rows(facts.Matter.objects.filter(pk=matter.pk))
    assert stored[matter.pk] == live and live.last_reply_on == today
