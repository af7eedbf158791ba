"""Shared grievances (热点与群体性苗头): messages about one issue, grouped, with a heat.

Imports no Django. The unit of interest is an *issue* (one camera, one junction, one
estate's developer, one policy), never a person: a cluster reports how many distinct
petitioners raised it, not who they are.

Grouping (details in :func:`cluster_messages`): candidates from each message's nearest
neighbours by cosine of character 2–3-gram TF-IDF; average-linkage clusters inside each
connected component, never joining two titles that name different places ("油烟扰民" in two
estates is two issues); then a second stage joins clusters that name the SAME place AND ask
the same thing (centroid cosine of the place-free text), so one estate's differently worded
letters become one issue while another grievance there, or the same grievance elsewhere, stays
apart.

Heat is the number of distinct petitioners; growth in the recent half of its span, the span,
support (likes, capped) and repeated messages add less than one between them, so they only
order issues raised by equally many people.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
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
    r"([\u4e00-\u9fa5A-Za-z0-9]{2,8}?(?:小区|花园|家园|公寓|城际[\u4e00-\u9fa5]{1,4}?站|城市广场|广场|大厦|新城|新村|苑|庭院|庭|湾|"
    # A one-character suffix that begins a longer word ("绿地城际空间站", "园区", "村民") does not end the name.
    r"城(?!际|市|区|管|乡)|园(?!区|林)|(?<!铁)路|大道|街道|街|巷|镇|乡|村(?!民|委)|社区|学校|学院|大学|中学|小学|幼儿园|医院|公园|市场|车站|"
    r"高速|隧道|大桥|立交|停车场))"
)
# The kind of place without its name: "公办幼儿园", "配套幼儿园", "普惠性幼儿园", "幼儿园" are not one place.
_KIND_ONLY_RE = re.compile(
    r"^(?:公办|公立|民办|民营|私立|普惠性|普惠制|普惠|配套|附属|盈利性|营利性|非营利性|一所|这所|该|本|附近|周边|小区|社区|"
    r"新建|在建|现有|所有|部分|各|全市|全县|全区)*(?:幼儿园|学校|学院|大学|中学|小学|医院|公园|市场|广场|停车场|园)$"
)
# A name shared by institutions in many districts ("实验中学", "第三幼儿园", "人民医院"): the district is part of it.
_NEEDS_DISTRICT_RE = re.compile(r"^(?:实验|第[一二三四五六七八九十百\d]+|人民|中心|中医|妇幼|育才|外国语)(?:幼儿园|学校|中学|小学|医院)$")
# Words a match drags in front of a name that are not part of it: cut after the last of them
# ("小孩无法上中海幼儿园" → "中海幼儿园", "何时办成普惠性幼儿园" → "普惠性幼儿园", then rejected as a kind).
_CUT_AFTER_RE = re.compile(r"^.*(?:无法上|上不了|没办法上|不能上|办成|改为|改成|转成|调整到|按照|除了|没有|无一所|无|或)")
_DISTRICT_RE = re.compile(r"[A-Z]\d{0,2}(?:区|县)|[A-Z]市")
# Leading words that are not part of a place name ("反映A3区…", "关于…", "投诉…").
_LEAD_RE = re.compile(r"^(?:反映|关于|投诉|举报|咨询|请问|建议|请求|解决|希望|强烈|要求|对于|我是|我们|本人|[A-Z]?\d{0,2}(?:区|县)|[A-Z]?市)+")
_GENERIC = frozenset({"城", "园", "路", "街", "村", "镇", "苑", "庭", "府", "湾", "乡", "巷"})
# Words that begin a phrase, not a name: "小区临街门面", "附近的路"…
_NOT_A_NAME = re.compile(r"^(?:小区|附近|社区|周边|我们|我的|这个|那个|一个|位于|所在|全部|以及|作为|出入口|门口|旁边|与|和|于|口)|临街|过街|马路|过不去|行人|路口|下路$")


# Words a lazy match drags in front of a name: "是丽发新城", "往丽发新城", "噪音污水影响丽发新城".
_VERB_LEAD_RE = re.compile(
    r"^(?:.*?(?:影响|污染|位于|靠近|搬迁到|看到|说|旁边|附近|对面|隔壁|投诉|反映|举报))|^[是有往离做还给到向从对被把让近我你他她]+"
)
# An estate name + 小区/社区 is the estate ("丽发新城小区" = "丽发新城"); a verb + 小区 is not a name.
_ESTATE_END_RE = re.compile(r"(?:新城|新村|花园|家园|公寓|广场|大厦|苑|庭|湾|城|园|府|居|里|郡|湖|山|庄)$")
_NOT_IN_NAME = re.compile(r"[我你他还离做给这那未违么吗呢了着过很都也又再就才被把让对是有在的以为]|严重|影响|建设|污染|扰民")
# Too coarse to say two clusters are about one issue (a 街道 holds many estates).
_COARSE_RE = re.compile(r"(?:街道|镇|乡|区|县|市)$")


def _canonical(name: str) -> str:
    """Clean one matched name; "" when it is not a place name."""
    cut = _CUT_AFTER_RE.sub("", name)
    if len(cut) >= 2:
        name = cut
    name = _LEAD_RE.sub("", name)
    stripped = _VERB_LEAD_RE.sub("", name)
    if len(stripped) >= 3:
        name = stripped
    for suffix in ("小区", "社区"):
        if name.endswith(suffix) and name != suffix:
            core = name[: -len(suffix)]
            if _NOT_IN_NAME.search(core) or len(core) < 2:
                return ""
            if _ESTATE_END_RE.search(core) and len(core) >= 3:
                name = core
    return name


def extract_place(text: str) -> list[str]:
    """Return the specific place names in ``text`` (most specific first, duplicates removed)."""
    return list(_extract_place(text))


@lru_cache(maxsize=65536)
def _extract_place(text: str) -> tuple[str, ...]:
    # Cached: clustering, the demand merge and the description ask about the same titles again.
    found: list[str] = []
    for match in _PLACE_RE.finditer(text):
        # "污染的A2区丽发新城" / "建在A市丽发新城": the name is what follows the last 的 or district,
        # except a name that many districts share ("A3区实验中学", "长郡A1区实验中学"), which keeps
        # the district and the name before it: the full name, so two such schools stay two places.
        pieces = re.split(r"(的|在|[A-Z]\d{0,2}(?:区|县)|[A-Z]市)", match.group(1))
        name = _canonical(pieces[-1])
        if _NEEDS_DISTRICT_RE.match(name) and len(pieces) >= 3 and re.fullmatch(r"[A-Z]\d{0,2}(?:区|县)", pieces[-2]):
            before = _canonical(pieces[-3]) if len(pieces) >= 3 else ""
            before = before if len(before) >= 2 and not _DISTRICT_RE.fullmatch(before) else ""
            name = f"{before}{pieces[-2]}{name}"
        if (len(name) >= 3 and name not in _GENERIC and not _NOT_A_NAME.search(name) and not _KIND_ONLY_RE.match(name)
                and name not in found):
            found.append(name)
    return tuple(found)


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


# 大语料（一个月的信访件，几万条）：近邻搜索时去掉出现在很多条里的 n 元（模板句"程序不合法"一类），
# 稀疏乘积才不会变稠密；找到的候选对再用完整向量算余弦、按 ``floor`` 取舍。几千条以下（hot.csv、注入语料）不变。
LARGE_CORPUS = 10000
SEARCH_MAX_DF = 0.01
# 分量内平均连接是 O(n²) 的内存与时间：超过这么多条的分量改用近邻图中余弦 ≥ join 的边的连通分量（单连接）。
MAX_LINKAGE = 5000
APART = 1e9  # distance between titles naming different places: never joined by average linkage


def _search_matrix(X):
    """The matrix the neighbour search multiplies: ``X`` itself, or for a large corpus ``X`` without its
    commonest columns (document frequency > ``SEARCH_MAX_DF``), rows re-normalised."""
    from sklearn.preprocessing import normalize

    n = X.shape[0]
    if n <= LARGE_CORPUS:
        return X
    df = np.bincount(X.indices, minlength=X.shape[1])
    keep = np.flatnonzero(df <= max(SEARCH_MAX_DF * n, 50))
    return normalize(X[:, keep]).astype(np.float32).tocsr()


def _neighbour_graph(X, k: int, floor: float):
    """Sparse graph of each message's ``k`` most similar (cosine ≥ ``floor``), computed in blocks."""
    from scipy.sparse import coo_matrix

    n = X.shape[0]
    k = min(k, n - 1)
    if n > LARGE_CORPUS:
        return _neighbour_graph_large(X, k, floor)
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


