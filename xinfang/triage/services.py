"""分诊模型：从登记员已标注的事项（或 CSV）训练，在留出集上评估，不比当前差才启用；给登记页出建议。

模型只是建议：页面显示前三个建议及把握程度，登记员的选择才是保存下来的。
没有训练过模型、模型文件损坏时，登记照常进行，只是没有建议。
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from xinfang.audit.services import record
from xinfang.core import clock
import xinfang.ml as ml
from xinfang.ml import DataError, MLError
from xinfang.petitions.models import Category, Matter

from .models import AuthorityLabel, ModelVersion, Task

log = logging.getLogger("xinfang.triage")
HOLDOUT_SHARE = 0.2
MIN_PER_CLASS = 2

_loaded: dict[str, tuple[int, ml.TriageModel]] = {}
_lock = threading.Lock()


@dataclass
class TrainingData:
    """Texts and labels; ``train_only_*`` (e.g. derived, segmented texts) only ever go to the
    training side, never to the held-out evaluation, which must look like real intake."""

    texts: list[str]
    labels: list[str]
    source: str
    train_only_texts: list[str] = field(default_factory=list)
    train_only_labels: list[str] = field(default_factory=list)
    stopwords: list[str] = field(default_factory=list)


def training_data_from_csv(paths, *, stopwords: list[str] | None = None) -> TrainingData:
    """一个或多个 CSV（可混合原文与切词文本）：切词文本只进训练侧，留出集只取原文。"""
    from xinfang.ml.datasets import read_labelled_csv
    from xinfang.ml.text import looks_segmented

    data = TrainingData([], [], source="CSV：" + "、".join(str(p) for p in paths), stopwords=list(stopwords or []))
    for path in paths:
        rows = read_labelled_csv(path)
        for text, label in zip(rows.texts, rows.labels):
            if looks_segmented(text):
                data.train_only_texts.append(text)
                data.train_only_labels.append(label)
            else:
                data.texts.append(text)
                data.labels.append(label)
    return data


def matter_text(title: str, summary: str) -> str:
    """与训练 CSV 相同的拼法（标题。正文）；标题本就是正文开头时不重复。"""
    return f"{title}。{summary}" if title and not summary.startswith(title) else summary


def labelled_matters(task: str) -> TrainingData:
    """登记员已标注的事项：类别取启用类别的 id，主管机关取启用标签集中的名称。"""
    if task == Task.CATEGORY:
        active = set(Category.objects.filter(is_active=True).values_list("pk", flat=True))
        rows = Matter.objects.filter(category__in=active).values_list("title", "summary", "category_id")
    else:
        active = set(AuthorityLabel.objects.filter(is_active=True).values_list("name", flat=True))
        rows = Matter.objects.filter(competent_authority__in=active).values_list("title", "summary", "competent_authority")
    texts, labels = [], []
    for title, summary, label in rows.iterator(chunk_size=5000):
        texts.append(matter_text(title, summary))
        labels.append(str(label))
    return TrainingData(texts, labels, source="已标注的信访事项")


def label_names(task: str) -> dict[str, str]:
    """标签 → 界面上显示的名称（类别标签是 id）。"""
    if task == Task.CATEGORY:
        return {str(c.pk): str(c) for c in Category.objects.select_related("parent")}
    return {}


def train(task: str, data: TrainingData, *, by=None, seed: int = 0) -> ModelVersion:
    """训练一个新版本：分出 20% 留出集评估，宏平均 F1 不低于当前版本才启用。返回新版本（不论是否启用）。"""
    from sklearn.metrics import accuracy_score, classification_report, f1_score
    from sklearn.model_selection import train_test_split

    from xinfang.ml.datasets import training_hash

    counts: dict[str, int] = {}
    for label in data.labels:
        counts[label] = counts.get(label, 0) + 1
    keep = {label for label, n in counts.items() if n >= MIN_PER_CLASS * 3}
    pairs = [(t, y) for t, y in zip(data.texts, data.labels) if y in keep and t.strip()]
    if len(keep) < 2:
        raise DataError(f"可用于训练的标签不足两类（每类至少需要 {MIN_PER_CLASS * 3} 条），无法训练")
    texts, labels = [t for t, _ in pairs], [y for _, y in pairs]
    train_x, test_x, train_y, test_y = train_test_split(
        texts, labels, test_size=HOLDOUT_SHARE, random_state=seed, stratify=labels
    )
    extra = [(t, y) for t, y in zip(data.train_only_texts, data.train_only_labels) if y in keep and t.strip()]
    model = ml.TriageModel.train(train_x + [t for t, _ in extra], train_y + [y for _, y in extra], seed=seed,
                              stopwords=data.stopwords)
    predicted = model.predict(test_x)
    macro_f1 = float(f1_score(test_y, predicted, average="macro"))
    report = classification_report(test_y, predicted, output_dict=True, zero_division=0)
    with transaction.atomic():
        previous = ModelVersion.objects.select_for_update().filter(task=task)
        version = (previous.aggregate(m=Max("version"))["m"] or 0) + 1
        path = model_dir() / f"{task}-v{version}.joblib"
        model.metadata.update({"task": task, "version": version, "macro_f1": macro_f1})
        model.save(path)
        current = previous.filter(is_current=True).first()
        promote = current is None or macro_f1 >= current.macro_f1
        decision = ("首个模型，启用" if current is None else
                    f"宏平均 F1 {macro_f1:.4f} {'≥' if promote else '<'} 当前 v{current.version} 的 {current.macro_f1:.4f}，"
                    + ("启用" if promote else "不启用"))
        if promote and current is not None:
            ModelVersion.objects.filter(pk=current.pk).update(is_current=False)
        created = ModelVersion.objects.create(
            task=task, version=version, path=str(path), labels=sorted(keep), training_hash=training_hash(texts, labels),
            n_train=len(train_x) + len(extra), n_test=len(test_x), macro_f1=round(macro_f1, 4),
            accuracy=round(float(accuracy_score(test_y, predicted)), 4), report=report, source=data.source,
            is_current=promote, decision=decision, created_at=clock.now(),
        )
        record(actor=by, action="triage.train", obj=created, changes={
            "macro_f1": [None, created.macro_f1], "is_current": [None, promote], "decision": [None, decision],
        })
    return created


def model_dir() -> Path:
    path = Path(settings.VAR_DIR) / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def current_model(task: str) -> tuple[ModelVersion, ml.TriageModel] | None:
    """当前启用的模型（按版本缓存在进程内）；没有或文件损坏时返回 None，登记照常进行。"""
    version = ModelVersion.objects.filter(task=task, is_current=True).first()
    if version is None:
        return None
    with _lock:
        cached = _loaded.get(task)
        if cached is None or cached[0] != version.pk:
            try:
                cached = (version.pk, ml.TriageModel.load(version.path))
            except (MLError, OSError) as exc:
                log.error("分诊模型 %s 无法加载：%s", version, exc)
                return None
            _loaded[task] = cached
    return version, cached[1]


@dataclass
class Suggestion:
    label: str
    name: str
    confidence: float

    @property
    def percent(self) -> str:
        """界面上的把握程度：整数百分比，至少 1%、至多 99%——校准过的模型也从不确定无疑。"""
        return f"{min(99, max(1, round(self.confidence * 100)))}%"


def suggest(text: str, task: str, k: int = 3) -> tuple[list[Suggestion], str, ModelVersion | None]:
    """前 k 个建议、给登记员的提示（把握不大等）、所用模型版本。没有模型或文本为空时返回空列表。"""
    loaded = current_model(task)
    if loaded is None or not text.strip():
        return [], "", None
    version, model = loaded
    try:
        result = model.suggest(text, k=k)
    except MLError as exc:
        return [], str(exc), version
    names = label_names(task)
    return [Suggestion(label, names.get(label, label), conf) for label, conf in result], result.note, version


@transaction.atomic
def save_authority_label(label: AuthorityLabel, *, by=None) -> AuthorityLabel:
    """新增或修改主管机关标签（管理员维护的标签集），记审计。"""
    before = AuthorityLabel.objects.filter(pk=label.pk).values("name", "is_active", "sort_order").first() or {}
    label.full_clean()
    label.save()
    after = {"name": label.name, "is_active": label.is_active, "sort_order": label.sort_order}
    record(actor=by, action="triage.authority_label", obj=label,
           changes={k: [before.get(k), v] for k, v in after.items() if before.get(k) != v})
    return label
