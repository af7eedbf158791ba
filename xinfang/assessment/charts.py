"""报告里的图：服务器端用 matplotlib 画成 PNG，中文字体取自随项目安装的 mplfonts 包（思源黑体 / Noto Sans CJK，
SIL OFL），不依赖系统里装了什么字体。"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # 无显示器的服务器端
from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402


@lru_cache(maxsize=1)
def cjk_font() -> font_manager.FontProperties:
    import mplfonts

    path = Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path))


def _png(fig: Figure) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=110, bbox_inches="tight")
    return out.getvalue()


def bar_chart(title: str, labels: list[str], values: list[float], *, ylabel: str = "件") -> bytes:
    font = cjk_font()
    fig = Figure(figsize=(6.4, 3.0))
    ax = fig.subplots()
    ax.bar(range(len(values)), values, color="#2f6db5")
    ax.set_xticks(range(len(labels)), labels, fontproperties=font, rotation=30 if len(labels) > 6 else 0,
                  ha="right" if len(labels) > 6 else "center", fontsize=8)
    ax.set_title(title, fontproperties=font)
    ax.set_ylabel(ylabel, fontproperties=font)
    for i, v in enumerate(values):
        ax.annotate(f"{v:g}", (i, v), ha="center", va="bottom", fontsize=7)
    return _png(fig)


def line_chart(title: str, labels: list[str], values: list[float]) -> bytes:
    font = cjk_font()
    fig = Figure(figsize=(6.4, 2.8))
    ax = fig.subplots()
    ax.plot(range(len(values)), values, marker="o", color="#c0392b")
    ax.set_xticks(range(len(labels)), labels, fontsize=7, rotation=30)
    ax.set_title(title, fontproperties=font)
    ax.set_ylabel("件", fontproperties=font)
    ax.grid(alpha=0.3)
    return _png(fig)
