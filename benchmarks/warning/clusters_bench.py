"""Shared-grievance clusters: ARI on a corpus with injected issue clusters.

    .venv/bin/python benchmarks/warning/clusters_bench.py [--issues 40] [--background 2000] [--seeds 0 1 2]
    XINFANG_VAR_DIR=/work/bench1m .venv/bin/python benchmarks/warning/clusters_bench.py --db-days 30 --seeds 0 1 2

Injected issues: a place (estate, junction, car park, school, road) × a grievance (camera
fines, impound fees, congestion, noise, signals, parking) written 4–20 times by different
people, each message from a randomly chosen phrasing of the title, an optional district
prefix and a varied body. Issues sharing a grievance but not a place, and sharing a place
but not a grievance, are both present, so neither text nor place alone suffices.
Background: messages from ../shared/data/messages/hot.csv (read at run time, not copied).
ARI is over the injected messages; "contamination" is the share of injected clusters'
members that are background messages.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from xinfang.ml.hot import Message, cluster_messages  # noqa: E402

PLACES = ["枫林路与岳麓大道交叉口", "雨花区扣车停车场", "星沙实验小学", "丽景华庭小区", "万家丽高架桥下", "湘江中路隧道口",
          "金星北路", "桐梓坡路口", "暮云镇集贸市场", "火车南站广场", "梅溪湖二路", "东六路与漓楚路口", "松雅湖公园",
          "黄兴路步行街", "洋湖湿地公园", "月湖公园北门", "人民东路", "芙蓉南路立交", "长沙大道", "韶山南路"]
GRIEVANCES = {
    "camera": (["电子警察抓拍不合理", "摄像头误拍违章", "抓拍设备乱扣分", "电子眼拍黄灯不合理"],
               ["这个位置的电子警察经常误拍，很多车主被扣分罚款。", "抓拍设备设置不合理，黄灯也被拍，请核查。", "摄像头乱拍，大家都被罚了，希望撤销。"]),
    "impound": (["扣车保管费太高", "停车场乱收费", "取车要交高额停车费"],
                ["车辆被暂扣后每天收取高额保管费，取车还要另外交钱。", "停车场收费不透明，保管费比罚款还多。"]),
    "congestion": (["上下班高峰严重拥堵", "路口堵车严重", "交通拥堵无人疏导"],
                   ["每天早晚高峰车辆排长队，希望增派交警疏导。", "拥堵非常严重，建议优化信号灯配时。"]),
    "noise": (["夜间施工噪音扰民", "渣土车噪音扰民", "工地噪音影响休息"],
              ["晚上十一点以后还在施工，噪音很大，居民无法休息。", "渣土车半夜来回，噪音和灰尘都很大。"]),
    "signal": (["红绿灯时间太短", "信号灯配时不合理", "行人过街绿灯太短"],
               ["绿灯只有十几秒，老人孩子过不去马路。", "信号灯配时不合理，车辆和行人都抢行。"]),
    "parking": (["乱停车无人管", "占道停车严重", "违停堵塞消防通道"],
                ["路边车辆乱停乱放，消防通道都被堵了。", "占道停车严重，希望交警加强巡查。"]),
}
DISTRICTS = ["", "A市", "A2区", "A3区", "A7县"]
LEADS = ["", "投诉", "反映", "关于", "请求解决"]


def injected(rng: np.random.Generator, issues: int, start: datetime) -> tuple[list[Message], list[int]]:
    pairs = [(p, g) for p in PLACES for g in GRIEVANCES]
    chosen = rng.choice(len(pairs), size=issues, replace=False)
    messages, labels = [], []
    for label, pick in enumerate(chosen):
        place, grievance = pairs[int(pick)]
        titles, bodies = GRIEVANCES[grievance]
        district = DISTRICTS[int(rng.integers(len(DISTRICTS)))]
        for j in range(int(rng.integers(4, 21))):
            lead = LEADS[int(rng.integers(len(LEADS)))]
            title = f"{lead}{district if rng.random() < 0.7 else ''}{place}{titles[int(rng.integers(len(titles)))]}"
            body = f"{place}{bodies[int(rng.integers(len(bodies)))]}已经{int(rng.integers(2, 30))}天了，请尽快处理。"
            when = start + timedelta(days=float(rng.uniform(0, 60)))
            messages.append(Message(f"inj{label}-{j}", title, body, f"p{label}-{j}", when))
            labels.append(label)
    return messages, labels


def background(path: Path, n: int, rng: np.random.Generator) -> list[Message]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    picks = rng.choice(len(rows), size=min(n, len(rows)), replace=False)
    out = []
    for i in picks:
        r = rows[int(i)]
        out.append(Message(f"bg{r['id']}", r["title"], r["text"], r["user"], datetime(2026, 3, 1)))
    return out


def db_background(days: int) -> list[Message]:
    """The last ``days`` days of petitions in the database (``XINFANG_VAR_DIR``), read only: the
    large-corpus path of the clustering (a month at 1M is ~55k messages) under injected issues."""
    from datetime import timedelta as _td

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.settings")
    import django

    django.setup()
    from django.db.models import Max

    from xinfang.core import clock
    from xinfang.petitions.models import Petition

    newest = Petition.objects.aggregate(m=Max("received_at"))["m"]
    rows = Petition.objects.filter(received_at__gt=newest - _td(days=days)).values_list(
        "pk", "content", "matter_id", "received_at")
    return [Message(f"db{pk}", c[:30], c, f"m{m}", clock.localtime(at).replace(tzinfo=None)) for pk, c, m, at in rows]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--issues", type=int, default=40)
    parser.add_argument("--background", type=int, default=2000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--demand", type=float, default=None, help="第二步合并：同地点且诉求质心余弦 ≥ 此值（1 关闭）")
    parser.add_argument("--data", default=os.environ.get("XINFANG_SHARED_DATA", "../shared/data"))
    parser.add_argument("--db-days", type=int, default=0,
                        help="背景改用库里（XINFANG_VAR_DIR）近这么多天的信访件（只读），代替 hot.csv")
    args = parser.parse_args()
    database = db_background(args.db_days) if args.db_days else None
    hot = Path(args.data) / "messages" / "hot.csv"
    scores = []
    for seed in args.seeds:
        rng = np.random.default_rng(seed)
        msgs, truth = injected(rng, args.issues, datetime(2026, 3, 1))
        if database is not None:
            bg = database
        else:
            bg = background(hot, args.background, rng) if hot.exists() and args.background else []
        everything = msgs + bg
        order = rng.permutation(len(everything))
        shuffled = [everything[int(i)] for i in order]
        started = time.perf_counter()
        labels = cluster_messages(shuffled) if args.demand is None else cluster_messages(shuffled, demand=args.demand)
        seconds = time.perf_counter() - started
        by_id = {m.id: int(lab) for m, lab in zip(shuffled, labels)}
        predicted = [by_id[m.id] for m in msgs]
        ari = adjusted_rand_score(truth, predicted)
        injected_labels = set(predicted)
        members = [m for m in shuffled if by_id[m.id] in injected_labels]
        contamination = sum(1 for m in members if not m.id.startswith("inj")) / len(members)
        scores.append(ari)
        print(json.dumps({"seed": seed, "injected": len(msgs), "issues": args.issues, "background": len(bg),
                          "ari": round(ari, 4), "contamination": round(contamination, 4),
                          "seconds": round(seconds, 2)}), flush=True)
    print(json.dumps({"summary": True, "ari_mean": round(float(np.mean(scores)), 4), "ari_min": round(min(scores), 4)}))


if __name__ == "__main__":
    main()
