"""Shared grievances (热点与群体性苗头): messages about one issue, grouped, with a heat.

Imports no Django. The unit of interest is an *issue* (one camera, one junction, one
estate's developer, one policy), never a person: a cluster reports how many distinct
petitioners raised it, not who they are.

Grouping, in three steps:

1. near-duplicates (the MinHash index of :mod:`xinfang.ml.dedupe`, Jaccard ≥ 0.5 on
   character shingles) are always joined: a reposted letter is one issue;
2. every message is linked to its mutual nearest neighbours by cosine similarity of
   character 2–3-gram TF-IDF vectors of title (counted twice) and text, when the
   similarity passes ``link`` (``link_same_place`` among the 30 nearest when both titles
   name the same place), never when both titles name different places — "油烟扰民" in
   two estates is two issues, however alike the letters;
3. connected components of those links, each closed under the place rule.

Heat rises with distinct petitioners most, then messages, support (likes), growth in the
recent half of its span and the span itself.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from .text import normalize_text

__all__ = ["HotIssue", "Message", "cluster_messages", "hot_issues", "extract_place"]


@dataclass(frozen=True)
class Message:
    id: str
    title: str
    text: str
    user: str
    time: datetime | None  # 可选：没有时间的留言不参与首末时间与增长
    likes: int = 0
    dislikes: int = 0


@dataclass
class HotIssue:
    rank: int
    heat: float
    description: str
    place: str
    first: datetime | None
    last: datetime | None
    petitioners: int
    message_ids: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "rank": self.rank,
            "heat": round(self.heat, 3),
            "description": self.description,
            "place": self.place,
            "first": self.first.isoformat(sep=" ") if self.first else "",
            "last": self.last.isoformat(sep=" ") if self.last else "",
            "petitioners": self.petitioners,
            "message_ids": self.message_ids,
        }


# A specific place: a named estate, road, village, school… (the district alone is too coarse).
_PLACE_RE = re.compile(
    r"([\u4e00-\u9fa5A-Za-z0-9]{2,8}?(?:小区|花园|家园|公寓|广场|大厦|新城|新村|苑|庭|湾|城|园|"
    r"路|大道|街道|街|巷|镇|乡|村|社区|学校|学院|大学|中学|小学|医院|公园|市场|车站|高速|隧道|大桥|立交|停车场))"
)
_DISTRICT_RE = re.compile(r"[A-Z]\d{0,2}(?:区|县)|[A-Z]市")
# Leading words that are not part of a place name ("反映A3区…", "关于…", "投诉…").
_LEAD_RE = re.compile(r"^(?:反映|关于|投诉|举报|咨询|请问|建议|请求|解决|希望|强烈|要求|对于|我是|我们|本人|[A-Z]?\d{0,2}(?:区|县)|[A-Z]?市)+")
_GENERIC = frozenset({"城", "园", "路", "街", "村", "镇", "苑", "庭", "府", "湾", "乡", "巷"})
# Words that begin a phrase, not a name: "小区临街门面", "附近的路"…
_NOT_A_NAME = re.compile(r"^(?:小区|附近|社区|周边|我们|我的|这个|那个|一个|位于|所在|全部|以及|作为|出入口|门口|旁边|与|和|于|口)|临街|过街|马路|过不去|行人|路口|下路$")


def extract_place(text: str) -> list[str]:
    """Return the specific place names in ``text`` (most specific first, duplicates removed)."""
    found: list[str] = []
    for match in _PLACE_RE.finditer(text):
        # "污染的A2区丽发新城" / "建在A市丽发新城": the name is what follows the last 的 or district.
        name = re.split(r"的|在|[A-Z]\d{0,2}(?:区|县)|[A-Z]市", match.group(1))[-1]
        name = _LEAD_RE.sub("", name)
        if len(name) >= 3 and name not in _GENERIC and not _NOT_A_NAME.search(name) and name not in found:
            found.append(name)
    return found


def _district(text: str) -> str:
    match = _DISTRICT_RE.search(text)
    return match.group(0) if match else ""


def _documents(messages: Sequence[Message]) -> list[str]:
    # Places stay in the text: masking them was tried and split real issues whose letters
    # differ mostly in the place-free words (benchmarks/warning/README.md).
    return [normalize_text(f"{m.title} {m.title} {m.text[:200]}") for m in messages]


def _masked_vectors(messages: Sequence[Message], places: Sequence[set[str]]):
    """TF-IDF of title and text with the place names cut out: *what* is asked, not where."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = []
    for m, names in zip(messages, places):
        text = f"{m.title} {m.title} {m.text[:200]}"
        for name in sorted(names, key=len, reverse=True):
            text = text.replace(name, " ")
        docs.append(normalize_text(_DISTRICT_RE.sub(" ", text)))
    max_df = min(1.0, max(0.05, 30 / len(docs)))
    try:
        return TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True, min_df=2,
                               max_df=max_df).fit_transform(docs).tocsr()
    except ValueError:
        return None