def _neighbour_graph_large(X, k: int, floor: float):
    """The same graph for a large corpus, approximately: the search multiplies the pruned vectors
    (:func:`_search_matrix`), keeps the product sparse (pairs below ``floor / 2`` there are dropped),
    takes each row's ``k`` best, then scores those pairs by their cosine over the full vectors."""
    from scipy.sparse import coo_matrix

    n = X.shape[0]
    Y = _search_matrix(X)
    YT = Y.T.tocsc()
    rows, cols = [], []
    block = 4096
    for start in range(0, n, block):
        P = (Y[start : start + block] @ YT).tocoo()
        r, c, v = P.row + start, P.col, P.data
        keep = (v >= floor / 2) & (r != c)
        r, c, v = r[keep], c[keep], v[keep]
        order = np.lexsort((-v, r))
        r, c = r[order], c[order]
        first = np.searchsorted(r, r, side="left")  # r is sorted: position of each row's first pair
        top = (np.arange(len(r)) - first) < k
        rows.append(r[top])
        cols.append(c[top])
    rows_, cols_ = np.concatenate(rows), np.concatenate(cols)
    sims = np.empty(len(rows_), dtype=np.float32)
    for s in range(0, len(rows_), 200_000):  # the cosine of each candidate pair over the full vectors
        a, b = rows_[s : s + 200_000], cols_[s : s + 200_000]
        sims[s : s + 200_000] = np.asarray(X[a].multiply(X[b]).sum(axis=1)).ravel()
    keep = sims >= floor
    return coo_matrix((sims[keep], (rows_[keep], cols_[keep])), shape=(n, n)).tocsr()


