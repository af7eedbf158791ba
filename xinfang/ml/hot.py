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


def _vectors(messages: Sequence[Message]):
    """L2-normalised TF-IDF of character 2–3-grams of title (twice) and the start of the text."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    # No max_df cut: with a few hundred messages, a place named in many of them would be
    # dropped as "common" and two estates' issues would look alike; IDF already discounts it.
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True, min_df=2, dtype=np.float32)
    try:
        return vectorizer.fit_transform(_documents(messages)).tocsr()
    except ValueError:  # every document empty or only common n-grams
        return None


def _neighbour_graph(X, k: int, floor: float):
    """Sparse graph of each message's ``k`` most similar (cosine ≥ ``floor``), computed in blocks."""
    from scipy.sparse import coo_matrix

    n = X.shape[0]
    k = min(k, n - 1)
    rows, cols, vals = [], [], []
    block = 2048
    XT = X.T.tocsc()
    for start in range(0, n, block):
        S = (X[start : start + block] @ XT).toarray()
        S[np.arange(S.shape[0]), start + np.arange(S.shape[0])] = -1.0
        idx = np.argpartition(-S, k - 1, axis=1)[:, :k] if k < n - 1 else np.argsort(-S, axis=1)[:, :k]
        sim = np.take_along_axis(S, idx, axis=1)
        keep = sim >= floor
        r = np.repeat(np.arange(start, start + S.shape[0]), k).reshape(-1, k)
        rows.append(r[keep])
        cols.append(idx[keep])
        vals.append(sim[keep])
    rows_, cols_ = np.concatenate(rows), np.concatenate(cols)
    return coo_matrix((np.concatenate(vals), (rows_, cols_)), shape=(n, n)).tocsr()


def cluster_messages(
    messages: Sequence[Message],
    *,
    candidate: float = 0.25,
    join: float = 0.40,
    merge: float = 1.0,
    neighbours: int = 20,
    near_duplicate: float = 0.5,
) -> np.ndarray:
    """Return a cluster label per message (messages of one issue share a label).

    1. candidates: each message's ``neighbours`` nearest by cosine of character 2–3-gram
       TF-IDF (title counted twice) with similarity ≥ ``candidate``, plus MinHash near-
       duplicates (:mod:`xinfang.ml.dedupe`); connected components of that graph bound the
       work (one month of petitions falls into many small components);
    2. inside each component, average-linkage agglomerative clustering on 1 − cosine, cut
       at 1 − ``join``. Average linkage needs a group to be alike *as a whole*: a message
       about the right place but another grievance, or the right grievance at another place,
       shares only half its n-grams with the group and cannot chain two issues together the
       way single links (connected components alone) do;
    3. two messages whose titles name different places are kept apart (distance 1): "油烟
       扰民" in two estates is two issues, however alike the letters;
    4. optionally (``merge`` < 1) clusters naming one place with centroids at cosine ≥ ``merge``
       are joined. Off by default: at 0.3 it gathers hot.csv's 丽发新城搅拌站 letters (8 small
       clusters → 16 + 10) but merges different grievances at one place in the injected corpus
       (ARI 0.90 → 0.36–0.65); see benchmarks/warning/README.md.
    """
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.sparse.csgraph import connected_components

    from .dedupe import NearDuplicateIndex

    n = len(messages)
    if n == 0:
        return np.zeros(0, dtype=int)
    if n == 1:
        return np.zeros(1, dtype=int)
    X = _vectors(messages)
    if X is None:
        return np.arange(n)
    graph = _neighbour_graph(X, neighbours, candidate)
    index = NearDuplicateIndex(threshold=near_duplicate, num_perm=64)
    texts = [f"{m.title}{m.text}" for m in messages]
    index.add_many(enumerate(texts))
    extra_r, extra_c = [], []
    for i, text in enumerate(texts):
        if i in index:
            for j, _similarity in index.query(text, k=None, exclude=i):
                if int(j) != i:
                    extra_r.append(i)
                    extra_c.append(int(j))
    if extra_r:
        from scipy.sparse import coo_matrix

        graph = graph + coo_matrix((np.ones(len(extra_r), dtype=np.float32), (extra_r, extra_c)), shape=(n, n))
    _count, components = connected_components(graph, directed=False)
    title_places = [set(extract_place(m.title)) for m in messages]
    labels = np.full(n, -1, dtype=np.int64)
    next_label = 0
    order = np.argsort(components, kind="stable")
    bounds = np.flatnonzero(np.diff(components[order])) + 1
    for members in np.split(order, bounds):
        if len(members) == 1:
            labels[members[0]] = next_label
            next_label += 1
            continue
        sub = X[members]
        S = (sub @ sub.T).toarray().astype(np.float64)
        D = np.clip(1.0 - S, 0.0, 1.0)
        for a_pos, a in enumerate(members):
            ta = title_places[a]
            if not ta:
                continue
            for b_pos in range(a_pos + 1, len(members)):
                tb = title_places[members[b_pos]]
                if tb and not _overlap(ta, tb):
                    D[a_pos, b_pos] = D[b_pos, a_pos] = 1.0
        np.fill_diagonal(D, 0.0)
        condensed = D[np.triu_indices(len(members), 1)]
        tree = linkage(condensed, method="average")
        local = fcluster(tree, t=1.0 - join, criterion="distance")
        labels[members] = next_label + local - 1
        next_label += int(local.max())
    return _merge_same_place(labels, X, title_places, merge) if merge < 1.0 else labels


def _merge_same_place(labels: np.ndarray, X, title_places: list[set], merge: float) -> np.ndarray:
    """Join clusters whose titles name one place and whose TF-IDF centroids are close (cosine ≥ ``merge``):
    long, differently worded letters about one estate's grievance ("搅拌站" / "搅拌厂") stay apart under
    average linkage, but their centroids are alike."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components
    from sklearn.preprocessing import normalize

    n_labels = int(labels.max()) + 1
    places: list[set] = [set() for _ in range(n_labels)]
    for i, label in enumerate(labels):
        places[label] |= title_places[i]
    with_place = [c for c in range(n_labels) if places[c]]
    if len(with_place) < 2:
        return labels
    M = csr_matrix((np.ones(len(labels)), (labels, np.arange(len(labels)))), shape=(n_labels, len(labels)))
    centroids = normalize(M @ X)
    # Candidate pairs share a place name (containment counts): index clusters by each name.
    by_name: dict[str, list[int]] = {}
    for c in with_place:
        for name in places[c]:
            by_name.setdefault(name, []).append(c)
    names = sorted(by_name, key=len)
    rows, cols = [], []
    for i, a in enumerate(names):
        group = set(by_name[a])
        for b in names[i + 1 :]:
            if a in b:
                group |= set(by_name[b])
        group_list = sorted(group)
        if len(group_list) < 2:
            continue
        S = (centroids[group_list] @ centroids[group_list].T).toarray()
        x, y = np.nonzero(np.triu(S, 1) >= merge)
        rows.extend(group_list[k] for k in x)
        cols.extend(group_list[k] for k in y)
    if not rows:
        return labels
    graph = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n_labels, n_labels))
    _count, joined = connected_components(graph, directed=False)
    return joined[labels]


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
