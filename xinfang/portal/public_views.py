"""门户页面（不需登录）：提交信访、凭编号与查询码查进度、下载送达本人的文书、评价、请求复查或复核。

凭查询码核实后，只把事项 id 和所用查询码的散列存进会话；此后每个页面都只从会话取这一件事项，
URL 里的任何编号都不能换成别的事项（防越权）。查询码重发后，用旧码打开的会话随即失效。
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from xinfang.petitions.actions.opinions import delivered_by_download
from xinfang.petitions.models import Matter
from xinfang.petitions.workflow import WorkflowError

from . import security, selectors
from .actions import feedback
from .actions.submission import Submission, submit_petition
from .forms import LookupForm, RatingForm, ReviewForm, SubmissionForm, apply_errors, request_size_limit
from .models import ThrottleScope as T

SESSION_KEY = "portal_matter"
SESSION_CODE_KEY = "portal_code_hash"
STATUTORY_TIMES = [
    ("告知是否受理", "收到之日起 15 日内（《信访工作条例》第二十三条）"),
    ("办理并答复", "受理之日起 60 日内，情况复杂的经批准可延长不超过 30 日（第三十四条）"),
    ("请求复查", "收到处理意见之日起 30 日内（第三十五条）"),
    ("请求复核", "收到复查意见之日起 30 日内（第三十六条）"),
]


SUBMIT_REFUSAL = "提交过于频繁，请一小时后再试。如情况紧急，请拨打当地交警信访电话或前往信访接待场所。"


class _OverLimit(Exception):
    """本来源本小时的提交名额已用完（在登记事务里发现，借异常回滚）。"""


def _refuse(request, message: str, status: int = 429):
    return render(request, "portal/refused.html", {"message": message}, status=status)


def _attempt_allowed(request) -> bool:
    return security.hit(T.ATTEMPT_IP, security.client_ip(request), limit=settings.PORTAL_REQUESTS_PER_HOUR)


@login_not_required
@never_cache
def index(request):
    """提交网上信访。成功后在本页显示事项编号与查询码（只显示这一次）。"""
    form = SubmissionForm()
    if request.method == "POST":
        if int(request.META.get("CONTENT_LENGTH") or 0) > request_size_limit():
            return _refuse(request, f"提交的内容过大：附件合计不能超过 {settings.ATTACHMENT_MAX_MB} MB。", 413)
        ip = security.client_ip(request)
        if not _attempt_allowed(request) or security.blocked(
                T.SUBMIT_IP, ip, limit=settings.PORTAL_SUBMISSIONS_PER_HOUR):
            return _refuse(request, SUBMIT_REFUSAL)
        form = SubmissionForm(request.POST, request.FILES)
        valid = form.is_valid()
        if not security.challenge_passed(request.POST.get("token", ""), request.POST.get("answer", "")):
            form.add_error("answer", "验证问题的答案不对，请重新计算后填写阿拉伯数字")
            valid = False
        if valid:
            data = form.cleaned_data
            try:
                # 计数与登记在同一事务：并发提交在锁住的计数行上排队，超额的那件连同计数一起回滚；
                # 登记失败（校验不过）也回滚计数，不占名额。
                with transaction.atomic():
                    if not security.hit(T.SUBMIT_IP, ip, limit=settings.PORTAL_SUBMISSIONS_PER_HOUR):
                        raise _OverLimit
                    petition, code = submit_petition(Submission(
                        name=data["name"], id_number=data["id_number"], phone=data["phone"], address=data["address"],
                        content=data["content"], requests=data["requests"], case_numbers=data["case_numbers"],
                        involved_department=data["involved_department"], attachments=data["attachments"],
                        electronic_delivery=data.get("electronic_delivery", False),
                    ))
            except _OverLimit:
                return _refuse(request, SUBMIT_REFUSAL)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                return render(request, "portal/submitted.html", {
                    "number": petition.matter.number, "code": security.format_code(code),
                    "received_on": petition.matter.received_on, "acceptance_due": petition.matter.acceptance_due,
                    "times": STATUTORY_TIMES,
                })
    question, token = security.new_challenge()
    return render(request, "portal/index.html", {"form": form, "question": question, "token": token,
                                                 "times": STATUTORY_TIMES, "max_mb": settings.ATTACHMENT_MAX_MB})


@login_not_required
@never_cache
def lookup(request):
    """凭事项编号与查询码查询。编号不存在与查询码不对给出同一答复；同一编号连续输错即锁定一段时间。"""
    form = LookupForm(request.POST or None)
    if request.method == "POST":
        if not _attempt_allowed(request):
            return _refuse(request, "查询过于频繁，请一小时后再试。")
        if form.is_valid():
            number = security.normalize_number(form.cleaned_data["number"])
            code = security.normalize_code(form.cleaned_data["code"])
            ip = security.client_ip(request)
            if not security.hit(T.LOOKUP_CODE, code, limit=settings.PORTAL_REQUESTS_PER_HOUR):
                form.add_error(None, "查询过于频繁，请一小时后再试。")
            elif refusal := security.claim_lookup(number, ip, limit=settings.PORTAL_WRONG_CODES,
                                                  lock_for=timedelta(minutes=settings.PORTAL_LOCK_MINUTES)):
                form.add_error(None, refusal)
            else:
                access = selectors.find_access(number, code)
                if access is not None:
                    security.lookup_succeeded(number, ip)
                    request.session.cycle_key()
                    request.session[SESSION_KEY] = access.matter_id
                    request.session[SESSION_CODE_KEY] = access.code_hash
                    return redirect("portal:progress")
                security.wrong_code_locked(number, ip)
                form.add_error(None, "事项编号或查询码不正确，请核对后再试。")
    return render(request, "portal/lookup.html", {"form": form})


def _session_matter(request) -> Matter | None:
    pk, code_hash = request.session.get(SESSION_KEY), request.session.get(SESSION_CODE_KEY)
    if not pk:
        return None
    matter = selectors.session_matter(pk, code_hash or "")
    if matter is None:
        _forget(request)
        messages.info(request, "查询码已更换或已失效，请用最新的查询码重新查询。")
    return matter


def _forget(request) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.pop(SESSION_CODE_KEY, None)


def _progress_page(request, matter, *, rating_form=None, review_form=None, status=200):
    return render(request, "portal/progress.html", {
        "p": selectors.progress(matter), "rating_form": rating_form or RatingForm(),
        "review_form": review_form or ReviewForm(),
    }, status=status)


@login_not_required
@never_cache
def progress(request):
    matter = _session_matter(request)
    if matter is None:
        return redirect("portal:lookup")
    return _progress_page(request, matter)


@login_not_required
@never_cache
def document(request, pk: int):
    matter = _session_matter(request)
    if matter is None:
        return redirect("portal:lookup")
    doc = selectors.petitioner_document(matter.pk, pk)
    # 提交时同意电子送达的，下载意见书即为送达（请求复查、复核的期限自此起算）；未同意的不算。
    delivered_by_download(doc)
    return FileResponse(doc.file.open("rb"), as_attachment=True,
                        filename=f"{doc.get_kind_display()}-{doc.number}.docx")


@login_not_required
@never_cache
def read(request, pk: int):
    """在本页阅读送达本人的文书（手机上不必下载 .docx）。与下载一样：同意电子送达的，阅读即为送达。"""
    matter = _session_matter(request)
    if matter is None:
        return redirect("portal:lookup")
    doc = selectors.petitioner_document(matter.pk, pk)
    delivered_by_download(doc, how="在线阅读")
    return render(request, "portal/read.html", {"doc": doc, "matter": matter,
                                                "paragraphs": selectors.document_paragraphs(doc)})


@login_not_required
@require_POST
def rate(request):
    matter = _session_matter(request)
    if matter is None:
        return redirect("portal:lookup")
    if not _attempt_allowed(request):
        return _refuse(request, "操作过于频繁，请一小时后再试。")
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            feedback.rate_reply(matter, rating=form.cleaned_data["rating"], reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "感谢您的评价。")
            return redirect("portal:progress")
    return _progress_page(request, matter, rating_form=form, status=400)


@login_not_required
@require_POST
def review(request):
    """请求复查（已答复时）或复核（已出具复查意见时）；超过期限给出届满日期，什么也不改。"""
    matter = _session_matter(request)
    if matter is None:
        return redirect("portal:lookup")
    if not _attempt_allowed(request):
        return _refuse(request, "操作过于频繁，请一小时后再试。")
    form = ReviewForm(request.POST)
    if request.POST.get("edit"):
        return _progress_page(request, matter, review_form=ReviewForm(initial={"reason": request.POST.get("reason", "")}))
    if form.is_valid() and not form.cleaned_data["confirm"]:
        # 第一步：把理由给信访人再看一遍，确认后才提交（请求一经提交即进入复查程序）。
        progress_ = selectors.progress(matter)
        return render(request, "portal/review_confirm.html", {
            "p": progress_, "form": ReviewForm(initial={"reason": form.cleaned_data["reason"], "confirm": True}),
            "reason": form.cleaned_data["reason"], "is_re_review": progress_.review.startswith("re_")})
    if form.is_valid():
        is_re_review = selectors.progress(matter).review.startswith("re_")
        act = feedback.request_re_review if is_re_review else feedback.request_review
        try:
            act(matter, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_errors(form, exc)
        except WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "已收到您的复核请求。" if is_re_review else "已收到您的复查请求。")
            return redirect("portal:progress")
    return _progress_page(request, matter, review_form=form, status=400)


@login_not_required
@require_POST
def leave(request):
    _forget(request)
    return redirect("portal:lookup")
