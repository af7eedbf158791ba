"""登记页的分诊建议与相似信访、答复页的先例（htmx 片段）。只显示用户可见范围内的事项。"""

from django.shortcuts import render

from xinfang.org import permissions
from xinfang.org.permissions import access_matter
from xinfang.petitions.models import Petition
from xinfang.petitions.selectors import visible_matters

from . import channels, services
from .models import Task
from .similar import precedents, similar_petitions


def intake_suggestions(request):
    permissions.require(request.user, "petition.intake")
    text = services.matter_text(request.GET.get("title", "").strip(), request.GET.get("content", "").strip())
    # 交警业务的法定途径（事故认定复核、电子警察记录异议、行政复议……）：内容短也按关联案件编号提示。
    routes = {"channel_hints": channels.hints(text, request.GET.get("case_numbers", "")[:200], user=request.user),
              "chosen_channel": request.GET.get("then_divert", "")}
    if len(text) < 8:
        return render(request, "triage/_suggestions.html", {"too_short": True, **routes})
    category, category_note, _ = services.suggest(text, Task.CATEGORY)
    authority, authority_note, _ = services.suggest(text, Task.AUTHORITY)
    hits = dict(similar_petitions.query(text, k=10))
    visible = visible_matters(request.user)
    petitions = (Petition.objects.filter(pk__in=hits, matter__in=visible)
                 .select_related("matter", "matter__department"))
    similar = sorted(({"petition": p, "matter": p.matter, "similarity": hits[p.pk]} for p in petitions),
                     key=lambda row: -row["similarity"])
    # 同一事项只列一次（取最相似的那件信访件）。
    seen, unique = set(), []
    for row in similar:
        if row["matter"].pk not in seen:
            seen.add(row["matter"].pk)
            unique.append(row)
    return render(request, "triage/_suggestions.html", {
        "category": category, "category_note": category_note,
        "authority": authority, "authority_note": authority_note, "similar": unique[:5], **routes,
    })


def reply_precedents(request, pk: int):
    matter = access_matter(request.user, pk, capability="matter.precedents")
    hits = dict(precedents.query(services.matter_text(matter.title, matter.summary), k=10, exclude=matter.pk))
    found = visible_matters(request.user).filter(pk__in=hits).select_related("department")
    rows = sorted(({"matter": m, "similarity": hits[m.pk]} for m in found), key=lambda r: -r["similarity"])[:5]
    return render(request, "triage/_precedents.html", {"rows": rows})
