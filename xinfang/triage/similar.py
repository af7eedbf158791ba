"""相似信访与先例答复的索引：进程内各一份，按需建立，随新信访件增量更新。

近似重复（datasketch MinHash LSH，再按精确 Jaccard 排序）以信访件为单位；先例答复
（TF-IDF 余弦）以已答复的事项为单位。两者都只返回键，调用方再按权限取事项。
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings

import xinfang.ml as ml
from xinfang.petitions.models import Matter, Petition, Status
from xinfang.petitions.workflow import ANSWERED_STATES

log = logging.getLogger("xinfang.triage")
# 登记页要的是"同一件事"的线索，不只是逐字重复，所以阈值比查重基准（0.8）低。
INTAKE_THRESHOLD = 0.5
PRECEDENT_REFRESH_SECONDS = 600
PRECEDENT_STATES = ANSWERED_STATES | {Status.CLOSED, Status.TERMINATED}


class _SimilarPetitions:
    def __init__(self) -> None:
        self.index: ml.NearDuplicateIndex | None = None
        self.last_id = 0
        self.lock = threading.Lock()

    def _path(self):
        return settings.VAR_DIR / "models" / "similar-petitions.idx"

    def rebuild(self, *, save: bool = True) -> int:
        """从数据库全部信访件重建索引（`xinfang rebuild-similar-index`）。返回索引条数。"""
        index = ml.NearDuplicateIndex(threshold=INTAKE_THRESHOLD)
        last = 0
        rows = Petition.objects.order_by("pk").values_list("pk", "content")
        batch: list[tuple[int, str]] = []
        for pk, content in rows.iterator(chunk_size=20000):
            batch.append((pk, content))
            last = pk
            if len(batch) >= 20000:
                index.add_many(batch)
                batch = []
        index.add_many(batch)
        with self.lock:
            self.index, self.last_id = index, last
        if save:
            self._path().parent.mkdir(parents=True, exist_ok=True)
            index.save(self._path())
            (self._path().with_suffix(".last")).write_text(str(last))
        return len(index)

    def _ensure(self) -> ml.NearDuplicateIndex:
        with self.lock:
            if self.index is None:
                path = self._path()
                if path.exists():
                    try:
                        self.index = ml.NearDuplicateIndex.load(path)
                        self.last_id = int(path.with_suffix(".last").read_text())
                    except Exception as exc:  # 损坏的索引文件：重建，不让登记页出错
                        log.warning("相似信访索引无法读取（%s），重建", exc)
            if self.index is None:
                self.index = ml.NearDuplicateIndex(threshold=INTAKE_THRESHOLD)
                self.last_id = 0
            # 追上新登记的信访件：每次查询前只读 id 更大的那些。
            new = list(Petition.objects.filter(pk__gt=self.last_id).order_by("pk").values_list("pk", "content")[:50000])
            if new:
                self.index.add_many(new)
                self.last_id = new[-1][0]
            return self.index

    def query(self, text: str, k: int = 5) -> list[tuple[int, float]]:
        """与 text 相似的信访件：(信访件 id, Jaccard)，最相似的在前。"""
        if not text.strip():
            return []
        return self._ensure().query(text, k=k)


class _Precedents:
    def __init__(self) -> None:
        self.index: ml.PrecedentIndex | None = None
        self.built_at = 0.0
        self.size = -1
        self.lock = threading.Lock()

    def query(self, text: str, k: int = 5, exclude: int | None = None) -> list[tuple[int, float]]:
        """与 text 最相似的已答复事项：(事项 id, 余弦)。"""
        with self.lock:
            answered = Matter.objects.filter(status__in=PRECEDENT_STATES).exclude(reply_text="")
            size = answered.count()
            stale = time.monotonic() - self.built_at > PRECEDENT_REFRESH_SECONDS
            if self.index is None or (size != self.size and stale):
                items = [(pk, f"{title}。{summary}") for pk, title, summary in
                         answered.values_list("pk", "title", "summary").iterator(chunk_size=5000)]
                self.index = ml.PrecedentIndex.build(items) if items else None
                self.built_at, self.size = time.monotonic(), size
            index = self.index
        if index is None or not text.strip():
            return []
        return index.query(text, k=k, exclude=exclude)


similar_petitions = _SimilarPetitions()
precedents = _Precedents()
