"""把登记员的选择记为反馈：对每件新登记的事项，记下当前模型当时的建议与最终保存的类别、主管机关。"""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from xinfang.core import clock, cursors
from xinfang.petitions.models import MatterEvent

from . import services
from .models import Feedback, Task

BATCH = 500


def record_feedback() -> int:
    """从上次读到的事件往后（含安全窗口，见 core.cursors.drain），为新登记的事项记反馈；可重复执行。返回新记的条数。"""

    def handle(events: list[MatterEvent]) -> int:
        rows = []
        for event in events:
            matter = event.matter
            text = services.matter_text(matter.title, matter.summary)
            chosen = {Task.CATEGORY: str(matter.category_id or ""), Task.AUTHORITY: matter.competent_authority}
            for task in Task.values:
                suggestions, _, version = services.suggest(text, task)
                if version is None:
                    continue
                rows.append(Feedback(
                    matter=matter, task=task, model_version=version,
                    suggestions=[[s.label, s.confidence] for s in suggestions], chosen=chosen[task],
                    agreed=bool(suggestions) and suggestions[0].label == chosen[task], created_at=clock.now(),
                ))
        Feedback.objects.bulk_create(rows, ignore_conflicts=True)
        return len(rows)

    # 已记过反馈的事项不再算一遍建议（重读安全窗口时只是一次按索引的存在性判断）。
    events = (MatterEvent.objects.filter(action="register").select_related("matter")
              .exclude(Exists(Feedback.objects.filter(matter_id=OuterRef("matter_id")))))
    return cursors.drain("triage-feedback", events, handle, batch=BATCH)