def cluster_messages(
    messages: Sequence[Message],
    *,
    link: float = 0.30,
    link_other_place: float = 1.01,
    link_same_place: float = 0.25,
    link_same_what: float = 0.2,
    neighbours: int = 10,
    place_neighbours: int = 30,
    near_duplicate: float = 0.5,
    merge: float = 0.5,
) -> np.ndarray:
    """Return a cluster label per message (messages of one issue share a label)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from sklearn.feature_extraction.text import TfidfVectorizer

    from .dedupe import NearDuplicateIndex

    n = len(messages)
    if n == 0:
        return np.zeros(0, dtype=int)
    places = [set(extract_place(f"{m.title} {m.text[:200]}")[:3]) for m in messages]
    title_places = [set(extract_place(m.title)) for m in messages]
    docs = _documents(messages)
    # Drop n-grams in more than 5 % of a large corpus ("反映", "请相关部门"); a small one keeps them all.
    max_df = min(1.0, max(0.05, 30 / n))
    vectors = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True, min_df=2, max_df=max_df)
    try:
        X = vectors.fit_transform(docs)
    except ValueError:  # every document empty or only common n-grams
        return np.arange(n)
    masked = _masked_vectors(messages, [p | t for p, t in zip(places, title_places)])

    def _what_similarity(i: int, j: int) -> float:
        return float(masked[i].multiply(masked[j]).sum()) if masked is not None else 1.0

    rows: list[int] = []
    cols: list[int] = []
    k = min(max(neighbours, place_neighbours), n - 1)
    if k > 0:
        # Blocks keep the dense similarity rows small for a month of petitions.
        top: list[np.ndarray] = []
        sims: list[np.ndarray] = []
        block = 2048
        for start in range(0, n, block):
            S = (X[start : start + block] @ X.T).toarray()
            for i in range(S.shape[0]):
                S[i, start + i] = -1.0
            idx = np.argpartition(-S, k, axis=1)[:, :k] if k < n - 1 else np.argsort(-S, axis=1)[:, :k]
            top.append(idx)
            sims.append(np.take_along_axis(S, idx, axis=1))
        nn = np.vstack(top)
        nn_sim = np.vstack(sims)
        order = np.argsort(-nn_sim, axis=1)
        nn = np.take_along_axis(nn, order, axis=1)
        nn_sim = np.take_along_axis(nn_sim, order, axis=1)
        close_sets = [set(int(j) for j in row[:neighbours]) for row in nn]
        for i in range(n):
            for rank, (j, s) in enumerate(zip(nn[i], nn_sim[i])):
                j = int(j)
                a, b = title_places[i], title_places[j]
                if a and b and _overlap(a, b):
                    # One named place: a looser match of *what* is asked suffices (the 30 nearest,
                    # not only mutual), judged with the places cut out so the shared name alone
                    # does not join two grievances about one estate.
                    if s >= link_same_place and _what_similarity(i, j) >= link_same_what:
                        rows.append(i)
                        cols.append(j)
                    continue
                if rank >= neighbours or i not in close_sets[j]:
                    continue  # elsewhere only mutual nearest neighbours are linked
                if _linked(float(s), places[i], places[j], title_places[i], title_places[j], link, link_other_place):
                    rows.append(i)
                    cols.append(j)
    index = NearDuplicateIndex(threshold=near_duplicate, num_perm=64)
    index.add_many((i, f"{m.title}{m.text}") for i, m in enumerate(messages))
    for i, m in enumerate(messages):
        if i not in index:
            continue
        for j, _similarity in index.query(f"{m.title}{m.text}", k=None, exclude=i):
            a, b = title_places[i], title_places[int(j)]
            # A template letter sent about two estates is two issues, however alike the words.
            if j != i and not (a and b and not _overlap(a, b)):
                rows.append(i)
                cols.append(int(j))
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    _count, labels = connected_components(graph, directed=False)
    return _merge_close_clusters(labels, X, title_places, places, merge)


def _merge_close_clusters(labels: np.ndarray, X, title_places: list[set], places: list[set], merge: float) -> np.ndarray:
    """Join clusters (of ≥ 2 messages) whose TF-IDF centroids are close and whose places agree.

    Mutual nearest neighbours stay inside a tight group of reposts, so two groups about
    one issue in different words ("搅拌站" / "搅拌厂") would otherwise stay apart.
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components
    from sklearn.preprocessing import normalize

    sizes = np.bincount(labels)
    multi = np.flatnonzero(sizes >= 2)
    if len(multi) < 2:
        return labels
    position = {int(c): i for i, c in enumerate(multi)}
    rows = [position[int(c)] for c in labels if int(c) in position]
    members = [i for i, c in enumerate(labels) if int(c) in position]
    M = csr_matrix((np.ones(len(members)), (rows, members)), shape=(len(multi), len(labels)))
    centroids = normalize(M @ X)
    S = (centroids @ centroids.T).toarray()
    cluster_places: list[set] = [set() for _ in multi]
    for i in members:
        cluster_places[position[int(labels[i])]] |= title_places[i]
    a, b = np.nonzero(np.triu(S, 1) >= merge)
    keep = [
        (x, y) for x, y in zip(a, b)
        if not (cluster_places[x] and cluster_places[y]) or _overlap(cluster_places[x], cluster_places[y])
    ]
    if not keep:
        return labels
    k = len(multi)
    graph = csr_matrix((np.ones(len(keep)), ([x for x, _ in keep], [y for _, y in keep])), shape=(k, k))
    _count, joined = connected_components(graph, directed=False)
    out = labels.copy()
    offset = int(labels.max()) + 1
    for i in members:
        out[i] = offset + joined[position[int(labels[i])]]
    return out


