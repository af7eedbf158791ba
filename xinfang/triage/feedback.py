"""把登记员的选择记为反馈：对每件新登记的事项，记下当前模型当时的建议与最终保存的类别、主管机关。"""

from __future__ import annotations

from django.db import transaction

from xinfang.core import clock, cursors
from xinfang.petitions.models import MatterEvent

from . import services
from .models import Feedback, Task

BATCH = 500


def record_feedback() -> int:
    """从上次读到的事件往后，处理新登记事件；可重复执行。返回新记的反馈条数。"""
    made = 0
    while True:
        with transaction.atomic():
            cursor = cursors.lock("triage-feedback")
            events = list(
                MatterEvent.objects.filter(pk__gt=cursor.position, action="register")
                .select_related("matter").order_by("pk")[:BATCH]
            )
            if not events:
                return made
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
            cursor.position = events[-1].pk
            cursor.save(update_fields=["position"])
            made += len(rows)
