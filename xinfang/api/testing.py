"""测试用：签发令牌并给出带令牌的请求头。"""

from __future__ import annotations

from . import tokens


def issue(scopes, *, department=None, name="测试系统", days=None):
    token, raw = tokens.issue_token(by=None, name=name, scopes=list(scopes), department=department, days=days)
    return token, {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