def cluster_messages(
    messages: Sequence[Message],
    *,
    candidate: float = 0.25,
    join: float = 0.40,
    merge: float = 1.0,
    demand: float = 0.3,
    neighbours: int = 20,
) -> np.ndarray:
    """Return a cluster label per message (messages of one issue share a label).

    1. candidates: each message's ``neighbours`` nearest by cosine of character 2–3-gram
       TF-IDF (title counted twice) with similarity ≥ ``candidate`` (near-duplicates are each
       other's nearest neighbours, so they are joined here); connected components of that
       graph bound the work (one month of petitions falls into many small components);
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
       (ARI 0.90 → 0.36–0.65); see benchmarks/warning/README.md;
    5. ``demand`` < 1: clusters whose majority place is the same (containment counts; a 街道 or
       district is too coarse) and whose centroids over the place-free text ("what is asked":
       places, junctions, where-words and districts removed) have cosine ≥ ``demand`` are joined.
    """
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.sparse.csgraph import connected_components

    n = len(messages)
    if n == 0:
        return np.zeros(0, dtype=int)
    if n == 1:
        return np.zeros(1, dtype=int)
    X = _vectors(messages)
    if X is None:
        return np.arange(n)
    # Near-duplicates are among each other's nearest neighbours (cosine ≫ ``candidate``), so this
    # graph already joins them; the MinHash pass once run on top cost more than the rest together.
    graph = _neighbour_graph(X, neighbours, candidate)
    _count, components = connected_components(graph, directed=False)
    title_places = [set(extract_place(m.title)) for m in messages]
    labels = np.full(n, -1, dtype=np.int64)
    next_label = 0
    order = np.argsort(components, kind="stable")
    bounds = np.flatnonzero(np.diff(components[order])) + 1
    pieces = []
    for members in np.split(order, bounds):
        pieces.extend(_split_oversized(graph, members, max(candidate, join)))
    for members in pieces:
        if len(members) == 1:
            labels[members[0]] = next_label
            next_label += 1
            continue
        if len(members) > MAX_LINKAGE:
            # 切到余弦 0.95 仍过大（几乎相同的模板文本）：整块算一个问题，不做平均连接。
            labels[members] = next_label
            next_label += 1
            continue
        sub = X[members]
        S = (sub @ sub.T).toarray().astype(np.float64)
        D = np.clip(1.0 - S, 0.0, 1.0)
        # Two titles naming different places never end in one issue: a distance no average can bring
        # under the cut (at 1.0 a group of near-duplicates could still carry one such pair in).
        D[_different_places([title_places[a] for a in members])] = APART
        np.fill_diagonal(D, 0.0)
        condensed = D[np.triu_indices(len(members), 1)]
        tree = linkage(condensed, method="average")
        local = fcluster(tree, t=1.0 - join, criterion="distance")
        labels[members] = next_label + local - 1
        next_label += int(local.max())
    if merge < 1.0:
        labels = _merge_same_place(labels, X, title_places, merge)
    if demand < 1.0:
        labels = _merge_place_and_demand(labels, messages, demand)
    return labels


