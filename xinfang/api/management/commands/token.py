"""xinfang token issue|rotate|revoke|list —— 签发、更换、吊销、列出 API 令牌（原文只打印一次）。"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from xinfang.api import tokens
from xinfang.api.models import ApiToken
from xinfang.core import clock
from xinfang.org.models import Department


class Command(BaseCommand):
    help = "API 令牌：issue 签发（打印原文一次）、rotate 更换、revoke 吊销、list 列出"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        issue = sub.add_parser("issue", help="签发一个令牌")
        issue.add_argument("--name", required=True, help="对接系统的名称")
        issue.add_argument("--scope", action="append", required=True, help="能力代码（权限表），可给多次")
        issue.add_argument("--department", type=int, help="部门编号：只在该部门及其下级内有效（不给即整个组织）")
        issue.add_argument("--days", type=int, help="有效天数（不给即长期有效）")
        for verb in ("rotate", "revoke"):
            one = sub.add_parser(verb, help="更换（打印新原文）" if verb == "rotate" else "吊销")
            one.add_argument("prefix", help="令牌前缀（list 里显示的 8 位）")
        sub.add_parser("list", help="列出全部令牌（不含原文）")
        sub.add_parser("scopes", help="列出可给令牌的能力")

    def handle(self, *args, verb, **options):
        try:
            getattr(self, f"do_{verb}")(**options)
        except ValidationError as exc:
            raise CommandError("；".join(f"{k}：{'、'.join(v)}" for k, v in exc.message_dict.items())
                               if hasattr(exc, "error_dict") else "；".join(exc.messages)) from None

    def _token(self, prefix: str) -> ApiToken:
        token = ApiToken.objects.filter(prefix=prefix.removeprefix("xf_").split("_")[0]).first()
        if token is None:
            raise CommandError(f"没有前缀为 {prefix} 的令牌")
        return token

    def do_issue(self, *, name, scope, department, days, **_):
        unit = None
        if department is not None:
            unit = Department.objects.filter(pk=department).first()
            if unit is None:
                raise CommandError(f"--department：没有编号为 {department} 的部门")
        token, raw = tokens.issue_token(by=None, name=name, scopes=scope, department=unit, days=days)
        self.stderr.write(f"已签发“{token.name}”（前缀 {token.prefix}，能力 {'、'.join(token.scopes)}，"
                          f"范围 {unit or '整个组织'}）。原文只显示这一次，请妥善保存：")
        self.stdout.write(raw)

    def do_rotate(self, *, prefix, **_):
        token, raw = tokens.rotate_token(self._token(prefix), by=None)
        self.stderr.write(f"已更换“{token.name}”，旧原文立即失效。新原文只显示这一次：")
        self.stdout.write(raw)

    def do_revoke(self, *, prefix, **_):
        token = tokens.revoke_token(self._token(prefix), by=None)
        self.stdout.write(f"已吊销“{token.name}”（{token.prefix}）")

    def do_list(self, **_):
        for t in ApiToken.objects.select_related("department"):
            used = clock.localtime(t.last_used_at).strftime("%Y-%m-%d %H:%M") if t.last_used_at else "未使用"
            self.stdout.write(f"{t.prefix}\t{t.state}\t{t.name}\t{','.join(t.scopes)}\t{t.department or '整个组织'}\t{used}")

    def do_scopes(self, **_):
        for code, label in tokens.token_scopes().items():
            self.stdout.write(f"{code}\t{label}")
