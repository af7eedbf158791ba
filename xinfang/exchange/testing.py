"""测试用：一张合法的 12345 工单、一个在本机回环地址上的真实 HTTP 接收端（可以"宕机"再恢复）。"""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def order_payload(number: str = "GD20260301000123", **overrides) -> dict:
    payload = {
        "order_number": number, "ordered_at": "2026-03-01T09:30:00+08:00",
        "request": "来电人反映：某路口信号灯配时过短，行人过街困难，请求延长绿灯时间。",
        "title": "路口信号灯配时过短", "category": "交通管理",
        "contact": {"name": "李四", "phone": "13912345678", "address": "示范市人民路1号"},
        "deadline": "2026-03-15",
    }
    payload.update(overrides)
    return payload


@dataclass
class Integration:
    name: str = "12345 市民服务热线"
    department_id: int | None = None


class Receiver:
    """12345 一侧的接收端：按 Idempotency-Key 去重（真实接收端应当如此），记下收到的每一次请求。

    ``down()``：端口仍被占着但不监听——连接被拒绝；``failing = n``：接下来 n 次请求答 ``fail_with``（默认 503）；
    ``up()``：恢复。开始时是"宕机"的。
    """

    def __init__(self):
        self.requests: list[dict] = []  # 每一次到达的请求
        self.accepted: dict[str, dict] = {}  # 幂等键 → 消息（去重后）
        self.failing = 0
        self.fail_with = 503
        self._server = None
        self._placeholder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._placeholder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._placeholder.bind(("127.0.0.1", 0))
        self.port = self._placeholder.getsockname()[1]
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/callback"

    def up(self) -> None:
        if self._placeholder is not None:
            self._placeholder.close()
            self._placeholder = None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server 的约定
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.requests.append({"headers": dict(self.headers), "body": body})
                    if receiver.failing > 0:
                        receiver.failing -= 1
                        status = receiver.fail_with
                    else:
                        key = self.headers.get("Idempotency-Key", "")
                        receiver.accepted.setdefault(key, json.loads(body))
                        status = 200
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}' if status == 200 else b'{"ok": false}')

            def log_message(self, *args):
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def down(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def close(self) -> None:
        self.down()
        if self._placeholder is not None:
            self._placeholder.close()
            self._placeholder = None


# -- 台账导入 ---------------------------------------------------------------------------------

LEDGER_HEADER = ["原编号", "信访形式", "登记日期", "姓名", "身份证号码", "联系电话", "反映内容", "诉求", "人数", "代表", "备注"]


def ledger_rows(n: int, *, start: int = 1, id_number: str | None = None) -> list[list]:
    """n 行合法的台账（来访、个人），来源编号 R{序号}。"""
    from xinfang.petitions.testing import id_number as valid_id

    person = id_number or valid_id("11010119900307123")
    return [[f"R{i}", "来访", "2026-02-10", f"王{i}", person, "13800138000",
             f"对第 {i} 起违停处罚有异议，请求复核。", "撤销处罚", 1, "", "无"] for i in range(start, start + n)]


def write_csv(path, rows, header=None, encoding: str = "utf-8-sig") -> None:
    import csv

    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header or LEDGER_HEADER)
        writer.writerows(rows)


def write_xlsx(path, rows, header=None) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("台账")
    sheet.append(header or LEDGER_HEADER)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