def _split_oversized(graph, members: np.ndarray, cut: float) -> list[np.ndarray]:
    """Split a component of more than ``MAX_LINKAGE`` messages into the connected components of its
    neighbour edges with cosine ≥ ``cut``, raising the cut by 0.05 for pieces still too large (up to
    0.95). Pieces of at most ``MAX_LINKAGE`` then go through average linkage as usual. Components of
    real shared grievances (hundreds of letters) are never touched; only the generator's templated
    texts (thousands of near-identical letters in one month) reach this."""
    from scipy.sparse.csgraph import connected_components

    if len(members) <= MAX_LINKAGE or cut > 0.95:
        return [members]
    sub = graph[members][:, members].tocsr()
    sub.data[sub.data < cut] = 0
    sub.eliminate_zeros()
    _count, local = connected_components(sub, directed=False)
    order = np.argsort(local, kind="stable")
    bounds = np.flatnonzero(np.diff(local[order])) + 1
    out: list[np.ndarray] = []
    for part in np.split(order, bounds):
        out.extend(_split_oversized(graph, members[part], cut + 0.05))
    return out


def _message_places(m: Message) -> list[str]:
    return extract_place(m.title) or extract_place(m.text[:200])[:2]


# Where-words left once the names are gone: junctions ("X路与Y大道交叉口"), gates, bridges, "附近".
_JUNCTION_RE = re.compile(r"[\u4e00-\u9fa5A-Za-z0-9]{1,8}?(?:路|大道|街)(?:与|和)[\u4e00-\u9fa5A-Za-z0-9]{1,8}?(?:路|大道|街)(?:交叉)?口?")
_WHERE_WORDS_RE = re.compile(r"交叉口|十字路口|路口|隧道口|高架桥下|高架桥|高架|立交桥|立交|[东南西北]门|门口|附近|旁边|周边|对面|"
                             r"小区|社区|居民区|片区|这个位置|该路段|路段")


def _demand_documents(messages: Sequence[Message], places: list[list[str]]) -> list[str]:
    """The title with every place name, junction, where-word, district and lead word ("投诉", "反映")
    removed: what is asked, not where. Titles state the demand in a few words; the letters' bodies
    differ too much between petitioners to compare (tried: the whole start of the text)."""
    docs = []
    for m, names in zip(messages, places):
        docs.append(_strip_where(m.title, names))
        if len(docs[-1].replace(" ", "")) < 4:  # a title that only names the place: the text's opening
            docs[-1] = _strip_where(f"{m.title} {m.text[:60]}", names)
    return docs


