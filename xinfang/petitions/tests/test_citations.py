"""每一处引用《信访工作条例》的文书与提示，所引条款都须与所说的事相符（条款 → 主题对照表）。

扫描随系统提供的文书模板正文与 petitions、supervision 的代码（含模板），每找到一处
"《信访工作条例》第X条"，在其前后的文字里找该条主题的关键词；找不到就说明引错了条
（例如把"答复"引成第三十三条——那是调解和解）。
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from xinfang.petitions.doc_templates.make_templates import KINDS

ROOT = Path(__file__).resolve().parents[2]

# 条款 → 该条规定的事（关键词，出现其一即算相符）。《信访工作条例》（2022）。
ARTICLES: dict[str, tuple[str, ...]] = {
    "第十九条": ("逐级", "受理", "办理"),
    "第二十条": ("代表", "走访"),
    "第二十二条": ("交办", "转送", "登记"),
    "第二十三条": ("受理", "告知", "转送", "异议"),
    "第二十五条": ("重大", "紧急", "及时报告"),  # 重大、紧急信访事项和信访信息及时报告
    "第二十八条": ("回避",),
    "第二十九条": ("类别", "建议意见", "检举控告", "申诉求决"),
    "第三十条": ("检举控告", "纪检监察", "督察"),
    "第三十一条": ("分类", "法定程序", "导入", "申诉求决", "检举控告", "建议意见"),
    "第三十二条": ("支持", "解释说明", "执行", "落实", "处理意见", "补救", "赔偿", "道歉", "纠正", "答复"),
    "第三十三条": ("调解", "和解"),
    "第三十四条": ("办结", "期限", "延期", "延长", "听证", "60"),
    "第三十五条": ("复查", "送达", "收到"),
    "第三十六条": ("复核", "听证", "不再受理", "终结"),
    "第三十七条": ("终结", "帮扶", "教育"),
    "第四十条": ("建议", "书面反馈"),
    "第四十四条": ("告知", "超期", "期限", "追究"),
    "第四十五条": ("办结", "超期", "期限", "追究"),
    "第四十六条": ("追究",),
}
CITATION = re.compile(r"《信访工作条例》((?:第[一二三四五六七八九十]+条(?:第[一二三四五六七八九十（）()]+[项款])?[、和至]?)+)")
ONE = re.compile(r"第[一二三四五六七八九十]+条")


def sources() -> list[tuple[str, str]]:
    found = [(f"文书模板 {kind}", title + "\n" + "\n".join(body)) for kind, (title, body) in KINDS.items()]
    for app in ("petitions", "supervision"):
        for path in sorted((ROOT / app).rglob("*")):
            if path.suffix not in {".py", ".html"} or "migrations" in path.parts or "tests" in path.parts:
                continue
            text = path.read_text(encoding="utf-8").replace("{_REGULATION}", "《信访工作条例》")
            found.append((str(path.relative_to(ROOT)), text))
    return found


def citations() -> list[tuple[str, str, str]]:
    rows = []
    for where, text in sources():
        for match in CITATION.finditer(text):
            context = text[max(0, match.start() - 150): match.end() + 40]
            rows += [(where, article, context) for article in ONE.findall(match.group(1))]
    return rows


def test_there_are_citations_to_check():
    assert len(citations()) > 40


@pytest.mark.parametrize(("where", "article", "context"), citations())
def test_every_cited_article_says_what_the_text_around_it_says(where, article, context):
    assert article in ARTICLES, f"{where} 引用了对照表没有的{article}"
    assert any(word in context for word in ARTICLES[article]), (
        f"{where} 引用{article}（{'、'.join(ARTICLES[article])}），上下文却是：{context}")


def test_the_corrected_citations_stay_corrected():
    reply = "\n".join(KINDS["reply"][1])
    diversion = "\n".join(KINDS["diversion"][1])
    assert "第三十二条的规定，答复如下" in reply and "第三十三条" not in reply  # 决定：第三十二条
    assert "第三十一条" in diversion and "第三十二条" not in diversion  # 导入法定程序：第三十一条
    intake = (ROOT / "petitions" / "actions" / "intake_rules.py").read_text(encoding="utf-8")
    assert "代表人数不超过" in intake and "第二十条" in intake and "第十八条" not in intake  # 代表：第二十条