def _linked(sim: float, pa: set, pb: set, ta: set, tb: set, link: float, other: float) -> bool:
    if sim < link:
        return False
    if ta and tb and not _overlap(ta, tb):
        # Titles naming two different places: a template letter sent about two estates.
        return sim >= other
    return True


def _overlap(a: set[str], b: set[str]) -> bool:
    # "丽发新城" and "丽发新城小区" are one place: containment counts as overlap.
    return any(x in y or y in x for x in a for y in b)


def hot_issues(
    messages: Sequence[Message], *, top: int = 10, labels: np.ndarray | None = None, min_messages: int = 2
) -> list[HotIssue]:
    """Return the ``top`` hottest issues, hottest first (single messages are not an issue)."""
    if labels is None:
        labels = cluster_messages(messages)
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(int(label), []).append(i)
    issues: list[HotIssue] = []
    for members in groups.values():
        if len(members) < min_messages:
            continue
        items = sorted((messages[i] for i in members), key=lambda m: (m.time is None, m.time or datetime.min, m.id))
        petitioners = len({m.user for m in items})
        likes = sum(max(m.likes, 0) for m in items)
        dated = [m for m in items if m.time is not None]
        first, last = (dated[0].time, dated[-1].time) if dated else (None, None)
        span_days = (last - first).total_seconds() / 86400 if dated else 0.0
        # Growth: share of dated messages in the latter half of the span (0.5 = steady).
        middle = first + (last - first) / 2 if dated else None
        growth = sum(1 for m in dated if m.time > middle) / len(dated) if span_days > 0 else 0.5
        heat = (
            3.0 * math.log1p(petitioners)
            + 1.0 * math.log1p(len(items))
            + 0.8 * math.log1p(likes)
            + 1.0 * (growth - 0.5)
            + 0.3 * math.log1p(span_days)
        )
        issues.append(
            HotIssue(0, heat, _describe(items), _place(items), first, last, petitioners, [m.id for m in items])
        )
    issues.sort(key=lambda h: (-h.heat, h.first or datetime.max))
    for rank, issue in enumerate(issues[:top], start=1):
        issue.rank = rank
    return issues[:top]


def _place(items: Sequence[Message]) -> str:
    """The most mentioned specific place (with its district), else the district."""
    counts: Counter[str] = Counter()
    districts: Counter[str] = Counter()
    for m in items:
        for name in set(extract_place(m.title) or extract_place(m.text[:200])[:1]):
            counts[name] += 1
        d = _district(f"{m.title}{m.text[:100]}")
        if d:
            districts[d] += 1
    district = districts.most_common(1)[0][0] if districts else ""
    if counts:
        name = counts.most_common(1)[0][0]
        return name if not district or district in name else f"{district}{name}"
    return district


def _describe(items: Sequence[Message]) -> str:
    """The title sharing most character bigrams with the rest of the cluster (its medoid),
    trimmed: it reads as a headline and names the issue in the petitioners' own words."""
    def grams(s: str) -> set[str]:
        s = normalize_text(s)
        return {s[i : i + 2] for i in range(len(s) - 1)}

    titles = [m.title.strip() or m.text[:30] for m in items]
    sets = [grams(t) for t in titles]
    total: Counter[str] = Counter()
    for s in sets:
        total.update(s)
    best = max(range(len(titles)), key=lambda i: (sum(total[g] - 1 for g in sets[i]) / (len(sets[i]) + 3), -i))
    title = titles[best]
    return title if len(title) <= 40 else title[:39] + "…"