def _strip_where(text: str, names: list[str]) -> str:
    text = _JUNCTION_RE.sub(" ", text)
    for name in sorted(set(names) | set(extract_place(text)), key=len, reverse=True):
        text = text.replace(name, " ")
    text = _WHERE_WORDS_RE.sub(" ", _DISTRICT_RE.sub(" ", text))
    return normalize_text(_LEAD_RE.sub("", text.strip()))


def _merge_place_and_demand(labels: np.ndarray, messages: Sequence[Message], demand: float) -> np.ndarray:
    """Second stage: join two clusters only when they name the SAME place (the place most of each
    cluster's messages name; containment counts) AND ask the same thing — the cosine of their centroids
    over the place-free text ≥ ``demand``. Average linkage splits one estate's long, differently worded
    letters ("搅拌站" / "搅拌厂" / "噪音" / "粉尘") into many small clusters; the same grievance at
    another place, or another grievance at the same place, stays apart."""
    from scipy.sparse import csr_matrix
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    places = [_message_places(m) for m in messages]
    n_labels = int(labels.max()) + 1
    counts: list[Counter[str]] = [Counter() for _ in range(n_labels)]
    sizes = np.bincount(labels, minlength=n_labels)
    for label, names in zip(labels, places):
        counts[label].update(set(names))
    # A cluster's places: named by at least half its messages.
    cluster_places = [{name for name, c in counts[k].items() if 2 * c >= sizes[k] and not _COARSE_RE.search(name)}
                      for k in range(n_labels)]
    by_name: dict[str, list[int]] = {}
    for k, names in enumerate(cluster_places):
        for name in names:
            by_name.setdefault(name, []).append(k)
    if not by_name:
        return labels
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True, min_df=2, dtype=np.float32)
    try:
        D = vectorizer.fit_transform(_demand_documents(messages, places)).tocsr()
    except ValueError:
        return labels
    M = csr_matrix((np.ones(len(labels)), (labels, np.arange(len(labels)))), shape=(n_labels, len(labels)))
    centroids = normalize(M @ D)
    return _join_by_place(labels, centroids, by_name, demand)


def _join_by_place(labels: np.ndarray, centroids, by_name: dict[str, list[int]], threshold: float) -> np.ndarray:
    """Join clusters that share a place name (containment counts: "丽发新城" ⊂ "丽发新城小区") and whose
    centroids have cosine ≥ ``threshold``, the closest pairs first. A join that would put two different
    places in one issue is refused, also when it would come about through a third cluster: "A3区实验中学"
    and "长郡A1区实验中学" both overlap a cluster naming only "实验中学", and are still two schools."""
    n_labels = int(labels.max()) + 1
    names = sorted(by_name, key=len)
    places: list[set[str]] = [set() for _ in range(n_labels)]
    for name, clusters in by_name.items():
        for k in clusters:
            places[k].add(name)
    pairs: dict[tuple[int, int], float] = {}
    for i, a in enumerate(names):
        group = set(by_name[a])
        for b in names[i + 1 :]:
            if a in b:
                group |= set(by_name[b])
        group_list = sorted(group)
        if len(group_list) < 2:
            continue
        S = (centroids[group_list] @ centroids[group_list].T).toarray()
        x, y = np.nonzero(np.triu(S, 1) >= threshold)
        for i_, j_ in zip(x, y):
            a_, b_ = group_list[i_], group_list[j_]
            if _overlap(places[a_], places[b_]):
                pairs[(a_, b_)] = float(S[i_, j_])
    if not pairs:
        return labels
    parent = list(range(n_labels))
    named = [_most_specific(p) for p in places]  # per joined group: its most specific names

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for (a_, b_), _cos in sorted(pairs.items(), key=lambda item: (-item[1], item[0])):
        ra, rb = root(a_), root(b_)
        if ra == rb or _conflict(named[ra], named[rb]):
            continue
        parent[rb] = ra
        named[ra] = _most_specific(named[ra] | named[rb])
    roots = np.array([root(k) for k in range(n_labels)])
    return roots[labels]


