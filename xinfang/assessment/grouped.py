"""按单位分组的 SQL 算指标：与登记表（registry.py 的 select）同一口径，但判定写成 CASE、在数据库里
按单位（或承办人）GROUP BY 合计，Python 只拿到每个单位一行。

事项读事项表的列与看板快照（MatterSnapshot）里存好的连表事实；快照没有、版本旧、游标之后（含安全窗口）
有新办理记录的事项不进 SQL，由 facts.py 当场算出后用登记表的 select 逐件判定再加上——与
facts.matter_rows 的补算规则相同，所以两条路径的数一件不差（测试在造出的数据上比对全部指标）。
回访、来访接待也在 SQL 里分组；督办单、落实事项、排查件数少，仍经 facts.py 与登记表。

日期以字面量写进 SQL：它们都是已解析的 date，只有 YYYY-MM-DD 十个字符。
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db import connection

from xinfang.core import clock, cursors
from xinfang.org.models import Department
from xinfang.petitions.models import Channel, Matter, MatterEvent, MatterType, Petition
from xinfang.portal.models import ContactMethod, ReturnVisit, Satisfaction, Solved

from . import facts as F
from .registry import BY_KEY, FIRST_RESOLUTION_WINDOW_DAYS, _months_before

# 事项类指标：SQL 表达式里的 {x} 为内层查询的列。每项为 (分母条件, 分子条件)。
MATTER_KEYS = ("acceptance_notice_on_time", "handling_on_time", "first_time_resolution", "repeat_rate",
               "skip_level_count", "collective_count", "backlog_3m_resolution", "backlog_6m_resolution",
               "review_overturn_rate", "head_handling_share", "grassroots_resolution_share")
VISIT_KEYS = ("return_visit_rate", "response_rate", "resolution_rate", "satisfaction_rate")
RECEPTION_KEYS = ("head_reception_share",)


def _pg() -> bool:
    return connection.vendor == "postgresql"


def lit(day: date) -> str:
    return f"DATE '{day.isoformat()}'" if _pg() else f"'{day.isoformat()}'"


def _ids(values) -> str:
    values = sorted({int(v) for v in values})
    return ", ".join(map(str, values)) if values else "-1"


def _plus_days(expr: str, days: int) -> str:
    return f"({expr} + {int(days)})" if _pg() else f"date({expr}, '+{int(days)} days')"


def _first_repeat(col: str) -> str:
    # 重复信访日期按收到先后存：第一项最早。窗口内有无重复信访只看最早的一项。
    return f"CAST(({col} ->> 0) AS date)" if _pg() else f"json_extract({col}, '$[0]')"


def _last_review_in(col: str, start: date, end: date) -> str:
    """期间内作出的最近一项复查（复核）意见是否改变了原意见：1 / 0，期间内没有为 NULL。"""
    if _pg():
        return (f"(CASE WHEN jsonb_array_length({col}) > 0 THEN (SELECT CASE WHEN (e ->> 1)::boolean THEN 1 ELSE 0 END "
                f"FROM jsonb_array_elements({col}) WITH ORDINALITY AS t(e, i) "
                f"WHERE CAST(e ->> 0 AS date) BETWEEN {lit(start)} AND {lit(end)} ORDER BY i DESC LIMIT 1) END)")
    return (f"(CASE WHEN json_array_length({col}) > 0 THEN (SELECT CASE WHEN json_extract(j.value, '$[1]') "
            f"THEN 1 ELSE 0 END FROM json_each({col}) j WHERE json_extract(j.value, '$[0]') BETWEEN {lit(start)} "
            f"AND {lit(end)} ORDER BY j.key DESC LIMIT 1) END)")


def _between(expr: str, start: date, end: date) -> str:
    return f"({expr} IS NOT NULL AND {expr} BETWEEN {lit(start)} AND {lit(end)})"


def matter_conditions(start: date, end: date, as_of: date, *, heads, grassroots) -> dict[str, tuple[str, str]]:
    """{指标: (分母条件, 分子条件)}，列名见 matter_sql 的内层查询。与 registry 的 select 一一对应。"""
    a = lit(as_of)
    received = _between("x.received_on", start, end)
    replied = _between("x.replied_on", start, end)
    finished = _between("x.finished_on", start, end)

    def backlog(months: int):
        cutoff = lit(_months_before(start, months))
        den = (f"(x.received_on < {cutoff} AND NOT (x.early = 1 AND x.finished_on IS NULL) "
               f"AND NOT (x.finished_on IS NOT NULL AND x.finished_on < {lit(start)}))")
        return den, f"(x.finished_on IS NOT NULL AND x.finished_on <= {lit(end)})"

    return {
        "acceptance_notice_on_time": (
            f"({received} AND x.acceptance_due IS NOT NULL AND NOT (x.decided_on IS NULL AND x.acceptance_due >= {a}))",
            "(x.decided_on IS NOT NULL AND x.decided_on <= x.acceptance_due)"),
        "handling_on_time": (
            f"(x.matter_type = '{MatterType.COMPLAINT.value}' AND {_between('x.handling_due', start, end)} "
            f"AND NOT (x.reply_made IS NULL AND x.handling_due >= {a}))",
            "(x.reply_made IS NOT NULL AND x.reply_made <= x.handling_due)"),
        "first_time_resolution": (
            replied,
            "(NOT (x.first_repeat IS NOT NULL AND x.first_repeat <= x.window_end) "
            "AND NOT (x.review_requested_on IS NOT NULL AND x.review_requested_on <= x.window_end) "
            "AND x.unsatisfied = 0)"),
        "repeat_rate": (received, "(x.is_repeat = 1)"),
        "skip_level_count": (f"({received} AND x.is_skip_level = 1)", "(1 = 1)"),
        "collective_count": (f"({received} AND x.is_collective = 1)", "(1 = 1)"),
        "backlog_3m_resolution": backlog(3),
        "backlog_6m_resolution": backlog(6),
        "review_overturn_rate": ("(x.last_review IS NOT NULL)", "(x.last_review = 1)"),
        "head_handling_share": (f"({replied} AND x.drafter_id IS NOT NULL)", f"(x.drafter_id IN ({_ids(heads)}))"),
        "grassroots_resolution_share": (
            finished, f"(x.department_id IN ({_ids(grassroots)}) AND x.review_requested_on IS NULL)"),
    }


def _sums(conditions: dict[str, tuple[str, str]], *, only: str = "1 = 1") -> str:
    cols = []
    for den, num in conditions.values():
        den = f"{only} AND {den}"
        cols.append(f"SUM(CASE WHEN {den} AND {num} THEN 1 ELSE 0 END)")
        cols.append(f"SUM(CASE WHEN {den} THEN 1 ELSE 0 END)")
    return ", ".join(cols)


def _fold(rows, keys, own) -> None:
    for grp, *values in rows:
        for i, key in enumerate(keys):
            n, d = int(values[2 * i] or 0), int(values[2 * i + 1] or 0)
            if d:
                c = own[key][grp]
                c[0] += n
                c[1] += d


def _bool(expr: str) -> str:
    # SQLite 的布尔列是 0 / 1，PostgreSQL 是 boolean：统一成整数再比较。
    return f"(CASE WHEN {expr} THEN 1 ELSE 0 END)"


def matter_scope(start: date, end: date, department_ids=None):
    q = Matter.objects.filter(F._matter_scope(start, end), received_on__lte=end)
    if department_ids is not None:
        q = q.filter(department_id__in=department_ids)
    return q


def _matter_counts(start, end, as_of, *, group_by, department_ids, heads, grassroots, own) -> None:
    from .aggregates import CURSOR
    from .models import MatterSnapshot

    scope = matter_scope(start, end, department_ids)
    cols = ("id", "department_id", "handler_id", "status", "matter_type", "received_on", "acceptance_due",
            "accepted_on", "handling_due", "reply_delivered_on", "closed_on", "is_collective", "is_skip_level",
            "review_requested_on")
    sql, params = scope.values_list(*cols).order_by().query.sql_with_params()
    if department_ids is None and not _pg():
        # 全部单位、一段期间：SQLite 会沿 received_on 索引逐行回表（几十万次随机读），不如顺序扫一遍事项表。
        sql = sql.replace('FROM "petitions_matter"', 'FROM "petitions_matter" NOT INDEXED', 1)
    snap = MatterSnapshot._meta.db_table
    event = MatterEvent._meta.db_table
    visit = ReturnVisit._meta.db_table
    position = cursors.position(CURSOR)
    # 可以用快照的事项：快照版本对、且游标之后（含安全窗口）没有新办理记录。其余的（fresh = 0）交给补算。
    fresh = "s.matter_id IS NOT NULL"
    if position is not None:
        fresh += (f" AND q.id NOT IN (SELECT matter_id FROM {event} "
                  f"WHERE id > {int(position - cursors.SAFETY_WINDOW)})")
    early_states = ", ".join(f"'{s.value}'" for s in F.EARLY_DISPOSALS.values())
    decided = "COALESCE(q.accepted_on, s.early_decided_on)"
    unsatisfied = (f"SELECT matter_id FROM {visit} WHERE satisfaction = '{Satisfaction.UNSATISFIED.value}' "
                   f"OR online_rating = '{Satisfaction.UNSATISFIED.value}'")
    group = "q.handler_id" if group_by == "handler" else "q.department_id"
    inner = (
        f"SELECT {group} AS grp, q.id, CASE WHEN {fresh} THEN 1 ELSE 0 END AS fresh, "
        f"q.department_id, q.matter_type, q.received_on, q.acceptance_due, q.handling_due, "
        f"q.review_requested_on, q.reply_delivered_on AS replied_on, {decided} AS decided_on, "
        f"CASE WHEN q.status IN ({early_states}) THEN 1 ELSE 0 END AS early, "
        f"COALESCE(q.closed_on, CASE WHEN q.status IN ({early_states}) THEN {decided} END) AS finished_on, "
        f"CASE WHEN s.replied_on IS NOT NULL AND (q.accepted_on IS NULL OR s.replied_on >= q.accepted_on) "
        f"THEN s.replied_on END AS reply_made, "
        f"{_first_repeat('s.repeat_dates')} AS first_repeat, "
        f"{_plus_days('q.reply_delivered_on', FIRST_RESOLUTION_WINDOW_DAYS)} AS window_end, "
        f"{_last_review_in('s.reviews', start, end)} AS last_review, "
        f"{_bool('s.is_repeat')} AS is_repeat, {_bool('q.is_skip_level')} AS is_skip_level, "
        f"{_bool('q.is_collective')} AS is_collective, s.drafter_id, "
        f"CASE WHEN q.id IN ({unsatisfied}) THEN 1 ELSE 0 END AS unsatisfied "
        f"FROM ({sql}) q LEFT JOIN {snap} s ON s.matter_id = q.id AND s.version = {int(F.DERIVED_VERSION)}"
    )
    conditions = matter_conditions(start, end, as_of, heads=heads, grassroots=grassroots)
    stale_ids = ("string_agg(CASE WHEN x.fresh = 0 THEN CAST(x.id AS text) END, ',')" if _pg()
                 else "group_concat(CASE WHEN x.fresh = 0 THEN x.id END)")
    # 一遍扫描：每个单位一行——各指标的分子、分母（只数 fresh 的），以及要补算的事项编号。
    with connection.cursor() as c:
        # MATERIALIZED：内层每行的表达式只算一次（否则展开后每个 CASE 引用一次就重算一次）。
        c.execute(f"WITH x AS MATERIALIZED ({inner}) "
                  f"SELECT grp, {stale_ids}, {_sums(conditions, only='x.fresh = 1')} FROM x GROUP BY grp", params)
        rows = c.fetchall()
    stale = set()
    for row in rows:
        if row[1]:
            stale.update(int(x) for x in str(row[1]).split(","))
    _fold([(r[0], *r[2:]) for r in rows], list(conditions), own)
    if not stale:
        return
    # 不进 SQL 的事项：当场算事实、按登记表判定（与 facts.load 相同的补算规则）。
    facts = F.Facts(start=start, end=end, as_of=as_of, matters=[], visits=[], orders=[], receptions=[])
    for chunk in F._chunks(sorted(stale)):
        facts.matters.extend(F.matter_facts(Matter.objects.filter(pk__in=chunk), heads=heads,
                                            grassroots=set(grassroots)))
    _python_counts(facts, MATTER_KEYS, group_by=group_by, own=own)


def _visit_counts(start, end, as_of, *, group_by, department_ids, own) -> None:
    q = ReturnVisit.objects.filter(replied_on__range=(start, end))
    if department_ids is not None:
        q = q.filter(department_id__in=department_ids)
    sql, params = q.values_list("department_id", "handler_id", "done_at", "due_on", "contacted_on", "method",
                                "solved", "satisfaction", "online_rating").order_by().query.sql_with_params()
    due = f"(v.done_at IS NOT NULL OR v.due_on < {lit(as_of)})"
    sat = "(CASE WHEN v.satisfaction <> '' THEN v.satisfaction ELSE v.online_rating END)"
    good = ", ".join(f"'{x}'" for x in F.SATISFIED_VALUES)
    conditions = {
        "return_visit_rate": (due, "(v.done_at IS NOT NULL)"),
        "response_rate": (due, f"(v.done_at IS NOT NULL AND v.method <> '{ContactMethod.UNREACHED.value}' "
                               f"AND v.contacted_on IS NOT NULL AND v.contacted_on <= v.due_on)"),
        "resolution_rate": (f"(v.solved IN ({', '.join(repr(str(s)) for s in Solved.values)}))",
                            f"(v.solved = '{Solved.YES.value}')"),
        "satisfaction_rate": (f"({sat} <> '')", f"({sat} IN ({good}))"),
    }
    group = "v.handler_id" if group_by == "handler" else "v.department_id"
    with connection.cursor() as c:
        c.execute(f"SELECT {group}, {_sums(conditions)} FROM ({sql}) v GROUP BY {group}", params)
        _fold(c.fetchall(), list(conditions), own)


def _reception_counts(start, end, *, group_by, department_ids, heads, own) -> None:
    since, until = F._day_bounds(start, end)
    q = Petition.objects.filter(channel=Channel.VISIT, received_at__gte=since, received_at__lt=until)
    if department_ids is not None:
        q = q.filter(matter__department_id__in=department_ids)
    sql, params = q.values_list("matter__department_id", "registered_by_id").order_by().query.sql_with_params()
    conditions = {"head_reception_share": ("(1 = 1)", f"(r.registered_by_id IN ({_ids(heads)}))")}
    # 来访接待没有承办人：按人统计时归入 None（与 compute 相同）。
    group = "NULL" if group_by == "handler" else "r.matter__department_id"
    with connection.cursor() as c:
        c.execute(f"SELECT {group}, {_sums(conditions)} FROM ({sql}) r GROUP BY 1", params)
        _fold(c.fetchall(), list(conditions), own)


def _python_counts(facts, keys, *, group_by, own) -> None:
    handler = group_by == "handler"
    for key in keys:
        metric = BY_KEY[key]
        for record in getattr(facts, metric.source):
            hit = metric.select(record, facts)
            if hit is None:
                continue
            c = own[key][getattr(record, "handler_id", None) if handler else record.department_id]
            c[1] += 1
            if hit:
                c[0] += 1


def own_counts(start: date, end: date, *, as_of: date | None = None, department_ids=None,
               group_by: str = "department") -> dict[str, dict]:
    """{指标: {单位（或承办人）id: [分子, 分母]}}，只算记录自己的单位，不含下级。"""
    as_of = as_of or clock.today()
    own: dict = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    heads = F.head_staff_ids()
    grassroots = set(Department.objects.filter(kind__in=F.GRASSROOTS_KINDS).values_list("pk", flat=True))
    _matter_counts(start, end, as_of, group_by=group_by, department_ids=department_ids, heads=heads,
                   grassroots=grassroots, own=own)
    _visit_counts(start, end, as_of, group_by=group_by, department_ids=department_ids, own=own)
    _reception_counts(start, end, group_by=group_by, department_ids=department_ids, heads=heads, own=own)
    small = F.Facts(start=start, end=end, as_of=as_of, matters=[], visits=[],
                    orders=F.load_orders(start, end, department_ids=department_ids), receptions=[],
                    executions=F.load_executions(start, end, department_ids=department_ids),
                    screenings=F.load_screenings(start, end, department_ids=department_ids))
    rest = [m.key for m in F_METRICS() if m.key not in (*MATTER_KEYS, *VISIT_KEYS, *RECEPTION_KEYS)]
    _python_counts(small, rest, group_by=group_by, own=own)
    return own


def F_METRICS():
    from .registry import METRICS

    return [m for m in METRICS if m.select is not None]
