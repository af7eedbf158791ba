"""短信网关接口。默认实现把短信写进日志文件；真实网关由部署配置 XINFANG_SMS_BACKEND 指向另一个类。"""

from __future__ import annotations

import threading
from importlib import import_module
from pathlib import Path

from django.conf import settings

from xinfang.core import clock


class SmsBackend:
    """网关只需实现 send：发送失败抛异常，由发送队列记下错误并稍后重试。"""

    def send(self, phone: str, text: str) -> None:  # pragma: no cover - 接口
        raise NotImplementedError


class LogFileBackend(SmsBackend):
    """把每条短信追加为日志文件的一行：时间、号码、内容。"""

    _lock = threading.Lock()

    def send(self, phone: str, text: str) -> None:
        path = Path(settings.SMS_LOG_FILE)
        path.parent.mkdir(parents=True, exist_ok=True)
        line = f"{clock.localtime(clock.now()):%Y-%m-%d %H:%M:%S}\t{phone}\t{text.replace(chr(10), ' ')}\n"
        with self._lock, path.open("a", encoding="utf-8") as handle:
            handle.write(line)


def get_backend() -> SmsBackend:
    module, _, name = settings.SMS_BACKEND.rpartition(".")
    return getattr(import_module(module), name)()