def _most_specific(names: set[str]) -> set[str]:
    """The names not contained in another of the set ("丽发新城" goes when "丽发新城小区" is there)."""
    return {a for a in names if not any(a != b and a in b for b in names)}


def _conflict(a: set[str], b: set[str]) -> bool:
    """The two groups' most specific names share no place: two issues."""
    return not any(_same_place(x, y) for x in a for y in b)


def _same_place(x: str, y: str) -> bool:
    """One name contains the other, or both end in the same name of at least three characters that is
    a name on its own ("星沙凉塘路" / "星沙四区凉塘路"), not a kind of place ("…幼儿园") or a name many
    districts share ("A3区实验中学" / "长郡A1区实验中学")."""
    if x in y or y in x:
        return True
    n = 0
    while n < min(len(x), len(y)) and x[-1 - n] == y[-1 - n]:
        n += 1
    common = re.sub(r"^[A-Z]?\d{0,2}(?:区|县)", "", x[len(x) - n :]) if n else ""
    return len(common) >= 3 and not _KIND_ONLY_RE.match(common) and not _NEEDS_DISTRICT_RE.match(common)


def _merge_same_place(labels: np.ndarray, X, title_places: list[set], merge: float) -> np.ndarray:
    """Join clusters whose titles name one place and whose TF-IDF centroids are close (cosine ≥ ``merge``):
    long, differently worded letters about one estate's grievance ("搅拌站" / "搅拌厂") stay apart under
    average linkage, but their centroids are alike."""
    from scipy.sparse import csr_matrix
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
    return _join_by_place(labels, centroids, by_name, merge)


def _different_places(places: list[set[str]]) -> np.ndarray:
    """Boolean matrix: titles i and j both name places and none of them overlap. Computed over the
    distinct place sets (a component of thousands of messages names a few dozen), not over all pairs."""
    keys = [frozenset(p) for p in places]
    distinct = sorted(set(keys), key=lambda p: sorted(p))
    index = {p: i for i, p in enumerate(distinct)}
    inv = np.array([index[p] for p in keys], dtype=np.intp)
    m = len(distinct)
    apart = np.zeros((m, m), dtype=bool)
    for i, a in enumerate(distinct):
        if not a:
            continue
        for j in range(i + 1, m):
            b = distinct[j]
            if b and not _overlap(set(a), set(b)):
                apart[i, j] = apart[j, i] = True
    return apart[np.ix_(inv, inv)]


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
        # Distinct petitioners first: the other terms together stay below 1, so they only order
        # issues raised by equally many people (likes capped: support is not a petitioner).
        heat = petitioners + (
            0.35 * growth
            + 0.25 * min(math.log1p(span_days) / math.log1p(365), 1.0)
            + 0.20 * min(math.log1p(likes) / math.log1p(1000), 1.0)
            + 0.19 * min(math.log1p(len(items) - petitioners) / math.log1p(100), 1.0)
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
    depth: Counter[int] = Counter()  # summed position in the title: later names are the more specific
    districts: Counter[str] = Counter()
    for m in items:
        for position, name in enumerate(extract_place(m.title) or extract_place(m.text[:200])[:1]):
            counts[name] += 1
            depth[name] += position
        d = _district(f"{m.title}{m.text[:100]}")
        if d:
            districts[d] += 1
    district = districts.most_common(1)[0][0] if districts else ""
    if counts:
        # Most mentioned; among equals the more specific ("劳动东路魅力之城" → 魅力之城), then by name.
        name = max(counts, key=lambda k: (counts[k], depth[k] / counts[k], k))
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
